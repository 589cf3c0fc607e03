"""Sortable, paginated report tables whose CSV is the table.

A page describes a table by its columns; ``table_sort`` reads ``?sort=<key>`` (or
``?sort=-<key>`` for descending; one parameter per table, named by ``param``) from the URL,
sorts the rows, and answers the header links (with ``aria-sort``) and a page of rows. The CSV
download of the same URL sends the same rows in the same order with the same columns, so what
a person sees and what they download agree.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.paginator import Page, Paginator
from django.http import HttpRequest, HttpResponse

from apps.reporting.exports import _cell as csv_cell

PER_PAGE = 31  # a month of days fits on one page


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    numeric: bool = False


@dataclass
class SortedTable:
    columns: list[Column]
    rows: list[dict[str, Any]]
    page: Page
    headers: list[dict[str, Any]]
    sort: str
    param: str
    page_param: str
    query: str  # the URL's query without this table's page number (for pagination links)


def _value(row: dict[str, Any], column: Column) -> Any:
    value = row.get(column.key)
    if column.numeric:
        try:
            return Decimal(str(value)) if value not in (None, "") else Decimal("-Infinity")
        except InvalidOperation:
            return Decimal("-Infinity")
    return str(value or "").casefold()


def table_sort(
    request: HttpRequest,
    *,
    columns: list[Column],
    rows: list[dict[str, Any]],
    default: str,
    param: str = "sort",
    page_param: str = "page",
    per_page: int = PER_PAGE,
) -> SortedTable:
    """Sort ``rows`` as the URL asks (``default`` otherwise), and paginate them."""
    keys = {column.key: column for column in columns}
    sort = request.GET.get(param, default)
    descending = sort.startswith("-")
    key = sort.lstrip("-")
    if key not in keys:
        sort, descending, key = default, default.startswith("-"), default.lstrip("-")
    column = keys[key]
    ordered = sorted(rows, key=lambda row: _value(row, column), reverse=descending)
    page = Paginator(ordered, per_page).get_page(request.GET.get(page_param))
    headers = []
    for col in columns:
        active = col.key == key
        # A new column starts with its largest numbers (or A to Z); the active one flips.
        if active:
            target = col.key if descending else f"-{col.key}"
        else:
            target = f"-{col.key}" if col.numeric else col.key
        params = request.GET.copy()
        params[param] = target
        params.pop(page_param, None)
        params.pop("format", None)
        headers.append(
            {
                "label": col.label,
                "numeric": col.numeric,
                "query": params.urlencode(),
                "aria_sort": ("descending" if descending else "ascending") if active else "",
                "arrow": ("▼" if descending else "▲") if active else "",
            }
        )
    query = request.GET.copy()
    query.pop(page_param, None)
    return SortedTable(
        columns=columns,
        rows=ordered,
        page=page,
        headers=headers,
        sort=sort,
        param=param,
        page_param=page_param,
        query=query.urlencode(),
    )


def table_csv(table: SortedTable, *, filename: str, formatters: dict[str, Callable] | None = None):
    """The table as CSV: its columns (the header row is their labels) and all its rows in the
    order shown, with the values shown."""
    formatters = formatters or {}
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([column.label for column in table.columns])
    for row in table.rows:
        writer.writerow(
            [
                csv_cell(formatters.get(column.key, lambda v: v)(row.get(column.key)))
                for column in table.columns
            ]
        )
    response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
