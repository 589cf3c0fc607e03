"""The /api/v1 conventions: error envelope, body limit, rate limits, client IP, idempotency."""

import json
import time

import pytest
from django.test import Client, RequestFactory, override_settings
from rest_framework.test import APIClient

from apps.accounts.models import ApiKey
from apps.accounts.tests.factories import DEFAULT_PASSWORD, UserFactory
from apps.common.net import client_ip
from apps.common.tests.client import document_check_off
from conftest import client_for

ROLES = "/api/v1/roles"
LOGIN = "/api/v1/auth/login"
TOKEN = "/api/v1/auth/token"
SIGNUP = "/api/v1/auth/signup"
ME = "/api/v1/auth/me"
KEYS = "/api/v1/api-keys"
STRONG_PASSWORD = "Str0ng-pass!-xyz"


def assert_envelope(response, status: int, code: str | None = None) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert body["success"] is False
    assert body["statusCode"] == status
    assert isinstance(body["error"], str) and body["error"]
    assert isinstance(body["message"], str) and body["message"]
    assert isinstance(body["code"], str) and body["code"]
    if code is not None:
        assert body["code"] == code, body
    return body


def assert_rate_headers(response, limit: int, remaining: int) -> None:
    assert response["X-RateLimit-Limit"] == str(limit)
    assert response["X-RateLimit-Remaining"] == str(remaining)
    reset = int(response["X-RateLimit-Reset"])
    assert time.time() - 5 <= reset <= time.time() + 24 * 3600 + 5


def assert_429(response) -> None:
    assert_envelope(response, 429, "rate_limited")
    assert int(response["Retry-After"]) >= 1
    assert response["X-RateLimit-Remaining"] == "0"


def bad_login(client, email: str, ip: str):
    return client.post(
        LOGIN, {"email": email, "password": "Wrong-pass-123"}, format="json", REMOTE_ADDR=ip
    )


# --- Error envelope -------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path", ["/api/v1/nope", "/api/v1/roles/", "/api/v1/users/1/extra", "/api/v2/roles", "/api/"]
)
def test_unknown_api_path_is_json_404(api_client, path):
    for response in (api_client.get(path), api_client.post(path, {}, format="json")):
        assert_envelope(response, 404, "not_found")


@pytest.mark.django_db
@pytest.mark.parametrize("method", ["get", "post", "put", "patch", "delete", "options"])
@pytest.mark.parametrize(
    "path", ["/api/v1/nope", "/api/v1/campaigns/0/pause", "/api/v1/ads/99999999999999999999"]
)
def test_unknown_api_path_is_404_for_every_method_with_csrf_enforced(method, path):
    """A client that gets CSRF checks like a browser (no cookie, no token): 404, not 403."""
    client = APIClient(enforce_csrf_checks=True)
    assert_envelope(getattr(client, method)(path), 404, "not_found")


@pytest.mark.django_db
def test_unknown_path_for_authenticated_client(advertiser_client):
    assert_envelope(advertiser_client.delete("/api/v1/campaignz/1"), 404, "not_found")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("method", "path"),
    [("delete", ROLES), ("put", ROLES), ("get", LOGIN), ("put", "/api/v1/auth/signup")],
)
def test_wrong_method_is_json_405(api_client, method, path):
    response = getattr(api_client, method)(path)
    assert_envelope(response, 405, "method_not_allowed")
    assert "Allow" in response


@pytest.mark.django_db
def test_wrong_method_for_authenticated_client(advertiser_client):
    response = advertiser_client.put(KEYS, {}, format="json")
    assert_envelope(response, 405, "method_not_allowed")
    assert "GET" in response["Allow"] and "POST" in response["Allow"]


@pytest.mark.django_db
def test_unsupported_media_type_is_json(api_client):
    response = api_client.post(LOGIN, data="email=a@b.c", content_type="text/plain")
    assert_envelope(response, 415)


@pytest.mark.django_db
def test_malformed_json_is_400(api_client):
    response = api_client.post(LOGIN, data="{'email': 1}", content_type="application/json")
    assert_envelope(response, 400, "malformed_json")


@pytest.mark.django_db
def test_body_over_limit_is_413(api_client):
    payload = json.dumps({"email": "a@example.com", "password": "x" * 500})
    with override_settings(API_MAX_BODY_BYTES=200):
        response = api_client.post(SIGNUP, data=payload, content_type="application/json")
        assert_envelope(response, 413, "payload_too_large")
        # Just under the limit is parsed normally.
        small = api_client.post(SIGNUP, data="{}", content_type="application/json")
        assert small.status_code == 422


@pytest.mark.django_db
def test_body_over_default_limit_is_413(advertiser_client):
    payload = json.dumps({"name": "x" * (1_048_576 + 10)})
    response = advertiser_client.post(KEYS, data=payload, content_type="application/json")
    assert_envelope(response, 413, "payload_too_large")
    assert ApiKey.objects.count() == 1


@pytest.mark.django_db
def test_session_auth_requires_csrf(advertiser_user):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(advertiser_user)
    assert client.get(ME).status_code == 200
    response = client.post(KEYS, {"name": "x"}, format="json")
    assert_envelope(response, 403)
    assert "CSRF" in response.json()["error"]
    assert ApiKey.objects.count() == 0


# --- 500 ------------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/api/v1/boom", "/api/v1/boom-drf"])
@pytest.mark.parametrize("debug", [False, True])
def test_unhandled_error_is_json_500_without_trace(settings, caplog, path, debug):
    settings.ROOT_URLCONF = "apps.common.tests.urls_boom"
    settings.DEBUG = debug
    client = Client(raise_request_exception=False)
    with document_check_off():  # a crash the test injects is no operation of the document
        response = client.get(path)
    body = assert_envelope(response, 500, "internal_error")
    text = response.content.decode()
    assert "Traceback" not in text
    assert "RuntimeError" not in text
    assert "secret-internal-detail" not in text
    assert "hunter2" not in text
    assert 'File "' not in text
    assert set(body) == {"success", "statusCode", "error", "message", "code"}
    # It is logged for the operators instead.
    assert "secret-internal-detail" in caplog.text


# --- Rate limits ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_normal_responses_carry_rate_headers(api_client, advertiser_client):
    # The defaults (RATELIMIT_API_ANON 60/m, RATELIMIT_API_USER 2000/m).
    first = api_client.get(ROLES)
    assert first.status_code == 200
    assert_rate_headers(first, 60, 59)
    authed = advertiser_client.get(ME)
    assert authed.status_code == 200
    assert_rate_headers(authed, 2000, 1999)

    # Remaining counts down (an hourly window so no boundary falls inside the test).
    with override_settings(RATELIMIT_API_ANON="60/h", RATELIMIT_API_USER="2000/h"):
        for remaining in (59, 58, 57):
            assert_rate_headers(api_client.get(ROLES), 60, remaining)
        for remaining in (1999, 1998):
            assert_rate_headers(advertiser_client.get(ME), 2000, remaining)
        # Error answers carry them too.
        assert_rate_headers(advertiser_client.get("/api/v1/users"), 2000, 1997)


@pytest.mark.django_db
@override_settings(RATELIMIT_LOGIN="2/h")
def test_login_limited_per_ip(api_client):
    ip = "198.51.100.7"
    first = bad_login(api_client, "a@example.com", ip)
    assert first.status_code == 401
    assert_rate_headers(first, 2, 1)
    second = bad_login(api_client, "b@example.com", ip)
    assert second.status_code == 401
    assert_rate_headers(second, 2, 0)
    assert_429(bad_login(api_client, "c@example.com", ip))
    # Another address with a fresh email is not affected.
    assert bad_login(api_client, "d@example.com", "198.51.100.8").status_code == 401


@pytest.mark.django_db
@override_settings(RATELIMIT_LOGIN="2/h")
def test_login_limited_per_email_across_ips(api_client):
    user = UserFactory(email="target@example.com")
    assert bad_login(api_client, user.email, "203.0.113.1").status_code == 401
    assert bad_login(api_client, user.email.upper(), "203.0.113.2").status_code == 401
    # Even the right password from a third address is refused now.
    response = api_client.post(
        LOGIN,
        {"email": user.email, "password": DEFAULT_PASSWORD},
        format="json",
        REMOTE_ADDR="203.0.113.3",
    )
    assert_429(response)
    assert not ApiKey.objects.filter(user=user).exists()
    # Another account from the same new address still gets in.
    other = UserFactory()
    ok = api_client.post(
        LOGIN,
        {"email": other.email, "password": DEFAULT_PASSWORD},
        format="json",
        REMOTE_ADDR="203.0.113.4",
    )
    assert ok.status_code == 201


@pytest.mark.django_db
@override_settings(RATELIMIT_LOGIN="2/h")
def test_token_endpoint_shares_login_limit(api_client):
    user = UserFactory()
    body = {"email": user.email, "password": "Wrong-pass-123"}
    assert bad_login(api_client, user.email, "192.0.2.1").status_code == 401
    assert api_client.post(TOKEN, body, format="json", REMOTE_ADDR="192.0.2.2").status_code == 401
    good = {"email": user.email, "password": DEFAULT_PASSWORD}
    assert_429(api_client.post(TOKEN, good, format="json", REMOTE_ADDR="192.0.2.3"))


@pytest.mark.django_db
@override_settings(RATELIMIT_SIGNUP="2/h")
def test_signup_limited_per_ip(api_client):
    ip = "198.51.100.20"
    for n in range(2):
        response = api_client.post(
            SIGNUP,
            {"email": f"s{n}@example.com", "password": STRONG_PASSWORD},
            format="json",
            REMOTE_ADDR=ip,
        )
        assert response.status_code == 201, response.content
    blocked = api_client.post(
        SIGNUP,
        {"email": "s3@example.com", "password": STRONG_PASSWORD},
        format="json",
        REMOTE_ADDR=ip,
    )
    assert_429(blocked)
    assert not UserFactory._meta.model.objects.filter(email="s3@example.com").exists()
    elsewhere = api_client.post(
        SIGNUP,
        {"email": "s4@example.com", "password": STRONG_PASSWORD},
        format="json",
        REMOTE_ADDR="198.51.100.21",
    )
    assert elsewhere.status_code == 201


@pytest.mark.django_db
@override_settings(RATELIMIT_API_ANON="2/h")
def test_api_anon_limit_per_ip(api_client):
    ip = "198.51.100.30"
    first = api_client.get(ROLES, REMOTE_ADDR=ip)
    assert first.status_code == 200
    assert_rate_headers(first, 2, 1)
    assert api_client.get(ROLES, REMOTE_ADDR=ip).status_code == 200
    assert_429(api_client.get(ROLES, REMOTE_ADDR=ip))
    assert api_client.get(ROLES, REMOTE_ADDR="198.51.100.31").status_code == 200


@pytest.mark.django_db
@override_settings(RATELIMIT_API_USER="2/h")
def test_api_user_limit_per_key(advertiser_client, publisher_client):
    assert advertiser_client.get(ME).status_code == 200
    second = advertiser_client.get(ME)
    assert second.status_code == 200
    assert_rate_headers(second, 2, 0)
    assert_429(advertiser_client.get(ME))
    assert publisher_client.get(ME).status_code == 200


@pytest.mark.django_db
@override_settings(RATELIMIT_API_ANON="2/h")
def test_refused_requests_count_too(api_client):
    """401s for guessed credentials are counted per IP, so guessing is rate limited;
    requests without any credentials are refused without being counted."""
    ip = "198.51.100.50"
    for _ in range(3):
        anonymous = api_client.get("/api/v1/users", REMOTE_ADDR=ip)
        assert_envelope(anonymous, 401)
        assert "X-RateLimit-Remaining" not in anonymous
    first = api_client.get(ME, REMOTE_ADDR=ip, HTTP_AUTHORIZATION="Bearer ak_live_guess0")
    assert_envelope(first, 401)
    assert_rate_headers(first, 2, 1)
    guess = api_client.get(ME, REMOTE_ADDR=ip, HTTP_AUTHORIZATION="Bearer ak_live_guess")
    assert_envelope(guess, 401)
    assert_rate_headers(guess, 2, 0)
    assert_429(api_client.get(ME, REMOTE_ADDR=ip, HTTP_AUTHORIZATION="Bearer ak_live_guess2"))
    assert_429(api_client.get(ROLES, REMOTE_ADDR=ip))


@pytest.mark.django_db
@override_settings(RATELIMIT_API_USER="2/h")
def test_forbidden_requests_count_against_the_user(advertiser_client):
    first = advertiser_client.get("/api/v1/users")
    assert_envelope(first, 403)
    assert_rate_headers(first, 2, 1)
    assert advertiser_client.get(ME).status_code == 200
    assert_429(advertiser_client.get("/api/v1/users"))
    assert_429(advertiser_client.get(ME))


@pytest.mark.django_db
@override_settings(RATELIMIT_LOGIN="100/h", RATELIMIT_API_ANON="3/h")
def test_failed_login_is_counted_once(api_client):
    ip = "198.51.100.60"
    for remaining in (2, 1, 0):
        response = bad_login(api_client, f"{remaining}@example.com", ip)
        assert response.status_code == 401
        assert response["X-RateLimit-Limit"] == "3"
        assert response["X-RateLimit-Remaining"] == str(remaining)
    assert_429(bad_login(api_client, "x@example.com", ip))


@pytest.mark.django_db
def test_rate_limit_disabled(api_client):
    with override_settings(RATELIMIT_ENABLE=False, RATELIMIT_API_ANON="1/h"):
        for _ in range(3):
            response = api_client.get(ROLES)
            assert response.status_code == 200
            assert "X-RateLimit-Limit" not in response


# --- Client IP and trusted proxies ----------------------------------------------------------


def _request(remote_addr: str, forwarded: str | None = None):
    extra = {"REMOTE_ADDR": remote_addr}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/api/v1/roles", **extra)


@override_settings(TRUSTED_PROXIES=[])
def test_forwarded_for_ignored_without_trusted_proxies():
    assert client_ip(_request("10.0.0.5", "1.2.3.4")) == "10.0.0.5"
    assert client_ip(_request("203.0.113.9")) == "203.0.113.9"


@override_settings(TRUSTED_PROXIES=["10.0.0.0/8"])
def test_forwarded_for_ignored_when_remote_not_trusted():
    assert client_ip(_request("203.0.113.9", "1.2.3.4")) == "203.0.113.9"


@override_settings(TRUSTED_PROXIES=["10.0.0.0/8", "192.168.1.1"])
def test_forwarded_for_honoured_behind_trusted_proxy():
    assert client_ip(_request("10.0.0.5", "1.2.3.4")) == "1.2.3.4"
    assert client_ip(_request("192.168.1.1", " 1.2.3.4 ")) == "1.2.3.4"
    # The nearest untrusted hop wins; whatever the client put further left is ignored.
    assert client_ip(_request("10.0.0.5", "6.6.6.6, 1.2.3.4, 10.1.2.3")) == "1.2.3.4"
    # No header, or garbage in it: the proxy's own address.
    assert client_ip(_request("10.0.0.5")) == "10.0.0.5"
    assert client_ip(_request("10.0.0.5", "not-an-ip")) == "10.0.0.5"
    assert client_ip(_request("192.168.1.2", "1.2.3.4")) == "192.168.1.2"


@pytest.mark.django_db
@override_settings(RATELIMIT_API_ANON="1/h", TRUSTED_PROXIES=[])
def test_spoofed_forwarded_for_does_not_escape_rate_limit(api_client):
    ip = "198.51.100.40"
    assert api_client.get(ROLES, REMOTE_ADDR=ip, HTTP_X_FORWARDED_FOR="1.1.1.1").status_code == 200
    assert_429(api_client.get(ROLES, REMOTE_ADDR=ip, HTTP_X_FORWARDED_FOR="2.2.2.2"))


@pytest.mark.django_db
@override_settings(RATELIMIT_API_ANON="1/h", TRUSTED_PROXIES=["127.0.0.1"])
def test_trusted_proxy_limits_each_client_separately(api_client):
    proxy = "127.0.0.1"
    assert (
        api_client.get(ROLES, REMOTE_ADDR=proxy, HTTP_X_FORWARDED_FOR="1.1.1.1").status_code == 200
    )
    assert (
        api_client.get(ROLES, REMOTE_ADDR=proxy, HTTP_X_FORWARDED_FOR="2.2.2.2").status_code == 200
    )
    assert_429(api_client.get(ROLES, REMOTE_ADDR=proxy, HTTP_X_FORWARDED_FOR="1.1.1.1"))


# --- Idempotency ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_idempotent_replay(advertiser_client, advertiser_user):
    from apps.campaigns.models import Campaign

    body = {
        "name": "Idem",
        "bid_amount": "1.50",
        "daily_budget": "50.00",
        "start_date": "2026-03-10",
    }
    first = advertiser_client.post(
        "/api/v1/campaigns", body, format="json", HTTP_IDEMPOTENCY_KEY="abc-123"
    )
    assert first.status_code == 201, first.content
    assert "Idempotent-Replayed" not in first

    second = advertiser_client.post(
        "/api/v1/campaigns", body, format="json", HTTP_IDEMPOTENCY_KEY="abc-123"
    )
    assert second.status_code == 201
    assert second["Idempotent-Replayed"] == "true"
    assert second.json() == first.json()
    assert Campaign.objects.filter(advertiser__user=advertiser_user, name="Idem").count() == 1


@pytest.mark.django_db
def test_answers_with_a_secret_are_not_kept_for_replay(advertiser_client, advertiser_user):
    """A repeat of a key-creating request is refused: the raw key is never cached."""
    before = ApiKey.objects.filter(user=advertiser_user).count()
    first = advertiser_client.post(
        KEYS, {"name": "idem"}, format="json", HTTP_IDEMPOTENCY_KEY="abc-123"
    )
    assert first.status_code == 201, first.content
    assert first["Cache-Control"] == "no-store"
    second = advertiser_client.post(
        KEYS, {"name": "idem"}, format="json", HTTP_IDEMPOTENCY_KEY="abc-123"
    )
    assert_envelope(second, 409, "idempotent_replay_withheld")
    assert first.json()["api_key"] not in second.content.decode()
    assert ApiKey.objects.filter(user=advertiser_user).count() == before + 1


@pytest.mark.django_db
def test_idempotency_key_reused_with_different_body(advertiser_client, advertiser_user):
    advertiser_client.post(KEYS, {"name": "one"}, format="json", HTTP_IDEMPOTENCY_KEY="k1")
    response = advertiser_client.post(
        KEYS, {"name": "two"}, format="json", HTTP_IDEMPOTENCY_KEY="k1"
    )
    assert_envelope(response, 422, "idempotency_key_reused")
    assert not ApiKey.objects.filter(user=advertiser_user, name="two").exists()


@pytest.mark.django_db
def test_different_idempotency_keys_create_new_objects(advertiser_client, advertiser_user):
    before = ApiKey.objects.filter(user=advertiser_user).count()
    first = advertiser_client.post(KEYS, {"name": "same"}, format="json", HTTP_IDEMPOTENCY_KEY="a")
    second = advertiser_client.post(KEYS, {"name": "same"}, format="json", HTTP_IDEMPOTENCY_KEY="b")
    assert first.status_code == second.status_code == 201
    assert "Idempotent-Replayed" not in second
    assert first.json()["data"]["id"] != second.json()["data"]["id"]
    assert first.json()["api_key"] != second.json()["api_key"]
    assert ApiKey.objects.filter(user=advertiser_user).count() == before + 2


@pytest.mark.django_db
def test_without_idempotency_key_every_post_creates(advertiser_client, advertiser_user):
    before = ApiKey.objects.filter(user=advertiser_user).count()
    advertiser_client.post(KEYS, {"name": "same"}, format="json")
    advertiser_client.post(KEYS, {"name": "same"}, format="json")
    assert ApiKey.objects.filter(user=advertiser_user).count() == before + 2


@pytest.mark.django_db
def test_idempotency_key_is_scoped_to_the_caller(advertiser_client):
    other_user = UserFactory()
    other = client_for(other_user)
    mine = advertiser_client.post(KEYS, {"name": "x"}, format="json", HTTP_IDEMPOTENCY_KEY="shared")
    theirs = other.post(KEYS, {"name": "x"}, format="json", HTTP_IDEMPOTENCY_KEY="shared")
    assert theirs.status_code == 201
    assert "Idempotent-Replayed" not in theirs
    assert theirs.json()["api_key"] != mine.json()["api_key"]
    assert ApiKey.objects.get(pk=theirs.json()["data"]["id"]).user == other_user


@pytest.mark.django_db
def test_idempotency_replays_errors_too(advertiser_client):
    first = advertiser_client.post(
        KEYS, {"name": "x" * 200}, format="json", HTTP_IDEMPOTENCY_KEY="err"
    )
    assert first.status_code == 422
    second = advertiser_client.post(
        KEYS, {"name": "x" * 200}, format="json", HTTP_IDEMPOTENCY_KEY="err"
    )
    assert second.status_code == 422
    assert second.json() == first.json()


@pytest.mark.django_db
def test_idempotency_key_too_long(advertiser_client):
    response = advertiser_client.post(
        KEYS, {"name": "x"}, format="json", HTTP_IDEMPOTENCY_KEY="k" * 256
    )
    body = assert_envelope(response, 422, "validation_failed")
    assert body["details"][0]["path"] == ["header", "Idempotency-Key"]
    assert ApiKey.objects.count() == 1
