"""Defaults in ``adplatform/settings/base.py`` that depend on the deployment's shape.

Settings are evaluated once, at import, so the defaults are checked through the function
that computes them and through a fresh interpreter importing the settings module.
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from adplatform.settings.base import event_drain_in_process_default

ROOT = Path(__file__).resolve().parent.parent


def test_web_processes_drain_only_without_a_broker():
    assert event_drain_in_process_default(redis_url="") is True
    assert event_drain_in_process_default(redis_url="redis://127.0.0.1:6379/0") is False


def _settings_value(name: str, **env: str) -> str:
    environment = {
        key: value
        for key, value in os.environ.items()
        if key not in {"REDIS_URL", "EVENT_DRAIN_IN_PROCESS", "DJANGO_SETTINGS_MODULE"}
    }
    environment.update(env, DJANGO_SETTINGS_MODULE="adplatform.settings.base")
    code = f"from django.conf import settings; print(settings.{name})"
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return done.stdout.strip()


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({}, "True"),  # embedded default: nothing else drains
        ({"REDIS_URL": "redis://127.0.0.1:6379/9"}, "False"),  # Celery beat drains
        ({"REDIS_URL": "redis://127.0.0.1:6379/9", "EVENT_DRAIN_IN_PROCESS": "true"}, "True"),
        ({"EVENT_DRAIN_IN_PROCESS": "false"}, "False"),
    ],
)
def test_drain_in_process_setting_follows_the_shape(env, expected):
    assert _settings_value("EVENT_DRAIN_IN_PROCESS", **env) == expected
