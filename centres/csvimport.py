"""Reading CSV files as Excel saves them, all rows checked before anything is written.

Excel writes CSV as UTF-8 with a byte-order mark ("CSV UTF-8") or, on a Chinese
Windows, in the ANSI code page (GBK, a subset of GB18030). Every fixed import
command reads both, reports every bad row with its line number, and writes
nothing unless the whole file is good.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Generic, TypeVar

from django.utils.translation import gettext as _

from centres import codes

T = TypeVar("T")


class RowError(ValueError):
    """A row that cannot be imported; the message is for the user."""


@dataclass
class RowReport(Generic[T]):
    """The parsed rows of a file and the errors found, by line number."""

    rows: list[T] = field(default_factory=list)
    errors: list[tuple[int, str]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    def error_text(self) -> str:
        return "\n".join(
            _("line %(line)d: %(reason)s") % {"line": line, "reason": reason}
            for line, reason in self.errors
        )


def row_code(values: dict[str, str], column: str) -> str:
    """The 12-digit region code in a row's column, or a RowError saying why not."""
    try:
        return codes.normalize_code(values.get(column, ""))
    except codes.InvalidCode as exc:
        raise RowError(str(exc)) from exc


def decode(data: bytes) -> str:
    """UTF-8 (with or without BOM) first, then GB18030."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030")
    except UnicodeDecodeError as exc:
        raise RowError(_("the file is neither UTF-8 nor GB18030 text.")) from exc


def read_rows(
    source: Path | str | bytes, *, required: Iterable[str], optional: Iterable[str] = ()
) -> Iterator[tuple[int, dict[str, str]]]:
    """Yield (line number, row) for each data row, values stripped.

    Raises RowError for a file that is not text or whose header lacks a column.
    """
    data = source if isinstance(source, bytes) else Path(source).read_bytes()
    reader = csv.DictReader(io.StringIO(decode(data), newline=""))
    header = [(name or "").strip() for name in (reader.fieldnames or [])]
    reader.fieldnames = header
    missing = [name for name in required if name not in header]
    if missing:
        raise RowError(
            _("the header lacks the column(s) %(columns)s; expected %(expected)s.")
            % {
                "columns": ", ".join(missing),
                "expected": ",".join([*required, *(f"[{name}]" for name in optional)]),
            }
        )
    for row in reader:
        values = {key: (value or "").strip() for key, value in row.items() if key}
        if not any(values.values()):
            continue
        yield reader.line_num, values


def parse_file(
    source: Path | str | bytes,
    *,
    required: Iterable[str],
    optional: Iterable[str] = (),
    parse: Callable[[dict[str, str]], T],
    key: Callable[[T], object] | None = None,
) -> RowReport[T]:
    """Parse every row; collect every error. A key seen twice is an error too."""
    report: RowReport[T] = RowReport()
    first_line: dict[object, int] = {}
    try:
        for line, values in read_rows(source, required=required, optional=optional):
            try:
                item = parse(values)
            except RowError as exc:
                report.errors.append((line, str(exc)))
                continue
            if key is not None:
                k = key(item)
                if k in first_line:
                    report.errors.append(
                        (line, _("repeats line %(line)d.") % {"line": first_line[k]})
                    )
                    continue
                first_line[k] = line
            report.rows.append(item)
    except RowError as exc:  # the header or the encoding: the whole file is refused
        report.errors.append((1, str(exc)))
    except csv.Error as exc:
        report.errors.append((1, _("the file is not valid CSV: %(error)s") % {"error": exc}))
    return report
