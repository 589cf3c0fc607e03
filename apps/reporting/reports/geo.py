"""Where and on what ads were seen: the ``reports/geo`` and ``reports/devices`` breakdowns.

Both read ``GeoHourlyStat`` (one row per UTC hour, ad, zone, country, region and device
class, written by the drain for impressions, clicks and conversions) scoped by the caller
(``Viewer``), in one aggregate query grouped by the breakdown's columns. The range's local
days select whole UTC hours exactly as the rest of the family does (an hour belongs to the
local day it starts in), so a breakdown's totals match the overview of the same range.

Rows are sorted by impressions (most first), then clicks, then label. What the serve could
not place (no country from GeoIP nor ``?country=``, no region, no device class) is grouped
as ``unknown``, which is the empty string in the rollup.
"""

from __future__ import annotations

from typing import Any

from .. import selectors
from ..figures import counts_total, delivery_columns, delivery_figures, settle
from ..periods import ReportRange
from ..scope import Viewer
from . import Report, report_head

GEO_LEVELS = ("country", "region")
DEVICE_CLASSES = ("desktop", "mobile", "tablet")
UNKNOWN = "unknown"


def _breakdown(
    *, viewer: Viewer, rng: ReportRange, columns: tuple[str, ...]
) -> tuple[ReportRange, dict[str, Any], list[dict[str, Any]], list[str]]:
    """The range (settled), totals, sorted rows and CSV columns of a breakdown by
    ``columns``."""
    rows = selectors.geo_stats_by(columns=columns, where=viewer.where(), rng=rng)
    rng = settle(rng, rows, column="first_hour")
    money_fields = viewer.money_fields()
    table = [
        {
            **{column: row[column] or UNKNOWN for column in columns},
            **delivery_figures(row, money_fields=money_fields),
        }
        for row in rows
    ]
    table.sort(key=lambda row: (-row["impressions"], -row["clicks"], *(row[c] for c in columns)))
    totals = delivery_figures(counts_total(rows), money_fields=money_fields)
    return rng, totals, table, [*columns, *delivery_columns(money_fields)]


def geo_report(*, viewer: Viewer, rng: ReportRange, level: str = "country") -> Report:
    """Totals and one row per country (``level=country``) or per country and region
    (``level=region``: ISO 3166-2 codes such as ``DE-BY``; ``unknown`` where GeoIP knew the
    country only)."""
    columns = ("country",) if level == "country" else ("country", "region")
    rng, totals, rows, csv_columns = _breakdown(viewer=viewer, rng=rng, columns=columns)
    data = {**report_head(viewer, rng), "level": level, "totals": totals, "locations": rows}
    return Report(name=f"geo-{level}", rng=rng, data=data, columns=csv_columns, rows=rows)


def devices_report(*, viewer: Viewer, rng: ReportRange) -> Report:
    """Totals and one row per device class (desktop, mobile, tablet, unknown)."""
    rng, totals, rows, csv_columns = _breakdown(viewer=viewer, rng=rng, columns=("device",))
    data = {**report_head(viewer, rng), "totals": totals, "devices": rows}
    return Report(name="devices", rng=rng, data=data, columns=csv_columns, rows=rows)
