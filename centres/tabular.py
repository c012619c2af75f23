"""The one reader of imported tables: CSV as Excel saves it, and .xlsx workbooks.

Every import (regions, centres, designations, the veteran registry, village
cadres) reads its file here and reports its problems with one error type,
`RowError`: a line (the row number in the sheet, 1 for the header and the file
itself), a column (may be empty) and a message for the user.

What is refused, and when:
- before anything is parsed: a file larger than `IMPORT_MAX_BYTES`, and a
  workbook whose members would unpack to more than `IMPORT_XLSX_MAX_UNPACKED`
  bytes (a "zip bomb": the sizes come from the zip directory, and Python's zip
  reader never inflates a member beyond its declared size);
- the whole file: neither UTF-8 (with or without BOM) nor GB18030 text, a header
  without a required column, a workbook openpyxl cannot read;
- one row, which is reported and skipped while the rest is read: a NUL character,
  a cell longer than `IMPORT_MAX_CELL` characters, a line CSV cannot parse.
"""

from __future__ import annotations

import codecs
import csv
import datetime
import io
import zipfile
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, Generic, TypeVar

from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from centres import codes

T = TypeVar("T")

# Python's own limit on a CSV field; the cell limit is checked after, per row.
csv.field_size_limit(1 << 20)


class RowError(ValueError):
    """A problem in a row (or, at line 1 with `whole_file`, the file); the message is for
    the user."""

    def __init__(self, message: str, *, line: int = 0, column: str = "",
                 whole_file: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.line = line
        self.column = column
        self.whole_file = whole_file

    def at(self, line: int) -> RowError:
        """The same problem, placed at a line."""
        self.line = self.line or line
        return self


def _refuse(message: str) -> RowError:
    return RowError(message, line=1, whole_file=True)


@dataclass
class Row:
    """A data row: its line in the sheet and {field: text}, or the reason it is refused."""

    line: int
    values: dict[str, str]
    refused: RowError | None = None


@dataclass
class Table:
    """The rows of a file as they are read; `estimate` is the number of data rows expected."""

    estimate: int
    rows: Iterator[Row]

    def __iter__(self) -> Iterator[Row]:
        return self.rows


def size_check(size: int) -> None:
    """Refuse an upload larger than IMPORT_MAX_BYTES (the form and the reader ask)."""
    limit = settings.IMPORT_MAX_BYTES
    if size > limit:
        raise _refuse(_("The file is larger than %(size)s; split it into smaller files.")
                      % {"size": filesizeformat(limit)})


def _xlsx_check(path: Path) -> None:
    """The zip directory's declared sizes, added up before openpyxl inflates anything."""
    try:
        with zipfile.ZipFile(path) as archive:
            unpacked = sum(member.file_size for member in archive.infolist())
    except (zipfile.BadZipFile, OSError) as exc:
        raise _refuse(_("The file is not a readable .xlsx workbook.")) from exc
    if unpacked > settings.IMPORT_XLSX_MAX_UNPACKED:
        raise _refuse(_("The workbook unpacks to more than %(size)s; split it into smaller "
                        "files.") % {"size": filesizeformat(settings.IMPORT_XLSX_MAX_UNPACKED)})


def row_code(values: dict[str, str], column: str) -> str:
    """The 12-digit region code in a row's column, or a RowError saying why not."""
    try:
        return codes.normalize_code(values.get(column, ""))
    except codes.InvalidCode as exc:
        raise RowError(str(exc)) from exc


def text_of(value: Any) -> str:
    """A cell as text: dates as YYYY-MM-DD, whole numbers without ".0"."""
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        return value.date().isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, float):
        # An 18-digit number typed into a number cell has lost its last digits.
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    return str(value).strip()


def _encoding(handle: IO[bytes]) -> tuple[str, int]:
    """UTF-8 (with or without BOM) if the whole file decodes as such, else GB18030; and
    the number of lines. Read in chunks: memory holds one."""
    decoder = codecs.getincrementaldecoder("utf-8-sig")()
    lines, encoding = 0, "utf-8-sig"
    for chunk in iter(lambda: handle.read(1 << 20), b""):
        lines += chunk.count(b"\n")
        if encoding == "utf-8-sig":
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError:
                encoding = "gb18030"
    if encoding == "utf-8-sig":
        try:
            decoder.decode(b"", final=True)  # a sequence cut off at the end
        except UnicodeDecodeError:
            encoding = "gb18030"
    handle.seek(0)
    return encoding, lines


def _columns(header: list[str], fields: Mapping[str, str], required: Iterable[str],
             label: Callable[[str], str]) -> dict[int, str]:
    """{column index: field} of the header cells `fields` knows (by any of its names)."""
    columns = {i: fields[name.strip()] for i, name in enumerate(header)
               if name and name.strip() in fields}
    missing = [label(name) for name in required if name not in columns.values()]
    if missing:
        raise _refuse(_("The header lacks the column(s) %(columns)s.")
                      % {"columns": "、".join(missing)})
    return columns


def _row(line: int, cells: list[Any], columns: dict[int, str],
         label: Callable[[str], str]) -> Row | None:
    """The row's values, None for an empty row, a refused Row for a NUL or an over-long cell."""
    values = {name: text_of(cells[i]) if i < len(cells) else "" for i, name in columns.items()}
    if not any(values.values()):
        return None
    for name, value in values.items():
        if "\x00" in value:
            return Row(line, {}, RowError(_("the cell holds a NUL character."), line=line,
                                          column=label(name)))
        if len(value) > settings.IMPORT_MAX_CELL:
            return Row(line, {}, RowError(
                _("the cell is longer than %(count)d characters.")
                % {"count": settings.IMPORT_MAX_CELL}, line=line, column=label(name)))
    return Row(line, values)


def _csv_table(handle: IO[bytes], columns_of: Callable[[list[str]], dict[int, str]],
               label: Callable[[str], str]) -> Table:
    encoding, lines = _encoding(handle)
    text = io.TextIOWrapper(handle, encoding=encoding, newline="")
    reader = csv.reader(text)
    try:
        header = next(reader, [])
    except (csv.Error, UnicodeDecodeError) as exc:
        text.close()
        raise _refuse(_("The file is not valid CSV: %(error)s") % {"error": exc}) from exc
    try:
        columns = columns_of(header)
    except RowError:
        text.close()
        raise

    def rows() -> Iterator[Row]:
        with text:
            while True:
                try:
                    cells = next(reader)
                except StopIteration:
                    return
                except UnicodeDecodeError as exc:  # a GB18030 file broken further on
                    raise _refuse(_("the file is neither UTF-8 nor GB18030 text.")) from exc
                except csv.Error as exc:  # e.g. a field beyond Python's own limit
                    yield Row(reader.line_num, {}, RowError(
                        _("the line is not valid CSV: %(error)s") % {"error": exc},
                        line=reader.line_num))
                    continue
                row = _row(reader.line_num, cells, columns, label)
                if row is not None:
                    yield row

    return Table(max(lines - 1, 0), rows())


def _xlsx_table(path: Path, columns_of: Callable[[list[str]], dict[int, str]],
                label: Callable[[str], str]) -> Table:
    import openpyxl

    _xlsx_check(path)
    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
        sheet = book.worksheets[0]
        cells = sheet.iter_rows(values_only=True)
        header = [text_of(v) for v in next(cells, ())]
    except Exception as exc:  # openpyxl raises many kinds for a broken file
        raise _refuse(_("The file is not a readable .xlsx workbook.")) from exc
    try:
        columns = columns_of(header)
    except RowError:
        book.close()
        raise

    def rows() -> Iterator[Row]:
        try:
            for line, values in enumerate(cells, start=2):
                row = _row(line, list(values), columns, label)
                if row is not None:
                    yield row
        finally:
            book.close()

    return Table(max((sheet.max_row or 1) - 1, 0), rows())


def table_open(
    source: Path | str | bytes,
    *,
    fields: Mapping[str, str] | Iterable[str],
    required: Iterable[str],
    label: Callable[[str], str] = str,
    kind: str = "",
) -> Table:
    """Open a CSV or .xlsx file and check its size and header; raises RowError for the file.

    `fields` maps every accepted header text to its field (an iterable: the names
    themselves); `label` names a field for the user. `kind` is "csv" or "xlsx"
    (default: the file's suffix; bytes are CSV).
    """
    names = dict(fields) if isinstance(fields, Mapping) else {name: name for name in fields}
    required = list(required)

    def columns_of(header: list[str]) -> dict[int, str]:
        return _columns(header, names, required, label)

    if isinstance(source, bytes):
        size_check(len(source))
        return _csv_table(io.BytesIO(source), columns_of, label)
    path = Path(source)
    size_check(path.stat().st_size)
    kind = kind or path.suffix.lower().lstrip(".")
    if kind == "xlsx":
        return _xlsx_table(path, columns_of, label)
    if kind == "csv":
        return _csv_table(path.open("rb"), columns_of, label)
    raise _refuse(_("Upload an .xlsx or a .csv file."))


# --- whole files, all or nothing (the import commands) -------------------------


@dataclass
class RowReport(Generic[T]):
    """The parsed rows of a file and the problems found."""

    rows: list[T] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    def error_text(self) -> str:
        return "\n".join(
            _("line %(line)d: %(reason)s")
            % {"line": e.line, "reason": f"{e.column}: {e.message}" if e.column else e.message}
            for e in self.errors
        )


def parse_file(
    source: Path | str | bytes,
    *,
    required: Iterable[str],
    optional: Iterable[str] = (),
    parse: Callable[[dict[str, str]], T],
    key: Callable[[T], object] | None = None,
) -> RowReport[T]:
    """Parse every row; collect every problem. A key seen twice is a problem too."""
    required = list(required)
    report: RowReport[T] = RowReport()
    first_line: dict[object, int] = {}
    try:
        kind = "xlsx" if not isinstance(source, bytes) and str(source).endswith(".xlsx") \
            else "csv"
        table = table_open(source, fields=[*required, *optional], required=required, kind=kind)
        for row in table:
            if row.refused is not None:
                report.errors.append(row.refused)
                continue
            try:
                item = parse(row.values)
            except RowError as exc:
                report.errors.append(exc.at(row.line))
                continue
            if key is not None:
                k = key(item)
                if k in first_line:
                    report.errors.append(RowError(
                        _("repeats line %(line)d.") % {"line": first_line[k]}, line=row.line))
                    continue
                first_line[k] = row.line
            report.rows.append(item)
    except RowError as exc:  # the size, the header or the encoding: the file is refused
        report.errors.append(exc.at(1))
    return report
