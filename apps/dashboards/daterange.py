"""The date-range control every report, earnings, overview, campaign, zone and financial
page shares, and its state in the URL (``?period=…``, or ``period=custom&start=…&end=…``).

A page resolves the control with ``date_range_resolve`` into a ``ReportRange`` of the
reporting package (so page, CSV and API agree on the days) and renders
``dashboards/_date_range.html``. When the range turns out empty, ``date_range_hint`` looks up
where the viewer's data is and offers that range instead of a page of zeros.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.http import QueryDict

from apps.billing import clock
from apps.common.errors import ApiError
from apps.reporting import selectors as report_selectors
from apps.reporting.periods import PERIODS, ReportRange, range_resolve

CUSTOM = "custom"
PRESETS: list[tuple[str, str]] = [
    ("today", "Today"),
    ("yesterday", "Yesterday"),
    ("last_7_days", "Last 7 days"),
    ("last_30_days", "Last 30 days"),
    ("last_90_days", "Last 90 days"),
    ("this_month", "This month"),
    ("last_month", "Last month"),
    ("all", "All time"),
    (CUSTOM, "Custom dates"),
]
PRESET_LABELS = dict(PRESETS)
DEFAULT_PERIOD = "last_30_days"
HINT_DAYS = 30  # the range offered when the chosen one is empty: up to 30 days with data
_DAYS_BACK = {"today": 0, "last_7_days": 6, "last_30_days": 29, "last_90_days": 89}


def preset_days(period: str, today: date) -> tuple[date | None, date]:
    """(first day, last day) of a preset on ``today``; ``all`` has no first day."""
    if period in _DAYS_BACK:
        return today - timedelta(days=_DAYS_BACK[period]), today
    if period == "yesterday":
        day = today - timedelta(days=1)
        return day, day
    if period == "this_month":
        return today.replace(day=1), today
    if period == "last_month":
        return clock.month_bounds(today.replace(day=1) - timedelta(days=1))
    return None, today  # all


class DateRangeForm(forms.Form):
    """The control's fields; pages with more filters subclass it (a campaign, a zone)."""

    period = forms.ChoiceField(choices=PRESETS, required=False, label="Dates")
    start = forms.DateField(
        label="From", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    end = forms.DateField(
        label="To", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    default_period = DEFAULT_PERIOD

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if not data.get("period"):
            dated = data.get("start") or data.get("end")
            data["period"] = CUSTOM if dated else self.default_period
        if data["period"] == CUSTOM:
            start, end = data.get("start"), data.get("end")
            if start is None and "start" not in self.errors:
                self.add_error("start", "Choose the first day.")
            if start and end and start > end:
                self.add_error("end", "The last day must not be before the first.")
        return data


@dataclass
class DateRange:
    """The resolved control: its form, the range (None when the input is wrong) and the
    query string of everything else on the page (kept by the control's form)."""

    form: DateRangeForm
    rng: ReportRange | None
    keep: list[tuple[str, str]] = field(default_factory=list)
    hint: dict[str, Any] | None = None

    @property
    def period(self) -> str:
        return self.form.cleaned_data.get("period", "") if self.rng else ""

    @property
    def label(self) -> str:
        """The preset's name and the days, e.g. ``Last 7 days · 2026-12-01 to 2026-12-07``."""
        if self.rng is None:
            return ""
        name = PRESET_LABELS.get(self.period, "Custom dates")
        return f"{name} · {days_label(self.rng)}"


def days_label(rng: ReportRange) -> str:
    if rng.first_day is None:
        return f"up to {rng.last_day.isoformat()}"
    if rng.first_day == rng.last_day:
        return rng.last_day.isoformat()
    return f"{rng.first_day.isoformat()} – {rng.last_day.isoformat()}"


def date_range_resolve(
    params: QueryDict,
    *,
    tz,
    form_class: type[DateRangeForm] = DateRangeForm,
    form_kwargs: dict[str, Any] | None = None,
    default: str | None = None,
) -> DateRange:
    """Read the control (and the subclass's extra filters) from ``params``. An invalid or
    too long range leaves ``rng`` None and the reasons on the form."""
    if not params.get("period") and not (params.get("start") or params.get("end")):
        params = params.copy()  # the default preset shows as chosen in the control
        params["period"] = default or form_class.default_period
    form = form_class(params, **(form_kwargs or {}))
    if default:
        form.default_period = default
    keep = [
        (key, value)
        for key in params
        if key not in ("period", "start", "end", "page") and key not in form.fields
        for value in params.getlist(key)
    ]
    if not form.is_valid():
        return DateRange(form=form, rng=None, keep=keep)
    data = form.cleaned_data
    today = clock.now().astimezone(tz).date()
    try:
        if data["period"] in PERIODS:  # the API's own periods: the same range, same name
            rng = range_resolve(tz=tz, period=data["period"])
        elif data["period"] == CUSTOM:
            rng = range_resolve(tz=tz, first_day=data["start"], last_day=data.get("end"))
        else:
            first, last = preset_days(data["period"], today)
            rng = range_resolve(tz=tz, first_day=first, last_day=last)
    except ApiError as exc:
        for detail in getattr(exc, "details", None) or [{"message": str(exc.detail)}]:
            path = detail.get("path") or []
            name = {"from": "start", "to": "end"}.get(path[-1] if path else "")
            form.add_error(name, detail.get("message", str(exc.detail)))
        return DateRange(form=form, rng=None, keep=keep)
    return DateRange(form=form, rng=rng, keep=keep)


def date_range_hint(
    date_range: DateRange, *, where: dict[str, Any], extra: Iterable[tuple[str, str]] = ()
) -> None:
    """When the shown range had no traffic, look up the viewer's last traffic (one query)
    and, if there is some outside the range, offer up to ``HINT_DAYS`` days ending on it."""
    rng = date_range.rng
    if rng is None:
        return
    first_hour, last_hour = report_selectors.stats_extent(where=where)
    if last_hour is None:
        date_range.hint = {"none": True}
        return
    last_day = rng.local_day(last_hour)
    first_day = max(rng.local_day(first_hour), last_day - timedelta(days=HINT_DAYS - 1))
    if rng.first_day is not None and rng.first_day <= last_day <= rng.last_day:
        return  # the data is in the range after all (outside the rows this page reads)
    query = urlencode(
        [
            *date_range.keep,
            *extra,
            ("period", CUSTOM),
            ("start", first_day.isoformat()),
            ("end", last_day.isoformat()),
        ]
    )
    date_range.hint = {
        "last_day": last_day,
        "first_day": first_day,
        "query": query,
        "label": days_label(range_resolve(tz=rng.tz, first_day=first_day, last_day=last_day)),
    }
