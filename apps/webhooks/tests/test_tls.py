"""HTTPS delivery: connected to the vetted address, with the URL's name for SNI and the
certificate check."""

import json
import shutil
import socket
import ssl
import subprocess

import pytest

from apps.common.events import domain_event_emit
from apps.webhooks import sender
from apps.webhooks.models import DeliveryStatus, WebhookDelivery
from apps.webhooks.tests.conftest import Receiver, expected_signature
from apps.webhooks.tests.factories import WebhookFactory

HOST = "hooks.example.test"

pytestmark = pytest.mark.skipif(not shutil.which("openssl"), reason="needs the openssl CLI")


@pytest.fixture(scope="module")
def certificate(tmp_path_factory):
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
            "-days",
            "1",
            "-subj",
            f"/CN={HOST}",
            "-addext",
            f"subjectAltName=DNS:{HOST}",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
    )
    return cert, key


@pytest.fixture
def tls_receiver(certificate):
    cert, key = certificate
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server = Receiver(tls=context).start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def resolves_to_loopback(monkeypatch):
    real = socket.getaddrinfo

    def fake(host, port, *args, **kwargs):
        if host == HOST:
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", port))]
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", fake)


def emit_to(url, owner, capture):
    webhook = WebhookFactory(owner=owner, url=url)
    with capture(execute=True):
        domain_event_emit(event_type="campaign.created", data={"n": 1}, owner=owner)
    return webhook, WebhookDelivery.objects.get(webhook=webhook)


@pytest.mark.django_db
def test_https_delivery_with_a_trusted_certificate(
    tls_receiver,
    certificate,
    resolves_to_loopback,
    monkeypatch,
    advertiser_user,
    django_capture_on_commit_callbacks,
):
    trusted = ssl.create_default_context(cafile=str(certificate[0]))
    monkeypatch.setattr(sender, "_tls_context", lambda: trusted)
    port = tls_receiver.server.server_address[1]
    webhook, delivery = emit_to(
        f"https://{HOST}:{port}/hook", advertiser_user, django_capture_on_commit_callbacks
    )
    assert delivery.status == DeliveryStatus.SUCCEEDED, delivery.error
    [request] = tls_receiver.wait_for(1)
    assert request.header("Host") == f"{HOST}:{port}"
    assert request.header("X-AdServerX-Signature") == expected_signature(
        webhook.secret, request.body
    )
    assert json.loads(request.body)["data"] == {"n": 1}


@pytest.mark.django_db
def test_an_untrusted_certificate_fails_and_is_retried(
    tls_receiver, resolves_to_loopback, advertiser_user, django_capture_on_commit_callbacks, caplog
):
    port = tls_receiver.server.server_address[1]
    _, delivery = emit_to(
        f"https://{HOST}:{port}/hook", advertiser_user, django_capture_on_commit_callbacks
    )
    assert delivery.status == DeliveryStatus.RETRYING
    # The owner reads a fixed sentence; ssl's own text stays in the server's log.
    assert delivery.error == sender.ERRORS["tls_certificate"]
    assert "CERTIFICATE_VERIFY_FAILED" in caplog.text
    assert tls_receiver.requests == []


@pytest.mark.django_db
def test_a_certificate_for_another_name_is_refused(
    tls_receiver, certificate, monkeypatch, advertiser_user, django_capture_on_commit_callbacks
):
    trusted = ssl.create_default_context(cafile=str(certificate[0]))
    monkeypatch.setattr(sender, "_tls_context", lambda: trusted)
    # The certificate names hooks.example.test; the URL names the address itself.
    _, delivery = emit_to(tls_receiver.url, advertiser_user, django_capture_on_commit_callbacks)
    assert delivery.status == DeliveryStatus.RETRYING
    assert delivery.error == sender.ERRORS["tls_certificate"]
    assert tls_receiver.requests == []
