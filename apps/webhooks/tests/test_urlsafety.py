"""SSRF: private addresses refused when saving and again right before each send."""

import ipaddress
import socket

import pytest
from django.test import override_settings

from apps.common.events import domain_event_emit
from apps.webhooks import services, urlsafety
from apps.webhooks.models import DeliveryStatus, Webhook, WebhookDelivery
from apps.webhooks.tests.conftest import assert_error, expected_signature
from apps.webhooks.tests.factories import WebhookFactory

LIST = "/api/v1/webhooks"
PUBLIC_IP = "93.184.215.14"

strict = override_settings(WEBHOOK_ALLOW_PRIVATE_URLS=False)


@pytest.fixture
def dns(monkeypatch):
    """Fake DNS answers for chosen names; everything else resolves normally."""
    answers: dict[str, list[str]] = {}
    real = socket.getaddrinfo

    def fake(host, port, *args, **kwargs):
        if host in answers:
            return [
                (
                    socket.AF_INET6 if ":" in ip else socket.AF_INET,
                    socket.SOCK_STREAM,
                    6,
                    "",
                    (ip, port),
                )
                for ip in answers[host]
            ]
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", fake)
    return answers


def create(client, url: str):
    return client.post(LIST, {"url": url, "events": "campaign.created"}, format="json")


@pytest.mark.django_db
@strict
@pytest.mark.parametrize(
    "url",
    [
        "http://example.com/hook",  # not https
        "https://127.0.0.1/hook",
        "https://127.1.2.3:8443/hook",
        "https://localhost/hook",
        "https://api.localhost/hook",
        "https://[::1]/hook",
        "https://[::ffff:127.0.0.1]/hook",
        "https://10.0.0.5/hook",
        "https://172.16.3.4/hook",
        "https://192.168.1.10/hook",
        "https://100.64.0.1/hook",  # carrier-grade NAT
        "https://169.254.169.254/latest/meta-data/",  # cloud metadata
        "https://[fd00:ec2::254]/latest/meta-data/",
        "https://metadata.google.internal/computeMetadata/v1/",
        "https://[fe80::1]/hook",
        "https://224.0.0.1/hook",
        "https://0.0.0.0/hook",
        "https://[::]/hook",
        "https://240.0.0.1/hook",
        "https://2130706433/hook",  # 127.0.0.1 as one number
        "https://[64:ff9b::a00:1]/hook",  # NAT64 of 10.0.0.1
        "https://[2002:7f00:1::]/hook",  # 6to4 of 127.0.0.1
    ],
)
def test_private_or_plain_http_urls_are_refused(advertiser_client, url):
    assert_error(create(advertiser_client, url), 422, "validation_failed", ["body", "url"])
    assert not Webhook.objects.exists()


@pytest.mark.django_db
@strict
def test_a_name_resolving_to_a_private_address_is_refused(advertiser_client, dns):
    dns["intranet.example.com"] = [PUBLIC_IP, "10.1.2.3"]
    body = assert_error(create(advertiser_client, "https://intranet.example.com/h"), 422)
    assert "10.1.2.3" in body["error"]
    dns["rebind.example.com"] = ["169.254.169.254"]
    assert_error(create(advertiser_client, "https://rebind.example.com/h"), 422)


@pytest.mark.django_db
@strict
def test_update_to_a_private_url_is_refused(advertiser_client, advertiser_user, dns):
    dns["public.example.com"] = [PUBLIC_IP]
    response = create(advertiser_client, "https://public.example.com/hook")
    assert response.status_code == 201, response.content
    url = f"{LIST}/{response.json()['data']['uuid']}"
    for bad in ("https://127.0.0.1/x", "http://public.example.com/x", "https://[::1]/x"):
        assert_error(
            advertiser_client.put(url, {"url": bad}, format="json"), 422, path=["body", "url"]
        )
    assert Webhook.objects.get().url == "https://public.example.com/hook"


@pytest.mark.django_db
@strict
def test_public_https_urls_are_accepted(advertiser_client, dns):
    dns["hooks.example.com"] = [PUBLIC_IP, "2606:2800:21f:cb07:6820:80da:af6b:8b2c"]
    assert create(advertiser_client, "https://hooks.example.com/in").status_code == 201
    assert create(advertiser_client, f"https://{PUBLIC_IP}:8443/in").status_code == 201


@pytest.mark.django_db
@strict
def test_a_name_that_does_not_resolve_yet_is_accepted_and_checked_at_send(
    advertiser_client, advertiser_user, dns, monkeypatch
):
    def no_answer(host, port, *args, **kwargs):
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", no_answer)
    assert create(advertiser_client, "https://not-yet.example.com/h").status_code == 201


@pytest.mark.django_db
def test_private_urls_are_allowed_when_the_setting_says_so(advertiser_client):
    # Development and tests set WEBHOOK_ALLOW_PRIVATE_URLS=true.
    assert create(advertiser_client, "http://127.0.0.1:9/hook").status_code == 201


@pytest.mark.django_db
def test_loopback_refused_at_send_time(
    receiver, advertiser_user, django_capture_on_commit_callbacks
):
    # Saved while private URLs were allowed (or by a DNS answer that changed since).
    WebhookFactory(owner=advertiser_user, url=receiver.url)
    with strict, django_capture_on_commit_callbacks(execute=True):
        domain_event_emit(event_type="campaign.created", data={}, owner=advertiser_user)
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == DeliveryStatus.FAILED and delivery.next_retry_at is None
    assert delivery.error.startswith("Refused:")
    assert receiver.requests == []


@pytest.mark.django_db
@pytest.mark.parametrize(
    "host", ["127.0.0.1", "[::1]", "169.254.169.254", "10.0.0.1", "[::ffff:127.0.0.1]"]
)
def test_private_https_addresses_refused_at_send_time(
    host, advertiser_user, django_capture_on_commit_callbacks
):
    WebhookFactory(owner=advertiser_user, url=f"https://{host}:9/hook")
    with strict, django_capture_on_commit_callbacks(execute=True):
        domain_event_emit(event_type="campaign.created", data={}, owner=advertiser_user)
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == DeliveryStatus.FAILED and delivery.attempts == 1
    assert "non-public" in delivery.error and delivery.status_code is None


@pytest.mark.django_db
def test_dns_rebinding_is_caught_at_send_time(
    receiver, advertiser_user, dns, django_capture_on_commit_callbacks
):
    dns["rebind.example.com"] = [PUBLIC_IP]
    with strict:
        webhook = services.webhook_create(
            owner=advertiser_user, url="https://rebind.example.com/hook", events=["ad.created"]
        )
    dns["rebind.example.com"] = ["127.0.0.1"]
    with strict, django_capture_on_commit_callbacks(execute=True):
        domain_event_emit(event_type="ad.created", data={}, owner=advertiser_user)
    delivery = WebhookDelivery.objects.get(webhook=webhook)
    assert delivery.status == DeliveryStatus.FAILED
    assert "non-public" in delivery.error
    assert receiver.requests == []


@pytest.mark.django_db
def test_the_connection_goes_to_the_vetted_address_with_the_name_as_host(
    receiver, advertiser_user, dns, django_capture_on_commit_callbacks
):
    port = receiver.server.server_address[1]
    dns["hooks.example.test"] = ["127.0.0.1"]
    webhook = WebhookFactory(owner=advertiser_user, url=f"http://hooks.example.test:{port}/in?x=1")
    with django_capture_on_commit_callbacks(execute=True):
        domain_event_emit(event_type="campaign.created", data={}, owner=advertiser_user)
    [request] = receiver.wait_for(1)
    assert request.header("Host") == f"hooks.example.test:{port}"
    assert request.path == "/in?x=1"
    assert request.header("X-AdServerX-Signature") == expected_signature(
        webhook.secret, request.body
    )


@pytest.mark.parametrize(
    ("address", "public"),
    [
        ("8.8.8.8", True),
        (PUBLIC_IP, True),
        ("2606:4700:4700::1111", True),
        ("127.0.0.1", False),
        ("10.0.0.1", False),
        ("172.31.255.255", False),
        ("192.168.0.1", False),
        ("169.254.169.254", False),
        ("100.100.100.200", False),
        ("fd00:ec2::254", False),
        ("::1", False),
        ("::ffff:10.0.0.1", False),
        ("::ffff:8.8.8.8", True),
        ("ff02::1", False),
        ("198.18.0.1", False),
        ("192.0.2.1", False),
        ("255.255.255.255", False),
    ],
)
def test_address_is_public(address, public):
    assert urlsafety.address_is_public(ipaddress.ip_address(address)) is public
