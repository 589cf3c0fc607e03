"""Report ranges: periods and ``from``/``to`` dates read in the account's time zone.

Rollups are stored per UTC hour. A report day is a calendar day in the account's time zone, so
a Tokyo day runs from 15:00 UTC the day before to 15:00 UTC. An hour belongs to the local day
(and local hour) in which it starts; the UTC bounds below select exactly those hours.

Periods (``today`` is the account's local date): ``today``; ``yesterday``; ``last_7_days`` and
``last_30_days`` end today and include it (7 and 30 days); ``all`` runs from the first day with
data to today (a single day, today, when there is none). ``from``/``to`` are inclusive dates
and win over ``period`` (the answer then says ``"custom"``); ``from`` alone runs to today.
"""

from __future__ import annotations

import zoneinfo
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta

from django.conf import settings
from django.utils import timezone as dj_timezone

from .errors import query_error

PERIODS = ("today", "yesterday", "last_7_days", "last_30_days", "all")
CUSTOM = "custom"
DEFAULT_PERIOD = "all"
_PERIOD_DAYS = {
    "today": (0, 0),
    "yesterday": (1, 1),
    "last_7_days": (6, 0),
    "last_30_days": (29, 0),
}


def _now() -> datetime:
    return dj_timezone.now()


def max_days() -> int:
    return settings.REPORT_MAX_DAYS


def tz_get(name: str) -> zoneinfo.ZoneInfo:
    """The zone named ``name``; UTC for a name that is not (stored data is validated)."""
    try:
        return zoneinfo.ZoneInfo(name or "UTC")
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo("UTC")


def local_midnight_utc(day: date, tz: zoneinfo.ZoneInfo) -> datetime:
    return datetime.combine(day, time.min, tzinfo=tz).astimezone(UTC)


@dataclass(frozen=True)
class ReportRange:
    """Inclusive local days ``first_day``..``last_day``; ``first_day`` is None for ``all``
    until the data says where it starts (see ``settled``)."""

    period: str
    tz: zoneinfo.ZoneInfo
    first_day: date | None
    last_day: date

    @property
    def is_open(self) -> bool:
        return self.first_day is None

    @property
    def start_utc(self) -> datetime | None:
        return None if self.first_day is None else local_midnight_utc(self.first_day, self.tz)

    @property
    def end_utc(self) -> datetime:
        """Exclusive upper bound: the next local midnight after ``last_day``."""
        return local_midnight_utc(self.last_day + timedelta(days=1), self.tz)

    def local_day(self, moment: datetime) -> date:
        return moment.astimezone(self.tz).date()

    def settled(self, first_moment: datetime | None) -> ReportRange:
        """An ``all`` range starting on the local day of the first data (today without)."""
        if not self.is_open:
            return self
        first = self.local_day(first_moment) if first_moment else self.last_day
        return replace(self, first_day=min(first, self.last_day))

    def days(self) -> list[date]:
        assert self.first_day is not None, "settle an 'all' range first"
        count = (self.last_day - self.first_day).days + 1
        return [self.first_day + timedelta(days=n) for n in range(count)]

    def hours_utc(self) -> Iterator[datetime]:
        """Every UTC hour whose start falls inside the range (a DST day has 23 or 25)."""
        assert self.first_day is not None, "settle an 'all' range first"
        hour = self.start_utc
        end = self.end_utc
        # Half-hour zones: the first hour starting inside the range is the next full UTC hour.
        if hour.minute or hour.second:
            hour = hour.replace(minute=0, second=0) + timedelta(hours=1)
        while hour < end:
            yield hour
            hour += timedelta(hours=1)

    def describe(self) -> dict:
        return {
            "period": self.period,
            "from": self.first_day.isoformat() if self.first_day else None,
            "to": self.last_day.isoformat(),
            "timezone": self.tz.key,
        }

    def filename(self, report: str) -> str:
        first = self.first_day.isoformat() if self.first_day else "all"
        return f"{report}-{first}-{self.last_day.isoformat()}.csv"


def range_resolve(
    *,
    tz: zoneinfo.ZoneInfo,
    period: str | None = None,
    first_day: date | None = None,
    last_day: date | None = None,
    now: datetime | None = None,
) -> ReportRange:
    """The range a query asks for, checked: ``from`` ≤ ``to`` and at most REPORT_MAX_DAYS."""
    today = (now or _now()).astimezone(tz).date()
    if first_day is None and last_day is not None:
        raise query_error("from", "Give 'from' with 'to'.", code="required")
    if first_day is not None:
        last_day = last_day or today
        if first_day > last_day:
            raise query_error("from", "'from' must not be after 'to'.", code="end_before_start")
        limit = max_days()
        if (last_day - first_day).days + 1 > limit:
            raise query_error(
                "to",
                f"The range may span at most {limit} days.",
                code="too_big",
                maximum=limit,
            )
        return ReportRange(CUSTOM, tz, first_day, last_day)
    period = period or DEFAULT_PERIOD
    if period == "all":
        return ReportRange(period, tz, None, today)
    back_first, back_last = _PERIOD_DAYS[period]
    return ReportRange(
        period, tz, today - timedelta(days=back_first), today - timedelta(days=back_last)
    )
