"""The CSV of service records in the columns of the national volunteer information system
(全国志愿服务信息系统): Chinese headers, every code written as text, never a formula."""

from __future__ import annotations

import csv
from collections.abc import Iterable
from typing import Any

from django.http import HttpResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook
from openpyxl.styles import Font

from teams.models import ServiceRecord
from teams.selectors import TeamFiguresByChild, member_numbers

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


# The dashboards' social-forces columns: (key of `stats/teams`, heading).
FIGURE_COLUMNS = [
    ("villages", gettext_lazy("Villages")),
    ("party_secretaries", gettext_lazy("Villages with a veteran party secretary")),
    ("party_secretary_coverage", gettext_lazy("Coverage")),
    ("committee_members", gettext_lazy("Veteran committee members")),
    ("reserve", gettext_lazy("Reserve pool")),
    ("teams", gettext_lazy("Volunteer teams")),
    ("shock_teams", gettext_lazy("Shock teams")),
    ("members", gettext_lazy("Team members")),
    ("service_hours", gettext_lazy("Confirmed hours")),
]


def figure_values(figures: dict[str, Any]) -> list[Any]:
    """A row's values in FIGURE_COLUMNS order; the coverage as a percentage."""
    values = [figures[key] for key, _heading in FIGURE_COLUMNS]
    coverage = figures["party_secretary_coverage"]
    values[2] = None if coverage is None else round(100 * coverage, 1)
    return values


def figure_rows(teams: TeamFiguresByChild) -> list[tuple[str, str, list[Any]]]:
    """(name, code, values): the own centre (本级), each child region, the total (合计)."""
    return [
        (_("Own centre"), "", figure_values(teams.own)),
        *((child.name, child.code, figure_values(f)) for child, f in teams.rows),
        (_("Total"), "", figure_values(teams.total)),
    ]


def teams_sheet(book: Workbook, teams: TeamFiguresByChild) -> None:
    """A second sheet of the ledger: the social forces by child region."""
    sheet = book.create_sheet(_("Social forces")[:31])
    sheet.append([_("Region"), _("Code"), *(str(h) for _k, h in FIGURE_COLUMNS)])
    for heading in sheet[1]:
        heading.font = Font(bold=True)
    for name, code, values in figure_rows(teams):
        sheet.append([cell(name), code, *values])
