"""Text in a spreadsheet is never a formula (CSV and formula injection, OWASP).

A cell whose text starts with `=`, `+`, `-`, `@`, a tab or a carriage return is
run as a formula by Excel, WPS and LibreOffice (`=HYPERLINK(...)`,
`=cmd|' /C calc'!A0`). Every writer of .xlsx and .csv in the portal passes its
rows through here:

- `xlsx_row(sheet, values)`: for a worksheet (write-only or not); such text
  becomes a string cell (data type `s`, with Excel's quote prefix), never a
  formula. Numbers, dates and booleans stay what they are.
- `csv_row(values)`: for `csv.writer`; such text gets a leading apostrophe, the
  escape OWASP recommends, since a CSV cell has no type.

Input is refused at the door too (`refuse_formula_prefix` on names and phones),
but exports also carry free text (summaries, notes, imported cells).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from openpyxl.cell import WriteOnlyCell

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def starts_like_formula(value: object) -> bool:
    """Whether a spreadsheet would read this text as a formula."""
    return isinstance(value, str) and value.startswith(FORMULA_PREFIXES)


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


def csv_row(values: Iterable[Any]) -> list[Any]:
    """The row for `csv.writer.writerow`: formula-like text behind an apostrophe."""
    return [f"'{value}" if starts_like_formula(value) else value for value in values]


FORMULA_REFUSED = _(
    "This cannot start with =, +, -, @, a tab or a line break; remove the leading character."
)


def refuse_formula_prefix(value: object) -> None:
    """A validator for names and phones: they never start like a formula."""
    if starts_like_formula(value):
        raise ValidationError(FORMULA_REFUSED, code="formula_prefix")
