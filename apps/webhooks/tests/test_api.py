"""The webhooks API: CRUD by uuid, the secret shown once, validation, scoping."""

import uuid

import pytest

from apps.webhooks.models import DeliveryStatus, Webhook, WebhookDelivery
from apps.webhooks.tests.conftest import Reply, assert_error, expected_signature
from apps.webhooks.tests.factories import WebhookFactory

LIST = "/api/v1/webhooks"
SHOWN_ONCE = "Webhook created. Store the secret securely — it will not be shown again."


def detail(webhook_uuid) -> str:
    return f"{LIST}/{webhook_uuid}"


def create(client, **overrides):
    body = {
        "name": "My Webhook",
        "url": "https://example.com/webhook",
        "events": "campaign.created,ad.created",
        "is_active": 1,
        **overrides,
    }
    return client.post(LIST, body, format="json")


@pytest.mark.django_db
def test_create_returns_the_secret_once(advertiser_client, advertiser_user):
    response = create(advertiser_client)
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["success"] is True
    assert body["message"] == SHOWN_ONCE
    assert body["secret"].startswith("whsec_") and len(body["secret"]) > 30
    assert response["Cache-Control"] == "no-store"
    data = body["data"]
    assert data["name"] == "My Webhook"
    assert data["url"] == "https://example.com/webhook"
    assert data["events"] == ["campaign.created", "ad.created"]
    assert data["is_active"] is True
    assert "secret" not in data
    webhook = Webhook.objects.get(uuid=data["uuid"])
    assert webhook.owner == advertiser_user
    assert webhook.secret == body["secret"]

    secret = body["secret"]
    for response in (
        advertiser_client.get(detail(data["uuid"])),
        advertiser_client.get(LIST),
        advertiser_client.put(detail(data["uuid"]), {"name": "Renamed"}, format="json"),
        advertiser_client.patch(detail(data["uuid"]), {"is_active": 0}, format="json"),
        advertiser_client.get(f"{detail(data['uuid'])}/deliveries"),
    ):
        assert response.status_code == 200, response.content
        assert secret not in response.content.decode()
        assert "whsec_" not in response.content.decode()


@pytest.mark.django_db
def test_secret_never_logged(advertiser_client, caplog):
    caplog.set_level("DEBUG")
    response = create(advertiser_client)
    assert response.status_code == 201
    assert response.json()["secret"] not in caplog.text


@pytest.mark.django_db
def test_events_as_json_array_and_is_active_false(advertiser_client):
    response = create(
        advertiser_client, events=["ad.created", "campaign.deleted", "ad.created"], is_active="0"
    )
    assert response.status_code == 201, response.content
    data = response.json()["data"]
    assert data["events"] == ["ad.created", "campaign.deleted"]
    assert data["is_active"] is False


@pytest.mark.django_db
def test_name_defaults_to_host(advertiser_client):
    response = advertiser_client.post(
        LIST, {"url": "https://hooks.example.org/x", "events": ["ad.created"]}, format="json"
    )
    assert response.status_code == 201, response.content
    assert response.json()["data"]["name"] == "hooks.example.org"
    assert response.json()["data"]["is_active"] is True


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("overrides", "path"),
    [
        ({"events": "campaign.created,nope.happened"}, ["body", "events"]),
        ({"events": ""}, ["body", "events"]),
        ({"events": []}, ["body", "events"]),
        ({"events": " , "}, ["body", "events"]),
        ({"events": 5}, ["body", "events"]),
        ({"events": [1, 2]}, ["body", "events"]),
        ({"events": None}, ["body", "events"]),
        ({"url": "not a url"}, ["body", "url"]),
        ({"url": ""}, ["body", "url"]),
        ({"url": "ftp://example.com/x"}, ["body", "url"]),
        ({"url": "javascript:alert(1)"}, ["body", "url"]),
        ({"url": "https://user:pw@example.com/x"}, ["body", "url"]),
        ({"url": "https://example.com/" + "a" * 3000}, ["body", "url"]),
        ({"url": "https://exa mple.com/x"}, ["body", "url"]),
        ({"url": "https://-bad-.example.com/x"}, ["body", "url"]),
        ({"url": "https://example.com:99999/x"}, ["body", "url"]),
        ({"url": "https:///x"}, ["body", "url"]),
        ({"url": "//example.com/x"}, ["body", "url"]),
        ({"url": ["https://example.com"]}, ["body", "url"]),
        ({"name": "x" * 201}, ["body", "name"]),
        ({"is_active": "maybe"}, ["body", "is_active"]),
        ({"secret": "whsec_mine"}, ["body", "secret"]),
        ({"colour": "blue"}, ["body", "colour"]),
    ],
)
def test_create_bad_input_is_422(advertiser_client, overrides, path):
    assert_error(create(advertiser_client, **overrides), 422, "validation_failed", path)
    assert not Webhook.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url",
    [
        "http://receiver:9000/hook",  # a compose service name
        "http://localhost:8080/hook",
        "https://bücher.example/hook",
        "https://[2606:4700:4700::1111]/hook",
        "https://example.com/hook?token=abc#frag",
    ],
)
def test_urls_accepted_when_private_urls_are_allowed(advertiser_client, url):
    response = create(advertiser_client, url=url)
    assert response.status_code == 201, response.content
    assert response.json()["data"]["url"] == url


@pytest.mark.django_db
def test_missing_fields_and_malformed_body(advertiser_client):
    body = assert_error(advertiser_client.post(LIST, {}, format="json"), 422)
    paths = [d["path"] for d in body["details"]]
    assert ["body", "url"] in paths and ["body", "events"] in paths
    response = advertiser_client.post(LIST, "{not json", content_type="application/json")
    assert_error(response, 400)
    response = advertiser_client.post(LIST, ["a"], format="json")
    assert_error(response, 422)


@pytest.mark.django_db
def test_only_admins_subscribe_to_fraud_alert(advertiser_client, admin_client):
    body = assert_error(
        create(advertiser_client, events="campaign.created,fraud.alert"),
        422,
        path=["body", "events"],
    )
    assert "admin" in body["error"]
    assert create(admin_client, events=["fraud.alert", "publisher.approved"]).status_code == 201


@pytest.mark.django_db
def test_any_role_may_own_webhooks(publisher_client, finance_user):
    from conftest import client_for

    assert create(publisher_client, events="publisher.approved").status_code == 201
    assert create(client_for(finance_user), events="payment.completed").status_code == 201


@pytest.mark.django_db
def test_anonymous_is_401(api_client):
    hook = WebhookFactory()
    for response in (
        api_client.get(LIST),
        api_client.post(LIST, {}, format="json"),
        api_client.get(detail(hook.uuid)),
        api_client.put(detail(hook.uuid), {}, format="json"),
        api_client.delete(detail(hook.uuid)),
        api_client.post(f"{detail(hook.uuid)}/test"),
        api_client.get(f"{detail(hook.uuid)}/deliveries"),
    ):
        assert_error(response, 401)


@pytest.mark.django_db
def test_other_owners_webhooks_are_404(advertiser_client, other_client, admin_client):
    hook = Webhook.objects.get(uuid=create(other_client).json()["data"]["uuid"])
    for client in (advertiser_client, admin_client):
        for response in (
            client.get(detail(hook.uuid)),
            client.put(detail(hook.uuid), {"name": "Mine now"}, format="json"),
            client.patch(detail(hook.uuid), {"is_active": False}, format="json"),
            client.delete(detail(hook.uuid)),
            client.post(f"{detail(hook.uuid)}/test"),
            client.post(f"{detail(hook.uuid)}/rotate-secret"),
            client.get(f"{detail(hook.uuid)}/deliveries"),
        ):
            assert_error(response, 404, "not_found")
        assert client.get(LIST).json()["pagination"]["total"] == 0
    hook.refresh_from_db()
    assert hook.name == "My Webhook" and hook.is_active
    assert not WebhookDelivery.objects.exists()


@pytest.mark.django_db
def test_unknown_and_malformed_uuid_are_404(advertiser_client):
    assert_error(advertiser_client.get(detail(uuid.uuid4())), 404, "not_found")
    assert_error(advertiser_client.get(detail("123")), 404, "not_found")
    assert_error(advertiser_client.delete(detail("not-a-uuid")), 404, "not_found")


@pytest.mark.django_db
def test_list_is_paginated_and_filtered(advertiser_client, other_client):
    for index in range(3):
        create(advertiser_client, name=f"Hook {index}", is_active=index != 1)
    create(other_client)
    body = advertiser_client.get(LIST, {"per_page": 2}).json()
    assert body["pagination"] == {"page": 1, "per_page": 2, "count": 2, "total": 3, "pages": 2}
    assert [item["name"] for item in body["data"]] == ["Hook 2", "Hook 1"]
    inactive = advertiser_client.get(LIST, {"is_active": "false"}).json()
    assert [item["name"] for item in inactive["data"]] == ["Hook 1"]
    assert_error(advertiser_client.get(LIST, {"per_page": 0}), 422)


@pytest.mark.django_db
def test_get_update_delete(advertiser_client):
    created = create(advertiser_client).json()["data"]
    url = detail(created["uuid"])
    got = advertiser_client.get(url).json()
    assert got["success"] is True and got["data"] == created

    response = advertiser_client.put(
        url,
        {"name": "New", "events": "ad.status_changed", "url": "https://example.net/h"},
        format="json",
    )
    assert response.status_code == 200, response.content
    data = response.json()["data"]
    assert (data["name"], data["events"], data["url"]) == (
        "New",
        ["ad.status_changed"],
        "https://example.net/h",
    )
    patched = advertiser_client.patch(url, {"is_active": "false"}, format="json").json()["data"]
    assert patched["is_active"] is False and patched["name"] == "New"

    deleted = advertiser_client.delete(url)
    assert deleted.json() == {"success": True, "message": "Webhook deleted."}
    assert_error(advertiser_client.get(url), 404)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("body", "path"),
    [
        ({"secret": "whsec_chosen"}, ["body", "secret"]),
        ({"events": []}, ["body", "events"]),
        ({"events": "campaign.created,bogus"}, ["body", "events"]),
        ({"events": "fraud.alert"}, ["body", "events"]),
        ({"url": "nope"}, ["body", "url"]),
        ({"uuid": str(uuid.uuid4())}, ["body", "uuid"]),
        ({"is_active": "perhaps"}, ["body", "is_active"]),
    ],
)
def test_update_bad_input_is_422(advertiser_client, body, path):
    created = create(advertiser_client).json()
    response = advertiser_client.put(detail(created["data"]["uuid"]), body, format="json")
    assert_error(response, 422, "validation_failed", path)
    webhook = Webhook.objects.get(uuid=created["data"]["uuid"])
    assert webhook.secret == created["secret"]
    assert webhook.events == ["campaign.created", "ad.created"]


@pytest.mark.django_db
def test_reactivating_clears_the_failure_streak(advertiser_client, advertiser_user):
    hook = WebhookFactory(
        owner=advertiser_user,
        is_active=False,
        consecutive_failures=20,
        disabled_reason="Deactivated after 20 failed deliveries in a row",
    )
    response = advertiser_client.put(detail(hook.uuid), {"is_active": True}, format="json")
    data = response.json()["data"]
    assert data["is_active"] is True
    assert data["consecutive_failures"] == 0 and data["disabled_reason"] == ""


@pytest.mark.django_db
def test_rotate_secret_shows_the_new_one_once(advertiser_client):
    created = create(advertiser_client).json()
    response = advertiser_client.post(f"{detail(created['data']['uuid'])}/rotate-secret")
    assert response.status_code == 200
    body = response.json()
    assert body["secret"].startswith("whsec_") and body["secret"] != created["secret"]
    assert Webhook.objects.get(uuid=created["data"]["uuid"]).secret == body["secret"]
    assert (
        body["secret"]
        not in advertiser_client.get(detail(created["data"]["uuid"])).content.decode()
    )


@pytest.mark.django_db(transaction=True)
def test_test_endpoint_delivers_webhook_test_to_that_webhook_only(advertiser_client, receiver):
    # Transactional: the delivery runs after the request's commit, as in production, so the
    # response can already show its result.
    created = create(advertiser_client, url=receiver.url, events="campaign.created").json()
    create(advertiser_client, url=receiver.url, events="campaign.created,webhook.test")
    response = advertiser_client.post(f"{detail(created['data']['uuid'])}/test")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["message"] == "Test event dispatched."
    [request] = receiver.wait_for(1)
    assert request.header("X-AdServerX-Event") == "webhook.test"
    assert request.header("X-AdServerX-Signature") == expected_signature(
        created["secret"], request.body
    )
    delivery = WebhookDelivery.objects.get()
    assert delivery.webhook.uuid == uuid.UUID(created["data"]["uuid"])
    assert delivery.status == DeliveryStatus.SUCCEEDED
    assert body["data"]["event_id"] == str(delivery.event_uuid)
    assert body["data"]["delivery"]["status"] == "succeeded"
    assert body["data"]["delivery"]["status_code"] == 200


@pytest.mark.django_db(transaction=True)
def test_test_of_a_failing_endpoint_is_one_attempt(advertiser_client, receiver):
    receiver.default = Reply(status=500, body=b"boom")
    created = create(advertiser_client, url=receiver.url, is_active=False).json()
    response = advertiser_client.post(f"{detail(created['data']['uuid'])}/test")
    delivery = response.json()["data"]["delivery"]
    assert delivery["status"] == "failed" and delivery["attempts"] == 1
    assert delivery["next_retry_at"] is None
    assert delivery["attempt_log"][0]["response_body"] == "boom"
    assert Webhook.objects.get().consecutive_failures == 0  # a test never counts


@pytest.mark.django_db
def test_deliveries_log(advertiser_client, receiver, django_capture_on_commit_callbacks):
    receiver.reply(Reply(status=503, body=b"busy"))
    created = create(advertiser_client, url=receiver.url, events="webhook.test").json()
    webhook_url = detail(created["data"]["uuid"])
    with django_capture_on_commit_callbacks(execute=True):
        advertiser_client.post(f"{webhook_url}/test")
        advertiser_client.post(f"{webhook_url}/test")
    body = advertiser_client.get(f"{webhook_url}/deliveries").json()
    assert body["pagination"]["total"] == 2
    newest, oldest = body["data"]
    assert newest["status"] == "succeeded" and newest["status_code"] == 200
    assert oldest["status"] == "failed" and oldest["status_code"] == 503
    assert oldest["error"] == "HTTP 503"
    for item in body["data"]:
        assert item["event_type"] == "webhook.test"
        assert item["attempts"] == 1
        assert isinstance(item["duration_ms"], int)
        assert item["event_id"] and item["id"] and item["created_at"]
        assert "next_retry_at" in item
        assert len(item["attempt_log"]) == 1
    only_failed = advertiser_client.get(f"{webhook_url}/deliveries", {"status": "failed"}).json()
    assert [item["id"] for item in only_failed["data"]] == [oldest["id"]]
    assert_error(advertiser_client.get(f"{webhook_url}/deliveries", {"status": "odd"}), 422)


@pytest.mark.django_db
def test_webhooks_in_openapi(api_client):
    paths = api_client.get("/api/v1/docs-json").json()["paths"]
    assert {"get", "post"} <= set(paths["/api/v1/webhooks"])
    assert {"get", "put", "patch", "delete"} <= set(paths["/api/v1/webhooks/{webhook_uuid}"])
    assert "post" in paths["/api/v1/webhooks/{webhook_uuid}/test"]
    assert "get" in paths["/api/v1/webhooks/{webhook_uuid}/deliveries"]
