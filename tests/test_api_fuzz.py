"""A short schemathesis pass over the whole OpenAPI document, in process, as an admin and as an
advertiser: no answer may be a 5xx, and every answer must match the document.

It runs the phases ``st run`` runs (examples, coverage, fuzzing, stateful) against the
production WSGI application (``adplatform.wsgi``, serve/track lane included) with the demo data
loaded, a fixed seed and a time budget per role, so CI (PostgreSQL + Redis) repeats the same
run. Each finding is listed with a curl command to replay it against ``make run``.
``API_FUZZ_MAX_EXAMPLES`` and ``API_FUZZ_MAX_SECONDS`` make a longer run locally.

Nothing leaves the machine: webhook sends are answered as refused connections, and Stripe (whose
keys the admin may set through ``settings``) points at a closed loopback port.
"""

from __future__ import annotations

import io
import os
from collections import Counter

import pytest
import schemathesis
import stripe
from django.core.management import call_command
from django.test import override_settings
from schemathesis.config import SchemathesisConfig
from schemathesis.engine import Status, from_schema
from schemathesis.engine import events as ev

from adplatform.wsgi import application
from apps.accounts.models import ApiKey, User
from apps.accounts.services import api_key_create
from apps.webhooks import services as webhook_services
from apps.webhooks.sender import ERRORS, SendResult

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

SEED = 21
MAX_EXAMPLES = int(os.environ.get("API_FUZZ_MAX_EXAMPLES", "8"))
MAX_SECONDS = int(os.environ.get("API_FUZZ_MAX_SECONDS", "75"))
CHECKS = ("not_a_server_error", "response_schema_conformance")


def fuzz_config() -> SchemathesisConfig:
    return SchemathesisConfig.from_dict(
        {
            "seed": SEED,
            "max-time": MAX_SECONDS,
            "workers": 1,
            "checks": {"enabled": False, **{name: {"enabled": True} for name in CHECKS}},
            "generation": {"max-examples": MAX_EXAMPLES, "database": "none"},
            "phases": {"stateful": {"max-steps": 10}},
        }
    )


class BearerKey:
    """An API key of ``user``, made again whenever the run revoked it (``auth/logout``,
    ``DELETE api-keys/{id}``), so every operation stays reachable as that user."""

    user: User

    def __init__(self):
        self.key_id, self.raw = None, ""

    def get(self, case, context) -> str:
        if not ApiKey.objects.filter(pk=self.key_id, revoked_at__isnull=True).exists():
            key, self.raw = api_key_create(user=self.user, name="fuzzing")
            self.key_id = key.pk
        return self.raw

    def set(self, case, data: str, context) -> None:
        case.headers = {**(case.headers or {}), "Authorization": f"Bearer {data}"}


class Run:
    """What one pass saw: operations tested, answers by status, and every finding."""

    def __init__(self):
        self.operations: set[str] = set()
        self.answered_2xx: set[str] = set()
        self.statuses: Counter[int] = Counter()
        self.findings: dict[tuple, str] = {}

    def scenario(self, event: ev.ScenarioFinished) -> None:
        recorder = event.recorder
        self.operations.add(recorder.label)
        for interaction in recorder.interactions.values():
            if interaction.response is not None:
                self.statuses[interaction.response.status_code] += 1
                if interaction.response.status_code < 300:
                    self.answered_2xx.add(recorder.label)
        if event.status not in (Status.FAILURE, Status.ERROR):
            return
        for checks in recorder.checks.values():
            for check in checks:
                if check.failure_info is None:
                    continue
                failure = check.failure_info.failure
                message = " ".join(str(failure.message).split())
                key = (recorder.label, failure.title, message[:120])
                self.findings.setdefault(
                    key,
                    f"{recorder.label}: {failure.title}: {message[:600]}\n"
                    f"    {check.failure_info.code_sample}",
                )

    def error(self, label: str, text: str) -> None:
        self.findings.setdefault((label, text), f"{label}: {text}")


def fuzz(email: str) -> Run:
    user = User.objects.get(email=email)
    schema = schemathesis.openapi.from_wsgi("/api/v1/docs-json", application, config=fuzz_config())
    schema.auth(refresh_interval=None)(type("FuzzUserKey", (BearerKey,), {"user": user}))
    run = Run()
    for event in from_schema(schema).execute():
        if isinstance(event, ev.ScenarioFinished):
            run.scenario(event)
        elif isinstance(event, ev.NonFatalError):
            run.error(event.label, f"{event.info.title}: {event.info.message}")
        elif isinstance(event, ev.FatalError):
            run.error("run", repr(event.exception))
    return run


@pytest.fixture
def offline(monkeypatch):
    def refused(**kwargs) -> SendResult:
        return SendResult(error=ERRORS["connect"], retryable=True)

    monkeypatch.setattr(webhook_services, "post_signed", refused)
    monkeypatch.setattr(stripe, "api_base", "http://127.0.0.1:9")
    monkeypatch.setattr(stripe, "max_network_retries", 0)


@pytest.mark.parametrize("email", ["admin@demo.local", "advertiser@demo.local"])
@override_settings(RATELIMIT_ENABLE=False)
def test_fuzzing_the_api_finds_nothing(email, offline):
    call_command("demo_data", stdout=io.StringIO())
    paths = schemathesis.openapi.from_wsgi("/api/v1/docs-json", application).raw_schema["paths"]
    documented = {
        f"{method.upper()} {path}"
        for path, operations in paths.items()
        for method in operations
        if method in ("get", "put", "post", "patch", "delete")
    }

    run = fuzz(email)

    assert not run.findings, f"{len(run.findings)} finding(s):\n" + "\n".join(run.findings.values())
    # The pass reached every operation, and as a signed-in user (not 401 everywhere).
    assert documented <= run.operations, sorted(documented - run.operations)
    assert len(run.answered_2xx) >= 40, (sorted(run.answered_2xx), run.statuses)
