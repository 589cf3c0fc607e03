"""Billing's clock and day windows.

Days are the account's local calendar days; rollups are per UTC hour, and an hour belongs
to the local day in which it starts (as in reports), so a day's hours run from the first
UTC hour starting at or after its local midnight to the same point of the next day.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.utils import timezone

from apps.reporting.periods import local_midnight_utc

# A day is posted (or a period billed) this long after it ends, so the event drain has
# moved its last events into the rollups. Later stragglers show up in reconciliation.
POST_GRACE = timedelta(minutes=30)


def now() -> datetime:
    """The current time (tests replace it to look at a day after it is over)."""
    return timezone.now()


def _ceil_hour(moment: datetime) -> datetime:
    top = moment.replace(minute=0, second=0, microsecond=0)
    return top if top == moment else top + timedelta(hours=1)


def day_start(day: date, tz: ZoneInfo) -> datetime:
    """The first UTC hour of local ``day``."""
    return _ceil_hour(local_midnight_utc(day, tz))


def day_end(day: date, tz: ZoneInfo) -> datetime:
    """The end (exclusive) of local ``day``'s UTC hours."""
    return day_start(day + timedelta(days=1), tz)


def hour_day(hour: datetime, tz: ZoneInfo) -> date:
    return hour.astimezone(tz).date()


def last_complete_day(tz: ZoneInfo, at: datetime) -> date:
    """The latest local day that ended at least ``POST_GRACE`` before ``at``."""
    day = (at - POST_GRACE).astimezone(tz).date()
    while day_end(day, tz) + POST_GRACE > at:
        day -= timedelta(days=1)
    return day


def is_complete(day: date, tz: ZoneInfo, at: datetime) -> bool:
    return day_end(day, tz) + POST_GRACE <= at


def month_bounds(month: date) -> tuple[date, date]:
    """First and last day of ``month``'s calendar month."""
    first = month.replace(day=1)
    following = (first + timedelta(days=32)).replace(day=1)
    return first, following - timedelta(days=1)


def previous_month(today: date) -> date:
    return (today.replace(day=1) - timedelta(days=1)).replace(day=1)
