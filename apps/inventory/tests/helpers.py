"""Assertions shared by the inventory tests."""

from apps.common.models import DomainEvent
from apps.delivery.store import hot_store


def assert_error(response, status: int, code: str | None = None) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert body["success"] is False
    assert body["statusCode"] == status
    assert body["error"] and body["message"] and body["code"]
    if code is not None:
        assert body["code"] == code, body
    return body


def error_paths(response) -> list[list]:
    body = assert_error(response, 422, "validation_failed")
    return [detail["path"] for detail in body["details"]]


def events(event_type: str) -> int:
    return DomainEvent.objects.filter(event_type=event_type).count()


class VersionWatch:
    """``with VersionWatch(capture) as watch: ...; assert watch.bumped``."""

    def __init__(self, capture):
        self.capture = capture

    def __enter__(self):
        self.before = hot_store().inventory_version()
        self._ctx = self.capture(execute=True)
        self._ctx.__enter__()
        return self

    def __exit__(self, *exc):
        self._ctx.__exit__(*exc)
        self.after = hot_store().inventory_version()

    @property
    def bumped(self) -> bool:
        return self.after > self.before
