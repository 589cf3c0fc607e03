"""Reports as CSV: streamed row by row with the ``csv`` module.

The report's figures are already aggregated (a bounded number of rows per day or hour), so
streaming keeps a long hourly range from being built as one string in memory. Text cells that
a spreadsheet would read as a formula (``=``, ``+``, ``-``, ``@`` …) are prefixed with ``'``.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from django.http import StreamingHttpResponse

from .reports import Report

CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


class _Echo:
    """A file-like object whose ``write`` returns the line, for a streaming csv.writer."""

    def write(self, value: str) -> str:
        return value


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, Decimal)):
        return value
    text = str(value)
    if text.startswith(_FORMULA_START) and not _is_number(text):
        return "'" + text
    return text


def _is_number(text: str) -> bool:
    try:
        Decimal(text)
    except ArithmeticError:
        return False
    return True


def report_lines(report: Report) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield writer.writerow(report.columns)
    for row in report.rows:
        yield writer.writerow([_cell(row.get(column)) for column in report.columns])


def csv_response(report: Report) -> StreamingHttpResponse:
    response = StreamingHttpResponse(report_lines(report), content_type=CSV_CONTENT_TYPE)
    filename = report.rng.filename(report.name)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response
