"""Client slugs: made from the company name, unique, shown in the API, changed by admins."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from apps.campaigns.models import Advertiser
from apps.campaigns.slugs import client_slug_base, validate_client_slug
from apps.campaigns.tests.conftest import assert_error
from apps.campaigns.tests.factories import AdvertiserFactory

URL = "/api/v1/advertisers"


def test_slug_base_is_a_dns_label():
    assert client_slug_base("Storhaug Bakeri AS") == "storhaug-bakeri-as"
    assert client_slug_base("Ünïcode & Co_") == "unicode-co"
    assert client_slug_base("!!!") == "client-co"
    assert client_slug_base("www") == "www-co"
    long = client_slug_base("x" * 300)
    validate_client_slug(long)
    assert len(long) <= 50


@pytest.mark.django_db
def test_new_advertisers_get_unique_slugs():
    first = AdvertiserFactory(company="Acme Shop")
    second = AdvertiserFactory(company="Acme Shop")
    third = AdvertiserFactory(company="ACME shop!")
    assert [first.client_slug, second.client_slug, third.client_slug] == [
        "acme-shop",
        "acme-shop-2",
        "acme-shop-3",
    ]


@pytest.mark.django_db
def test_advertiser_api_shows_slug(advertiser_client):
    advertiser = AdvertiserFactory(user=advertiser_client.user, company="Nora Shop")
    body = advertiser_client.get(f"{URL}/{advertiser.pk}").json()
    assert body["data"]["client_slug"] == "nora-shop"


@pytest.mark.django_db
def test_admin_changes_slug_advertiser_may_not(admin_client, advertiser_client):
    advertiser = AdvertiserFactory(user=advertiser_client.user, company="Nora Shop")
    other = AdvertiserFactory(company="Taken")
    response = advertiser_client.patch(
        f"{URL}/{advertiser.pk}", {"client_slug": "mine"}, format="json"
    )
    assert_error(response, 403)

    response = admin_client.patch(f"{URL}/{advertiser.pk}", {"client_slug": "nora"}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["data"]["client_slug"] == "nora"

    response = admin_client.patch(
        f"{URL}/{advertiser.pk}", {"client_slug": other.client_slug}, format="json"
    )
    assert_error(response, 409, "client_slug_taken")
    for bad in ("Upper", "-dash", "has space", "a" * 64):
        response = admin_client.patch(f"{URL}/{advertiser.pk}", {"client_slug": bad}, format="json")
        assert_error(response, 422, path=["body", "client_slug"])
    response = admin_client.patch(f"{URL}/{advertiser.pk}", {"client_slug": "www"}, format="json")
    assert_error(response, 422)
    advertiser.refresh_from_db()
    assert advertiser.client_slug == "nora"


@pytest.mark.django_db
def test_admin_create_may_name_the_slug(admin_client):
    from apps.accounts.models import Role
    from apps.accounts.tests.factories import UserFactory

    user = UserFactory(role=Role.ADVERTISER)
    Advertiser.objects.filter(user=user).delete()
    response = admin_client.post(
        URL, {"user_id": user.pk, "company": "Big Co", "client_slug": "bigco"}, format="json"
    )
    assert response.status_code == 201, response.content
    assert response.json()["data"]["client_slug"] == "bigco"


@pytest.mark.django_db(transaction=True)
def test_data_migration_fills_existing_advertisers_uniquely():
    from apps.accounts.models import Role
    from apps.accounts.tests.factories import UserFactory

    executor = MigrationExecutor(connection)
    before = [("campaigns", "0002_advertiser_client_slug")]
    executor.migrate(before)
    old_apps = executor.loader.project_state(before).apps
    old_advertiser = old_apps.get_model("campaigns", "Advertiser")
    users = [UserFactory(role=Role.ADVERTISER) for _ in range(3)]
    old_advertiser.objects.all().delete()
    for user, company in zip(users, ["Same Name", "Same Name", ""], strict=True):
        old_advertiser.objects.create(user_id=user.pk, company=company, currency="USD")

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())

    slugs = list(Advertiser.objects.order_by("id").values_list("client_slug", flat=True))
    assert slugs[:2] == ["same-name", "same-name-2"]
    assert slugs[2] == client_slug_base(users[2].email.split("@")[0])
    assert len(set(slugs)) == 3
