"""Periods and ranges in a time zone."""

import zoneinfo
from datetime import UTC, date, datetime

import pytest

from apps.common.errors import FieldValidationError
from apps.reporting.periods import range_resolve

TOKYO = zoneinfo.ZoneInfo("Asia/Tokyo")
NOW = datetime(2026, 3, 10, 16, tzinfo=UTC)  # 01:00 on 11 March in Tokyo


@pytest.mark.parametrize(
    ("period", "first", "last"),
    [
        ("today", date(2026, 3, 11), date(2026, 3, 11)),
        ("yesterday", date(2026, 3, 10), date(2026, 3, 10)),
        ("last_7_days", date(2026, 3, 5), date(2026, 3, 11)),
        ("last_30_days", date(2026, 2, 10), date(2026, 3, 11)),
        ("all", None, date(2026, 3, 11)),
    ],
)
def test_periods_end_today_in_the_zone(period, first, last):
    rng = range_resolve(tz=TOKYO, period=period, now=NOW)
    assert (rng.first_day, rng.last_day) == (first, last)


def test_utc_bounds_of_a_tokyo_day():
    rng = range_resolve(tz=TOKYO, period="today", now=NOW)
    assert rng.start_utc == datetime(2026, 3, 10, 15, tzinfo=UTC)
    assert rng.end_utc == datetime(2026, 3, 11, 15, tzinfo=UTC)
    assert len(list(rng.hours_utc())) == 24


def test_custom_ranges():
    rng = range_resolve(tz=TOKYO, first_day=date(2026, 3, 1), now=NOW)
    assert (rng.period, rng.last_day) == ("custom", date(2026, 3, 11))
    assert rng.filename("overview") == "overview-2026-03-01-2026-03-11.csv"
    with pytest.raises(FieldValidationError):
        range_resolve(tz=TOKYO, first_day=date(2026, 3, 2), last_day=date(2026, 3, 1), now=NOW)
    with pytest.raises(FieldValidationError):
        range_resolve(tz=TOKYO, first_day=date(2024, 1, 1), last_day=date(2025, 1, 1), now=NOW)
    assert range_resolve(tz=TOKYO, first_day=date(2025, 1, 1), last_day=date(2025, 12, 31))


def test_all_settles_on_the_first_local_day():
    rng = range_resolve(tz=TOKYO, period="all", now=NOW)
    settled = rng.settled(datetime(2026, 3, 1, 15, tzinfo=UTC))  # 00:00 on 2 March in Tokyo
    assert settled.first_day == date(2026, 3, 2)
    assert rng.settled(None).first_day == date(2026, 3, 11)
