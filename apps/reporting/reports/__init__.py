"""Report builders: each returns a ``Report`` that the API answers as JSON or CSV."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from ..periods import ReportRange
from ..scope import Viewer


@dataclass
class Report:
    """``data`` is the JSON answer; ``columns``/``rows`` its main table for CSV."""

    name: str
    rng: ReportRange
    data: dict[str, Any]
    columns: list[str] = field(default_factory=list)
    rows: Iterable[dict[str, Any]] = ()


def report_head(viewer: Viewer, rng: ReportRange) -> dict[str, Any]:
    """What every report of the family starts with: its range and the filters applied."""
    return {**rng.describe(), "filters": dict(viewer.filters)}
