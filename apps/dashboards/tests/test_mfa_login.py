"""MFA in the dashboards: the login's second step, setup and disable on the profile, and
enrolment at login where the platform requires MFA for staff."""

from __future__ import annotations

import re
import time

import pyotp
import pytest
from django.test import Client

from apps.accounts import mfa
from apps.accounts.models import MfaDevice, Role
from apps.accounts.platform_settings import settings_update
from apps.accounts.tests.factories import DEFAULT_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def code_for(user, steps: int = 0) -> str:
    device = MfaDevice.objects.get(user=user)
    return pyotp.TOTP(device.secret).at(time.time() + 30 * steps)


def with_mfa(user) -> None:
    from django.utils import timezone

    mfa.mfa_setup(user=user)
    MfaDevice.objects.filter(user=user).update(confirmed_at=timezone.now())


def log_in(client: Client, user, next_url: str = ""):
    data = {"email": user.email, "password": DEFAULT_PASSWORD}
    if next_url:
        data["next"] = next_url
    return client.post("/accounts/login/", data)


def test_login_asks_for_the_code_on_a_second_step(advertiser_user):
    with_mfa(advertiser_user)
    client = Client()
    response = log_in(client, advertiser_user, next_url="/accounts/profile/")
    assert response.status_code == 302 and response["Location"] == "/accounts/login/mfa/"
    assert "_auth_user_id" not in client.session
    assert client.get("/advertiser/").status_code == 302  # still signed out
    page = client.get("/accounts/login/mfa/")
    assert page.status_code == 200 and "authenticator app" in page.content.decode()
    wrong = client.post("/accounts/login/mfa/", {"code": "000000"})
    assert wrong.status_code == 422 and "_auth_user_id" not in client.session
    code = code_for(advertiser_user, 1)
    response = client.post("/accounts/login/mfa/", {"code": code})
    assert response.status_code == 302 and response["Location"] == "/accounts/profile/"
    assert client.session["_auth_user_id"] == str(advertiser_user.pk)
    # The code cannot be used again to start another session.
    other = Client()
    log_in(other, advertiser_user)
    assert other.post("/accounts/login/mfa/", {"code": code}).status_code == 422


def test_second_step_without_a_password_step_goes_back_to_login():
    response = Client().get("/accounts/login/mfa/")
    assert response.status_code == 302 and response["Location"] == "/accounts/login/"


def test_profile_sets_mfa_up_and_shows_recovery_codes_once(advertiser_user):
    client = Client()
    client.force_login(advertiser_user)
    page = client.get("/accounts/mfa/setup/")
    assert page.status_code == 200 and "data:image/svg+xml" in page.content.decode()
    response = client.post("/accounts/mfa/setup/", {"code": code_for(advertiser_user)})
    assert response.status_code == 200 and response["Cache-Control"] == "no-store"
    codes = re.findall(r"<code>([a-z0-9]{5}-[a-z0-9]{5})</code>", response.content.decode())
    assert len(codes) == 10
    assert mfa.mfa_enabled(advertiser_user)
    profile = client.get("/accounts/profile/").content.decode()
    assert "10 recovery codes left" in profile
    assert not any(code in profile for code in codes)
    # Turning it off needs a current code.
    client.post("/accounts/mfa/disable/", {"code": "000000"})
    assert mfa.mfa_enabled(advertiser_user)
    client.post("/accounts/mfa/disable/", {"code": code_for(advertiser_user, 1)})
    assert not mfa.mfa_enabled(advertiser_user)


def test_staff_enrol_at_login_when_required(admin_user):
    settings_update(values={"mfa_required_for_staff": True}, actor=admin_user)
    finance = UserFactory(role=Role.FINANCE)
    client = Client()
    response = log_in(client, finance)
    assert response["Location"] == "/accounts/login/mfa/"
    page = client.get("/accounts/login/mfa/").content.decode()
    assert "requires two-factor" in page and "data:image/svg+xml" in page
    response = client.post("/accounts/login/mfa/", {"code": code_for(finance)})
    assert response.status_code == 200
    assert "recovery codes" in response.content.decode()
    assert client.session["_auth_user_id"] == str(finance.pk)
    assert mfa.mfa_enabled(finance)


def test_django_admin_login_also_asks_for_the_code(admin_user):
    with_mfa(admin_user)
    client = Client()
    response = client.post(
        "/admin/login/?next=/admin/accounts/user/",
        {"username": admin_user.email, "password": DEFAULT_PASSWORD},
    )
    assert response.status_code == 302 and response["Location"] == "/accounts/login/mfa/"
    assert client.get("/admin/").status_code == 302  # not signed in on the password alone
    response = client.post("/accounts/login/mfa/", {"code": code_for(admin_user, 1)})
    assert response["Location"] == "/admin/accounts/user/"
    assert client.get("/admin/").status_code == 200
