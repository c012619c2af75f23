"""The ledger export (台账): a dashboard's ranking table as a report-shaped .xlsx."""

from __future__ import annotations

from io import BytesIO

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from dashboards.selectors import AreaFigures, Dashboard
from teams.exports import teams_sheet
from teams.selectors import TeamFiguresByChild


def _area_name(figures: AreaFigures) -> str:
    return figures.region.name if figures.region is not None else _("Nationwide")


def ledger_columns() -> list[tuple[str, str]]:
    """(heading, unit) of each figure column, in order."""
    return [
        (_("Centres and stations"), _("units")),
        (_("Visits"), _("visits")),
        (_("Cases received"), _("cases")),
        (_("Open"), _("cases")),
        (_("Overdue"), _("cases")),
        (_("Resolved locally"), _("cases")),
        (_("Local resolution rate"), "%"),
        (_("Satisfaction rate"), "%"),
    ]


def ledger_values(figures: AreaFigures, centres_total: int | None) -> list[int | float | None]:
    cases = figures.cases
    return [
        centres_total,
        figures.sums["visits"],
        cases["total"],
        cases["open"],
        cases["overdue"],
        cases["resolved_locally"],
        _percent(cases["local_resolution_rate"]),
        _percent(figures.satisfaction_rate),
    ]


def _percent(value: float | None) -> float | None:
    return round(value * 100, 1) if value is not None else None


def ledger_workbook(dashboard: Dashboard, *, teams: TeamFiguresByChild | None = None) -> bytes:
    area = _area_name(dashboard.own)
    period = dashboard.period
    columns = ledger_columns()
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = _("Ledger")[:31]
    width = len(columns) + 2
    sheet.append([_("%(area)s veterans' service work ledger") % {"area": area}])
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=width)
    sheet["A1"].font = Font(size=14, bold=True)
    sheet["A1"].alignment = Alignment(horizontal="center")
    sheet.append([_("Area: %(area)s") % {"area": area}])
    sheet.append([_("Period: %(since)s to %(until)s (by day received or visited)")
                  % {"since": period.since or "…", "until": period.until or "…"}])
    sheet.append([_("Units: as given under each heading")])
    sheet.append([_("Region"), _("Code"), *(heading for heading, _unit in columns)])
    sheet.append(["", "", *(unit for _heading, unit in columns)])
    for cell in sheet[5]:
        cell.font = Font(bold=True)
    for child in dashboard.children:
        assert child.region is not None
        centres = child.centres.centres_total if child.centres else None
        sheet.append([child.region.name, child.region.code, *ledger_values(child, centres)])
    total_centres = sum(count for _label, count in dashboard.centres_by_level)
    sheet.append([_("Total"), "", *ledger_values(dashboard.own, total_centres)])
    for cell in sheet[sheet.max_row]:
        cell.font = Font(bold=True)
    for index in range(1, width + 1):
        sheet.column_dimensions[get_column_letter(index)].width = 16 if index > 2 else 20
    if teams is not None:
        teams_sheet(book, teams)
    out = BytesIO()
    book.save(out)
    return out.getvalue()
