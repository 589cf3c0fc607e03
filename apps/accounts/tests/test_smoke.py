def test_roles_list_is_public(api_client, db):
    response = api_client.get("/api/v1/roles")
    assert response.status_code == 200
    assert [r["name"] for r in response.json()["data"]] == [
        "admin",
        "advertiser",
        "publisher",
        "finance",
        "partner",
    ]
