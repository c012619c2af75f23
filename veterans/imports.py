"""The registry in Excel: the import template, the import itself and its error report.

The import streams the file (openpyxl read-only mode, or CSV read line by line)
in batches of BATCH rows: one query for the batch's regions, one for the numbers
already registered, one bulk insert of the veterans and one of their audit
entries. Memory holds one batch and the set of numbers seen in the file.

Modes: `all` (all or nothing: one transaction, rolled back if any row is bad;
every row is still checked so that the report is complete) and `valid` (the good
rows are written, the bad ones reported).
"""

from __future__ import annotations

import codecs
import csv
import datetime
import io
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import openpyxl
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter

from centres import codes
from centres.models import Level, Region, User
from veterans.audit import audit_record, audit_record_many
from veterans.idnumbers import birth_date_of, normalize_id_number, sex_of, validate_id_number
from veterans.models import AuditEntry, ImportJob, Veteran

BATCH = 2000
ERRORS_KEPT = 10000  # the report keeps the first ten thousand problems; the count is exact

# (field, Chinese header): the template's columns, in order. Headers are Chinese
# on purpose (the offices' spreadsheets are); the field names are accepted too.
COLUMNS: list[tuple[str, str]] = [
    ("name", "姓名"),
    ("id_number", "公民身份号码"),
    ("region", "户籍所在地区划代码"),
    ("sex", "性别"),
    ("birth_date", "出生日期"),
    ("phone", "联系电话"),
    ("discharge_year", "退役年份"),
    ("discharge_kind", "退役方式"),
    ("is_disabled", "残疾退役军人"),
    ("is_martyr_family", "烈属"),
    ("needs_assistance", "需要帮扶"),
    ("is_party_secretary", "兵支书"),
    ("is_volunteer", "志愿者服务队队员"),
]
REQUIRED = ("name", "id_number", "region")
HEADER_OF = dict(COLUMNS)
FIELD_OF_HEADER = {header: name for name, header in COLUMNS} | {name: name for name, _ in COLUMNS}
FLAGS = ("is_disabled", "is_martyr_family", "needs_assistance", "is_party_secretary",
         "is_volunteer")
TRUE = {"是", "1", "y", "yes", "true", "√", "✓", "t"}
FALSE = {"", "否", "0", "n", "no", "false", "f", "×"}
SEXES = {"男": "M", "女": "F", "m": "M", "f": "F", "male": "M", "female": "F"}
DISCHARGE_KINDS = {
    "退伍": "discharged", "转业": "transferred", "复员": "demobilized", "退休": "retired",
    "其他": "other", **{v: v for v in Veteran.DischargeKind.values},
}


@dataclass
class ImportResult:
    total: int = 0
    imported: int = 0
    error_count: int = 0
    errors: list[tuple[int, str, str]] = field(default_factory=list)  # (row, column, problem)
    file_error: str = ""

    def add(self, row: int, column: str, problem: str) -> None:
        self.error_count += 1
        if len(self.errors) < ERRORS_KEPT:
            self.errors.append((row, column, problem))


class FileRefused(ValueError):
    """The whole file cannot be read (format, encoding or header)."""


# --- reading ---------------------------------------------------------------

def _text(value: Any) -> str:
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


def _csv_encoding(path: Path) -> tuple[str, int]:
    """UTF-8 (with or without BOM) if the whole file decodes as such, else GB18030; and lines."""
    decoder = codecs.getincrementaldecoder("utf-8-sig")()
    lines = 0
    encoding = "utf-8-sig"
    with path.open("rb") as handle:
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
    return encoding, lines


def _header_map(header: list[str]) -> dict[int, str]:
    columns = {i: FIELD_OF_HEADER[h.strip()] for i, h in enumerate(header)
               if h and h.strip() in FIELD_OF_HEADER}
    missing = [HEADER_OF[name] for name in REQUIRED if name not in columns.values()]
    if missing:
        raise FileRefused(
            _("The header lacks the column(s) %(columns)s; download the template.")
            % {"columns": "、".join(missing)}
        )
    return columns


def read_rows(path: Path) -> tuple[int, Iterator[tuple[int, dict[str, str]]]]:
    """(estimated data rows, iterator of (row number in the sheet, {field: text}))."""
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        try:
            book = openpyxl.load_workbook(path, read_only=True, data_only=True)
        except Exception as exc:  # openpyxl raises many kinds for a broken file
            raise FileRefused(_("The file is not a readable .xlsx workbook.")) from exc
        sheet = book.worksheets[0]
        rows = sheet.iter_rows(values_only=True)
        header = [_text(v) for v in next(rows, ())]
        columns = _header_map(header)
        estimate = max((sheet.max_row or 1) - 1, 0)

        def xlsx_rows() -> Iterator[tuple[int, dict[str, str]]]:
            try:
                for number, values in enumerate(rows, start=2):
                    row = {name: _text(values[i]) if i < len(values) else ""
                           for i, name in columns.items()}
                    if any(row.values()):
                        yield number, row
            finally:
                book.close()

        return estimate, xlsx_rows()
    if suffix == ".csv":
        encoding, lines = _csv_encoding(path)
        handle = path.open("r", encoding=encoding, newline="")
        reader = csv.reader(handle)
        try:
            header = next(reader, [])
        except csv.Error as exc:
            handle.close()
            raise FileRefused(_("The file is not valid CSV: %(error)s") % {"error": exc}) from exc
        columns = _header_map(header)

        def csv_rows() -> Iterator[tuple[int, dict[str, str]]]:
            with handle:
                for values in reader:
                    row = {name: values[i].strip() if i < len(values) else ""
                           for i, name in columns.items()}
                    if any(row.values()):
                        yield reader.line_num, row

        return max(lines - 1, 0), csv_rows()
    raise FileRefused(_("Upload an .xlsx or a .csv file."))


# --- one row ---------------------------------------------------------------

def _message(exc: ValidationError) -> str:
    return "; ".join(str(m) for m in exc.messages)


def row_parse(values: dict[str, str], add: Callable[[str, str], None]) -> dict[str, Any] | None:
    """The veteran's fields, or None after reporting each bad cell with `add(column, problem)`."""
    ok = True

    def bad(name: str, problem: str) -> None:
        nonlocal ok
        ok = False
        add(HEADER_OF[name], problem)

    out: dict[str, Any] = {}
    name = values.get("name", "")
    if not name:
        bad("name", _("the full name is empty."))
    elif len(name) > 50:
        bad("name", _("the full name is longer than 50 characters."))
    out["name"] = name
    sex = ""
    raw_sex = values.get("sex", "")
    if raw_sex:
        sex = SEXES.get(raw_sex.lower(), "")
        if not sex:
            bad("sex", _("“%(value)s” is not 男 or 女.") % {"value": raw_sex})
    number = normalize_id_number(values.get("id_number"))
    try:
        validate_id_number(number, sex=sex or None)
    except ValidationError as exc:
        bad("sex" if exc.code == "sex" else "id_number", _message(exc))
        number = ""
    out["id_number"] = number
    if number:
        out["sex"] = sex or sex_of(number)
        out["birth_date"] = birth_date_of(number)
        raw_birth = values.get("birth_date", "")
        if raw_birth:
            try:
                given = datetime.date.fromisoformat(raw_birth.replace("/", "-")[:10])
            except ValueError:
                bad("birth_date",
                    _("“%(value)s” is not a date (YYYY-MM-DD).") % {"value": raw_birth})
            else:
                if given != out["birth_date"]:
                    bad("birth_date", _("the birth date does not match the ID number."))
    try:
        out["region_id"] = codes.normalize_code(values.get("region", ""))
    except codes.InvalidCode as exc:
        bad("region", str(exc))
    phone = values.get("phone", "")
    if len(phone) > 20:
        bad("phone", _("the phone number is longer than 20 characters."))
    out["phone"] = phone
    year = values.get("discharge_year", "")
    out["discharge_year"] = None
    if year:
        if not year.isdigit() or not 1927 <= int(year) <= datetime.date.today().year:
            bad("discharge_year", _("“%(value)s” is not a year.") % {"value": year})
        else:
            out["discharge_year"] = int(year)
    kind = values.get("discharge_kind", "")
    out["discharge_kind"] = DISCHARGE_KINDS.get(kind, "")
    if kind and not out["discharge_kind"]:
        bad("discharge_kind", _("“%(value)s” is not one of 退伍、转业、复员、退休、其他.")
            % {"value": kind})
    for flag in FLAGS:
        raw = values.get(flag, "").lower()
        if raw in TRUE:
            out[flag] = True
        elif raw in FALSE:
            out[flag] = False
        else:
            bad(flag, _("“%(value)s” is not 是 or 否.") % {"value": values.get(flag)})
    return out if ok else None


# --- the import --------------------------------------------------------------

class _RollBack(Exception):
    pass


def _allowed_regions(by: User, region_codes: set[str]) -> set[str]:
    return set(
        Region.objects.visible_to(by)
        .filter(code__in=region_codes, level__in=[Level.TOWNSHIP, Level.VILLAGE])
        .values_list("code", flat=True)
    )


def _registered(numbers: list[str]) -> set[str]:
    return set(Veteran.objects.filter(id_number__in=numbers).values_list("id_number", flat=True))


def _insert(veterans: list[Veteran]) -> list[Veteran]:
    """bulk_create, or on PostgreSQL one multi-row INSERT … RETURNING id per batch.

    Django's bulk_create prepares every value in Python (about half the import's
    time at 100,000 rows); the values here are plain (str, int, bool, date,
    datetime), which psycopg2 adapts in C.
    """
    if not veterans:
        return []
    if connection.vendor != "postgresql":
        return Veteran.objects.bulk_create(veterans)
    from psycopg2.extras import execute_values

    now = timezone.now()
    fields = [f for f in Veteran._meta.concrete_fields if not f.primary_key]
    for veteran in veterans:
        veteran.updated_at = now
    rows = [tuple(getattr(v, f.attname) for f in fields) for v in veterans]
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    table = connection.ops.quote_name(Veteran._meta.db_table)
    with connection.cursor() as cursor:
        ids = execute_values(
            cursor.cursor, f"INSERT INTO {table} ({columns}) VALUES %s RETURNING id",  # noqa: S608
            rows, page_size=len(rows), fetch=True,
        )
    for veteran, (pk,) in zip(veterans, ids, strict=True):
        veteran.pk = pk
    return veterans


def _audit(by: User, created: list[Veteran], changes: dict[str, Any]) -> None:
    """One audit entry per imported veteran (see `_insert` for the PostgreSQL path)."""
    if connection.vendor != "postgresql":
        audit_record_many(actor=by, action=AuditEntry.Action.CREATE, objs=created,
                          changes=changes)
        return
    from psycopg2.extras import execute_values

    now = timezone.now()
    data = json.dumps(changes)
    actor = by.pk if getattr(by, "pk", None) else None
    rows = [(actor, now, AuditEntry.Action.CREATE.value, "veterans.veteran", str(v.pk), data)
            for v in created]
    table = connection.ops.quote_name(AuditEntry._meta.db_table)
    with connection.cursor() as cursor:
        execute_values(
            cursor.cursor,
            f"INSERT INTO {table} (actor_id, at, action, object_type, object_id, changes) "  # noqa: S608
            "VALUES %s",
            rows, template="(%s, %s, %s, %s, %s, %s::jsonb)", page_size=len(rows),
        )


def veterans_import(
    *,
    path: Path,
    mode: str,
    by: User,
    progress: Callable[[int, int], None] | None = None,
    job_id: int | None = None,
) -> ImportResult:
    """Import a registry file; see the module docstring for the modes."""
    result = ImportResult()
    try:
        estimate, rows = read_rows(path)
    except FileRefused as exc:
        result.file_error = str(exc)
        result.add(1, "", str(exc))
        return result
    seen: dict[str, int] = {}  # number -> first row: a file may not repeat a number
    batch: list[tuple[int, dict[str, Any]]] = []

    def flush() -> None:
        region_codes = {values["region_id"] for _row, values in batch}
        allowed = _allowed_regions(by, region_codes)
        registered = _registered([values["id_number"] for _row, values in batch])
        good: list[Veteran] = []
        for row, values in batch:
            problem = False
            if values["region_id"] not in allowed:
                result.add(row, HEADER_OF["region"],
                           _("no village or township %(code)s in your jurisdiction.")
                           % {"code": values["region_id"]})
                problem = True
            if values["id_number"] in registered:
                result.add(row, HEADER_OF["id_number"],
                           _("this resident ID number is already registered."))
                problem = True
            if not problem:
                good.append(Veteran(**values))
        if good and (mode == ImportJob.Mode.VALID or result.error_count == 0):
            _write(good)
        batch.clear()
        if progress is not None:
            progress(result.total, max(estimate, result.total))

    def _write(veterans: list[Veteran]) -> None:
        try:
            with transaction.atomic():
                created = _insert(veterans)
        except IntegrityError:
            # Registered meanwhile by someone else: report those, write the rest.
            taken = _registered([v.id_number for v in veterans])
            created = _insert([v for v in veterans if v.id_number not in taken])
            result.add(0, HEADER_OF["id_number"],
                       _("%(count)d number(s) were registered by someone else during the import.")
                       % {"count": len(taken)})
        _audit(by, created, {"source": "import", "job": job_id})
        result.imported += len(created)

    try:
        with transaction.atomic():
            for row, values in rows:
                result.total += 1

                def add(column: str, problem: str, row: int = row) -> None:
                    result.add(row, column, problem)

                parsed = row_parse(values, add)
                if parsed is None:
                    continue
                first = seen.get(parsed["id_number"])
                if first is not None:
                    add(HEADER_OF["id_number"],
                        _("the same ID number as row %(row)d.") % {"row": first})
                    continue
                seen[parsed["id_number"]] = row
                batch.append((row, parsed))
                if len(batch) >= BATCH:
                    flush()
            if batch:
                flush()
            elif progress is not None:
                progress(result.total, result.total)
            if mode == ImportJob.Mode.ALL and result.error_count:
                raise _RollBack
    except _RollBack:
        result.imported = 0
    except FileRefused as exc:
        result.file_error = str(exc)
        result.add(1, "", str(exc))
        result.imported = 0
    result.errors.sort()
    return result


@transaction.atomic
def import_job_run(
    *, job: ImportJob, progress: Callable[[int, int], None] | None = None
) -> ImportJob:
    """Run an uploaded job once; a finished job is left as it is (the task may be retried)."""
    if job.finished:
        return job
    result = veterans_import(
        path=Path(job.file.path), mode=job.mode, by=job.created_by, progress=progress,
        job_id=job.pk,
    )
    job.status = ImportJob.Status.FAILED if result.file_error else ImportJob.Status.DONE
    job.rows_total = result.total
    job.rows_imported = result.imported
    job.error_count = result.error_count
    job.errors = [list(e) for e in result.errors]
    job.finished_at = timezone.now()
    job.save(update_fields=["status", "rows_total", "rows_imported", "error_count", "errors",
                            "finished_at"])
    audit_record(
        actor=job.created_by, action=AuditEntry.Action.IMPORT, obj=job,
        changes={"file": job.original_name, "mode": job.mode, "rows": result.total,
                 "imported": result.imported, "errors": result.error_count},
    )
    return job


# --- workbooks ---------------------------------------------------------------

HEADER_FONT = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="EEF1F5")


def template_workbook() -> bytes:
    """The import template: Chinese headers, the ID column formatted as text, a help sheet."""
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "退役军人"
    sheet.append([header for _name, header in COLUMNS])
    for index, (name, _header) in enumerate(COLUMNS, start=1):
        cell = sheet.cell(row=1, column=index)
        cell.font, cell.fill = HEADER_FONT, HEADER_FILL
        letter = get_column_letter(index)
        sheet.column_dimensions[letter].width = 22 if name in ("id_number", "region") else 14
        if name in ("id_number", "region", "phone"):
            # Text, so Excel keeps all 18 digits and the leading zeros.
            for row in range(2, 2002):
                sheet.cell(row=row, column=index).number_format = "@"
    sheet.freeze_panes = "A2"
    help_sheet = book.create_sheet("填写说明")
    for line in [
        ("列", "说明"),
        ("姓名", "必填"),
        ("公民身份号码", "必填，18位；请以文本格式填写，校验码须正确"),
        ("户籍所在地区划代码", "必填，村（社区）或乡镇（街道）的12位统计用区划代码（乡镇可填9位）"),
        ("性别", "男/女；可不填，按身份号码确定"),
        ("出生日期", "YYYY-MM-DD；可不填，按身份号码确定"),
        ("退役方式", "退伍、转业、复员、退休、其他"),
        ("残疾退役军人、烈属、需要帮扶、兵支书、志愿者服务队队员", "是/否，可不填（否）"),
    ]:
        help_sheet.append(line)
    help_sheet.column_dimensions["A"].width = 40
    help_sheet.column_dimensions["B"].width = 70
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def error_report_workbook(errors: list[list[Any]]) -> bytes:
    """The per-row report: row, column, problem."""
    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet("错误报告")
    sheet.column_dimensions["C"].width = 80
    sheet.append(["行号", "列", "问题"])
    for row, column, problem in errors:
        sheet.append([row or "", column, problem])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
