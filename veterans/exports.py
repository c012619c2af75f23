"""The registry and the visit log as .xlsx, ID numbers always masked.

Exports always mask: a spreadsheet travels (e-mail, USB sticks) and cannot
audit who reads it, so the full number stays behind the audited detail page.
Beside the mask a file carries the birth year, never the birth date (see
`mask_id_number`), and no text in it is ever a formula (`config.spreadsheets`).
The workbooks are written in openpyxl's write-only mode to a temporary file
while the rows stream from the database, so memory does not grow with rows.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterable
from typing import IO, Any

import openpyxl
from django.db.models import QuerySet
from django.utils import timezone, translation
from openpyxl.utils import get_column_letter

from centres.models import User
from config.spreadsheets import xlsx_row
from veterans.audit import audit_record
from veterans.imports import COLUMNS
from veterans.models import AuditEntry, Veteran, Visit

CHUNK = 2000


# Column widths (in characters of the default font; a Chinese character takes two) that
# show a whole value: the masked number, a timestamp, a centre's name, a summary.
WIDTHS = {
    "公民身份号码": 22, "登记时间": 18, "来访时间": 18, "服务中心（站）": 28, "区划代码": 15,
    "户籍所在地": 15, "户籍所在地名称": 24, "内容摘要": 48, "联系电话": 15, "出生日期": 12,
}


def _spool(headers: list[str], rows: Iterable[list[Any]], title: str) -> IO[bytes]:
    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet(title)
    for index, header in enumerate(headers, start=1):
        width = WIDTHS.get(header, max(10, 2 * len(header) + 2))
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.append(headers)
    for row in rows:
        sheet.append(xlsx_row(sheet, row))
    handle = tempfile.TemporaryFile()  # noqa: SIM115 (handed to the response, which closes it)
    book.save(handle)
    handle.seek(0)
    return handle


def _yes(value: bool) -> str:
    return "是" if value else "否"


def veterans_export(*, queryset: QuerySet[Veteran], by: User, filters: dict[str, Any]) -> IO[bytes]:
    """The filtered registry, in the import template's columns plus the region's name."""
    headers = [
        "出生年份" if name == "birth_date" else header for name, header in COLUMNS
    ] + ["户籍所在地名称", "登记时间"]

    def rows() -> Iterable[list[Any]]:
        with translation.override("zh-hans"):
            for v in queryset.select_related("region").iterator(chunk_size=CHUNK):
                yield [
                    v.name, v.id_number_masked, v.region_id, v.get_sex_display(), v.birth_year,
                    v.phone, v.discharge_year, v.get_discharge_kind_display(),
                    _yes(v.is_disabled), _yes(v.is_martyr_family), _yes(v.needs_assistance),
                    _yes(v.is_party_secretary), _yes(v.is_volunteer), _yes(v.is_decorated),
                    _yes(v.took_part_in_combat), v.region.name,
                    timezone.localtime(v.created_at).replace(tzinfo=None),
                ]

    handle = _spool(headers, rows(), "退役军人")
    _audit_export(by=by, model=Veteran, filters=filters)
    return handle


def visits_export(*, queryset: QuerySet[Visit], by: User, filters: dict[str, Any]) -> IO[bytes]:
    headers = ["来访时间", "服务中心（站）", "区划代码", "退役军人", "公民身份号码", "来访方式",
               "来访事由", "内容摘要", "办理结果", "经办人"]

    def rows() -> Iterable[list[Any]]:
        with translation.override("zh-hans"):
            for v in queryset.select_related("veteran", "centre", "recorded_by").iterator(
                chunk_size=CHUNK
            ):
                yield [
                    timezone.localtime(v.visited_at).replace(tzinfo=None), v.centre.name,
                    v.region_id, v.veteran.name, v.veteran.id_number_masked,
                    v.get_channel_display(), v.get_purpose_display(), v.summary,
                    v.get_outcome_display(),
                    v.recorded_by.get_full_name() or v.recorded_by.username,
                ]

    handle = _spool(headers, rows(), "来访登记")
    _audit_export(by=by, model=Visit, filters=filters)
    return handle


def _audit_export(*, by: User, model: type[Veteran] | type[Visit], filters: dict[str, Any]) -> None:
    # An export is about many records: the entry names the table and the filters.
    audit_record(
        actor=by, action=AuditEntry.Action.EXPORT, obj=model(),
        changes={"filters": {k: str(v) for k, v in filters.items() if v not in (None, "", False)}},
    )
