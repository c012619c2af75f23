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

import contextlib
import datetime
import io
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import openpyxl
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter

from centres import codes
from centres.models import Region, User
from centres.selectors import RegionNotFound, region_resolve
from centres.tabular import RowError, Table, table_open
from config.spreadsheets import FORMULA_REFUSED as _FORMULA_REFUSED
from config.spreadsheets import starts_like_formula, xlsx_row
from veterans import services
from veterans.audit import audit_record, audit_record_many
from veterans.idnumbers import birth_date_of, normalize_id_number, sex_of, validate_id_number
from veterans.models import HOME_LEVELS, AuditEntry, ImportJob, Veteran

BATCH = 2000
IMPORT_TIME_LIMIT = 60 * 60  # seconds: the import task's hard limit
ERRORS_KEPT = 10000  # the report keeps the first ten thousand problems; the count is exact

# (field, Chinese header): the template's columns, in order. Headers are Chinese
# on purpose (the offices' spreadsheets are); the field names are accepted too.
COLUMNS: list[tuple[str, str]] = [
    ("name", "姓名"),
    ("id_number", "公民身份号码"),
    ("region", "户籍所在地"),
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
    ("is_decorated", "立功受奖"),
    ("took_part_in_combat", "参战参试"),
]
REQUIRED = ("name", "id_number", "region")
HEADER_OF = dict(COLUMNS)
FIELD_OF_HEADER = (
    {header: name for name, header in COLUMNS} | {name: name for name, _ in COLUMNS}
    | {"户籍所在地区划代码": "region"}  # the header of earlier templates
)
FLAGS = ("is_disabled", "is_martyr_family", "needs_assistance", "is_party_secretary",
         "is_volunteer", "is_decorated", "took_part_in_combat")
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


def table_read(path: Path) -> Table:
    """The file through the one reader (centres.tabular): Chinese headers or field names."""
    return table_open(
        path, fields=FIELD_OF_HEADER, required=REQUIRED, label=HEADER_OF.__getitem__
    )


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
    for text in ("name", "phone"):
        if starts_like_formula(values.get(text, "")):
            bad(text, str(_FORMULA_REFUSED))
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
    place = values.get("region", "")
    if place and not (place.isascii() and place.isdigit()):
        out["region_id"] = place  # a name (东山镇 › 青石村): the batch resolves it
    else:
        try:
            out["region_id"] = codes.normalize_code(place)
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
        .filter(code__in=region_codes, level__in=HOME_LEVELS)
        .values_list("code", flat=True)
    )


def _registered(numbers: list[str]) -> dict[str, str]:
    """{number: the holder's home region} for the numbers already registered."""
    return dict(Veteran.objects.filter(id_number__in=numbers).values_list("id_number", "region"))


class _TooManyElsewhere(Exception):
    pass


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
        rows = table_read(path)
    except RowError as exc:
        result.file_error = exc.message
        result.add(1, "", exc.message)
        return result
    estimate = rows.estimate
    seen: dict[str, int] = {}  # number -> first row: a file may not repeat a number
    batch: list[tuple[int, dict[str, Any]]] = []
    # Numbers registered outside the user's jurisdiction: each sends a transfer request
    # once the import is through; more than the user's limit stops the whole file.
    elsewhere: list[tuple[str, str]] = []  # (number, home region asked for)
    try:
        services.registration_gate(by)
    except services.TooManyElsewhere as exc:
        result.file_error = str(exc)
        result.add(1, "", str(exc))
        return result
    already = services.elsewhere_seen(by)

    places: dict[str, str | RegionNotFound] = {}  # a name typed in the file -> its code

    def flush() -> None:
        for _row, values in batch:
            place = values["region_id"]
            if not place.isdigit() and place not in places:
                try:
                    places[place] = region_resolve(
                        user=by, text=place, levels=list(HOME_LEVELS)
                    ).code
                except RegionNotFound as exc:
                    places[place] = exc
        unresolved: dict[int, str] = {}
        for row, values in batch:
            found = places.get(values["region_id"])
            if isinstance(found, RegionNotFound):
                unresolved[row] = str(found)
            elif found is not None:
                values["region_id"] = found
        region_codes = {values["region_id"] for _row, values in batch}
        allowed = _allowed_regions(by, region_codes)
        registered = _registered([values["id_number"] for _row, values in batch])
        good: list[Veteran] = []
        for row, values in batch:
            problem = False
            if row in unresolved:
                result.add(row, HEADER_OF["region"], unresolved[row])
                problem = True
            elif values["region_id"] not in allowed:
                result.add(row, HEADER_OF["region"],
                           _("no village or township %(code)s in your jurisdiction.")
                           % {"code": values["region_id"]})
                problem = True
            holder_region = registered.get(values["id_number"])
            if holder_region is not None and by.may_see(holder_region):
                result.add(row, HEADER_OF["id_number"],
                           _("this resident ID number is already registered."))
                problem = True
            elif holder_region is not None and not problem:
                elsewhere.append((values["id_number"], values["region_id"]))
                if already + len(elsewhere) > settings.VETERANS_ELSEWHERE_LIMIT:
                    raise _TooManyElsewhere
                result.add(row, HEADER_OF["id_number"], str(services.TRANSFER_REQUESTED))
                problem = True
            elif holder_region is not None:
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
            for read in rows:
                result.total += 1
                row = read.line
                if read.refused is not None:
                    result.add(row, read.refused.column, read.refused.message)
                    continue

                def add(column: str, problem: str, row: int = row) -> None:
                    result.add(row, column, problem)

                parsed = row_parse(read.values, add)
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
    except _TooManyElsewhere:
        refused = ImportResult(total=result.total)
        refused.file_error = str(services.TOO_MANY_ELSEWHERE)
        refused.add(1, "", refused.file_error)
        with contextlib.suppress(services.TooManyElsewhere):
            services.elsewhere_limit_reached(by=by, id_number=elsewhere[-1][0])
        return refused
    except RowError as exc:
        result.file_error = exc.message
        result.add(1, "", exc.message)
        result.imported = 0
    for number, region_code in elsewhere:
        _transfer(by=by, number=number, region_code=region_code)
    result.errors.sort()
    return result


def _transfer(*, by: Any, number: str, region_code: str) -> None:
    holder = services.registered_elsewhere(by=by, id_number=number)
    region = Region.objects.filter(code=region_code).first()
    if holder is not None and region is not None:
        services.elsewhere_count(by=by, id_number=number)
        services.transfer_request_start(by=by, veteran=holder, region=region)


@transaction.atomic
def import_job_run(
    *, job: ImportJob, progress: Callable[[int, int], None] | None = None
) -> ImportJob:
    """Run an uploaded job once; a finished job is left as it is (the task may be retried).
    The uploaded file is deleted once the job is done."""
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
    import_upload_discard(job)
    audit_record(
        actor=job.created_by, action=AuditEntry.Action.IMPORT, obj=job,
        changes={"file": job.original_name, "mode": job.mode, "rows": result.total,
                 "imported": result.imported, "errors": result.error_count},
    )
    return job


def import_upload_discard(job: ImportJob) -> None:
    """Forget the uploaded file: the row at once, the file once the transaction commits."""
    name, storage = job.file.name, job.file.storage
    if not name:
        return
    ImportJob.objects.filter(pk=job.pk).update(file="")
    job.file.name = ""
    transaction.on_commit(lambda: storage.delete(name), robust=True)


@transaction.atomic
def import_job_fail(*, job_id: int, reason: str) -> None:
    """Mark an unfinished job failed with a reason for the user, and discard its file."""
    job = ImportJob.objects.select_for_update().filter(pk=job_id).first()
    if job is None or job.finished:
        return
    job.status = ImportJob.Status.FAILED
    job.error_count = 1
    job.errors = [[1, "", reason]]
    job.finished_at = timezone.now()
    job.save(update_fields=["status", "error_count", "errors", "finished_at"])
    import_upload_discard(job)


def import_failure_reason(exc: BaseException) -> str:
    """What the user is told when an import task raised: never the exception's text, which
    may quote a row (an ID number in a database error)."""
    from celery.exceptions import SoftTimeLimitExceeded

    if isinstance(exc, RowError):
        return exc.message
    if isinstance(exc, SoftTimeLimitExceeded):
        return _("The import took too long and was stopped; nothing was imported. Split the "
                 "file into smaller ones.")
    return _("The import stopped on an unexpected error (%(kind)s); nothing was imported. "
             "Try again, or tell the administrator.") % {"kind": type(exc).__name__}


def import_jobs_clean(*, now: datetime.datetime | None = None) -> dict[str, int]:
    """The periodic clean-up: error reports past IMPORT_REPORT_DAYS are emptied, jobs left
    unfinished past the task's time limit (a killed worker) fail, and their files go."""
    now = now or timezone.now()
    stale = now - datetime.timedelta(seconds=IMPORT_TIME_LIMIT * 2)
    failed = 0
    for job_id in ImportJob.objects.filter(
        finished_at__isnull=True, created_at__lt=stale
    ).values_list("pk", flat=True):
        import_job_fail(job_id=job_id, reason=_(
            "The import did not finish (the worker stopped); nothing was imported. "
            "Upload the file again."))
        failed += 1
    expired = ImportJob.objects.filter(
        finished_at__lt=now - datetime.timedelta(days=settings.IMPORT_REPORT_DAYS)
    ).exclude(errors=[])
    reports = expired.update(errors=[])
    files = 0
    for job in ImportJob.objects.filter(finished_at__isnull=False).exclude(file=""):
        with transaction.atomic():
            import_upload_discard(job)
        files += 1
    return {"failed": failed, "reports": reports, "files": files}


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
        ("户籍所在地", "必填，村（社区）或乡镇（街道）：填名称（如“枫桥镇”；"
                     "同名时写“东山镇 › 青石村”），或12位统计用区划代码（乡镇可填9位）"),
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
    sheet.append([str(_("row")), str(_("column")), str(_("problem"))])
    for row, column, problem in errors:
        sheet.append(xlsx_row(sheet, [row or "", column, problem]))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
