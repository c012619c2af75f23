"""Files for spreadsheets: CSV and .xlsx that Excel, WPS and LibreOffice open as meant.

- Text is never a formula (CSV and formula injection, OWASP): a cell whose text
  starts with `=`, `+`, `-`, `@`, a tab or a carriage return would run
  (`=HYPERLINK(...)`, `=cmd|' /C calc'!A0`). In .xlsx such text is a string cell
  with Excel's quote prefix (`xlsx_row`); in CSV, where a cell has no type, it gets a
  leading apostrophe (`csv_row`, `spreadsheet_text`). Names and phones are refused
  at the door too (`refuse_formula_prefix`), but exports also carry free text.
- Codes stay text: CSV quotes every non-numeric field, so a region code keeps its
  leading zeros for any reader that honours the quotes (the .xlsx has text cells).
- Rates are rounded: 0–1 with 4 decimals in CSV.
- A download names itself in Chinese: `Content-Disposition` with an ASCII
  `filename` and the RFC 5987 `filename*`.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import quote

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from openpyxl.cell import WriteOnlyCell
from rest_framework.renderers import BaseRenderer, BrowsableAPIRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework_csv.renderers import CSVRenderer

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
RATE_DECIMALS = 4


def starts_like_formula(value: object) -> bool:
    """Whether a spreadsheet would read this text as a formula."""
    return isinstance(value, str) and value.startswith(FORMULA_PREFIXES)


def spreadsheet_text(value: str) -> str:
    """Text that a CSV reader shows as written, never runs."""
    return "'" + value if starts_like_formula(value) else value


def csv_row(values: Iterable[Any]) -> list[Any]:
    """The row for `csv.writer.writerow`: formula-like text behind an apostrophe."""
    return [spreadsheet_text(value) if isinstance(value, str) else value for value in values]


def xlsx_row(sheet: Any, values: Iterable[Any]) -> list[Any]:
    """The row for `sheet.append`: formula-like text as plain string cells."""
    row: list[Any] = []
    for value in values:
        if starts_like_formula(value):
            cell = WriteOnlyCell(sheet)  # a plain Cell: both kinds of worksheet take it
            cell.value = value  # openpyxl marks text starting with "=" as a formula...
            cell.data_type = "s"  # ...so it is made a string again, after the value
            cell.quotePrefix = True
            row.append(cell)
        else:
            row.append(value)
    return row


FORMULA_REFUSED = _(
    "This cannot start with =, +, -, @, a tab or a line break; remove the leading character."
)


def refuse_formula_prefix(value: object) -> None:
    """A validator for names and phones: they never start like a formula."""
    if starts_like_formula(value):
        raise ValidationError(FORMULA_REFUSED, code="formula_prefix")


def _cell(value: Any) -> Any:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return round(value, RATE_DECIMALS)
    if isinstance(value, str):
        return spreadsheet_text(value)
    return value


class SpreadsheetCSVRenderer(CSVRenderer):
    """djangorestframework-csv's renderer, with the columns in the answer's order (not
    sorted), the rules above, and a BOM so that Excel reads UTF-8."""

    charset = "utf-8"
    writer_opts = {"quoting": csv.QUOTE_NONNUMERIC}

    def render(
        self, data: Any, accepted_media_type: str | None = None,
        renderer_context: Mapping[str, Any] | None = None, writer_opts: Any = None,
    ) -> bytes:
        rows = data if isinstance(data, list) else [data]
        flat = [self.flatten_item(row) for row in rows]
        header: list[str] = []
        for row in flat:
            header += [key for key in row if key not in header]
        cleaned = [{key: _cell(value) for key, value in row.items()} for row in flat]
        context = {**(renderer_context or {}), "header": header}
        body: bytes = super().render(cleaned, accepted_media_type, context)
        return "\ufeff".encode() + body


class XLSXRenderer(BaseRenderer):
    """`?format=xlsx`: the view answers the workbook's bytes, passed through as they are."""

    media_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    format = "xlsx"
    charset = None
    render_style = "binary"

    def render(
        self, data: Any, accepted_media_type: str | None = None,
        renderer_context: Mapping[str, Any] | None = None,
    ) -> bytes:
        if isinstance(data, bytes):
            return data
        raise TypeError("XLSXRenderer renders workbooks made by the view")


def attachment(filename: str, *, ascii_name: str) -> str:
    """`Content-Disposition` for a download named `filename` (any script), with an
    ASCII name for the clients that do not read RFC 5987."""
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"


class SpreadsheetAPIView(APIView):
    """An endpoint that also answers `?format=csv` (and `xlsx` where a view adds
    XLSXRenderer), naming the file; errors stay JSON, a message and not a spreadsheet."""

    renderer_classes = [JSONRenderer, BrowsableAPIRenderer, SpreadsheetCSVRenderer]

    def handle_exception(self, exc: Exception) -> Response:
        response = super().handle_exception(exc)
        if self.wants_file(self.request):
            self.request.accepted_renderer = JSONRenderer()
            self.request.accepted_media_type = JSONRenderer.media_type
        return response

    def wants_file(self, request: Request) -> bool:
        return getattr(getattr(request, "accepted_renderer", None), "format", None) in (
            "csv", "xlsx",
        )

    def named(self, response: Response, filename: str, *, ascii_name: str) -> Response:
        """`filename` (without its extension) for the file asked for; JSON as it is."""
        if self.wants_file(self.request):
            extension = self.request.accepted_renderer.format
            response["Content-Disposition"] = attachment(
                f"{filename}.{extension}", ascii_name=f"{ascii_name}.{extension}"
            )
        return response
