"""The CSV of service records in the columns of the national volunteer information system
(全国志愿服务信息系统): Chinese headers, every code written as text, never a formula."""

from __future__ import annotations

import csv
from collections.abc import Iterable

from django.http import HttpResponse

from teams.models import ServiceRecord
from teams.selectors import member_numbers

HEADER = ["志愿者编号", "姓名", "服务日期", "服务时长（小时）", "服务内容", "服务类别",
          "志愿队伍", "记录单位", "记录单位区划代码", "确认时间"]

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def cell(value: object) -> str:
    """Text that no spreadsheet reads as a formula: a leading quote disarms one."""
    text = "" if value is None else str(value)
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text


def records_rows(records: Iterable[ServiceRecord]) -> list[list[str]]:
    records = list(records)
    numbers = member_numbers(records)
    return [
        [cell(v) for v in (
            numbers.get((r.team_id, r.veteran_id), ""), r.veteran.name, r.date.isoformat(),
            f"{r.hours:.1f}", r.activity, r.group.get_kind_display() if r.group else "",
            r.team.name, r.team.centre.name, r.region_id,
            r.confirmed_at.strftime("%Y-%m-%d %H:%M") if r.confirmed_at else "",
        )]
        for r in records
    ]


def records_csv(records: Iterable[ServiceRecord], *, filename: str) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.write("\ufeff")  # Excel reads UTF-8 with a byte-order mark
    writer = csv.writer(response)
    writer.writerow(HEADER)
    writer.writerows(records_rows(records))
    return response
