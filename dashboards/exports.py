"""The ledger (台账): a region's breakdown as a report-shaped .xlsx, or as CSV rows.

Every line of the page's table is a line of the ledger, in the same order: the
child regions, the region's own centre (本级), the total (合计), so that the total
is the sum of the lines above it. Codes are text cells; text is never a formula.
"""

from __future__ import annotations

from io import BytesIO
from typing import Any

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import Cell
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from cases.selectors import RESOLVED_LEVELS
from config.spreadsheets import attachment, xlsx_row
from dashboards.selectors import CHILD, OWN, AreaFigures, Breakdown, Period
from teams.exports import teams_sheet
from teams.selectors import TeamFiguresByChild


def area_name(breakdown: Breakdown) -> str:
    return breakdown.region.name if breakdown.region is not None else _("Nationwide")


def line_name(line: AreaFigures) -> str:
    if line.kind == OWN:
        return _("Own centre")
    if line.kind == CHILD:
        assert line.region is not None
        return line.region.name
    return _("Total")


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


def percent(value: float | None) -> float | None:
    """A rate as a percentage with one decimal, for files and pages people read."""
    return round(value * 100, 1) if value is not None else None


def ledger_values(figures: AreaFigures) -> list[int | float | None]:
    cases = figures.cases
    return [
        figures.centres,
        figures.sums["visits"],
        cases["total"],
        cases["open"],
        cases["overdue"],
        cases["resolved_locally"],
        percent(cases["local_resolution_rate"]),
        percent(figures.satisfaction_rate),
    ]


def ledger_records(breakdown: Breakdown) -> list[dict[str, Any]]:
    """The ledger as CSV rows: every line with its code, and every figure (rates 0–1)."""
    records = []
    for line in breakdown.lines:
        cases = line.cases
        records.append({
            "line": line.kind,
            "region": line.code,
            "name": line_name(line),
            "level": line.region.level if line.region is not None else "",
            "centres": line.centres,
            "visits": line.sums["visits"],
            **{key: cases[key] for key in ("total", "open", "resolved", "closed",
                                           "resolved_locally", "local_resolution_rate",
                                           "escalated", "overdue")},
            **{f"resolved_{level}": cases["by_resolved_level"][level]
               for level in RESOLVED_LEVELS},
            "satisfaction_rate": line.satisfaction_rate,
        })
    return records


def ledger_filename(breakdown: Breakdown, extension: str) -> str:
    """`Content-Disposition` naming the region and the period, in Chinese and ASCII."""
    period = breakdown.period
    span = f"{period.since or ''}_{period.until or ''}"
    name = _("%(area)s ledger %(since)s to %(until)s") % {
        "area": area_name(breakdown), "since": period.since or "…", "until": period.until or "…",
    }
    return attachment(f"{name}.{extension}",
                      ascii_name=f"ledger-{breakdown.total.code}-{span}.{extension}")


def _period_text(period: Period) -> str:
    return _("Period: %(since)s to %(until)s (by day received or visited)") % {
        "since": period.since or "…", "until": period.until or "…",
    }


def _append(sheet: Any, values: list[Any], *, bold: bool = False) -> None:
    """A row whose text cells are text (never formulas, codes keep their zeros)."""
    sheet.append(xlsx_row(sheet, values))
    for cell in sheet[sheet.max_row]:
        if isinstance(cell, Cell) and isinstance(cell.value, str):
            cell.data_type = "s"
            cell.number_format = "@"
        if bold:
            cell.font = Font(bold=True)


def ledger_workbook(
    breakdown: Breakdown, *, teams: TeamFiguresByChild | None = None
) -> bytes:
    area = area_name(breakdown)
    columns = ledger_columns()
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = _("Ledger")[:31]
    width = len(columns) + 2
    _append(sheet, [_("%(area)s veterans' service work ledger") % {"area": area}])
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=width)
    sheet["A1"].font = Font(size=14, bold=True)
    sheet["A1"].alignment = Alignment(horizontal="center")
    _append(sheet, [_("Area: %(area)s") % {"area": area}])
    _append(sheet, [_period_text(breakdown.period)])
    _append(sheet, [_("Units: as given under each heading; the total is the sum of the "
                      "lines above it (the own centre included)")])
    _append(sheet, [_("Region"), _("Code"), *(heading for heading, _unit in columns)],
            bold=True)
    _append(sheet, ["", "", *(unit for _heading, unit in columns)])
    for line in breakdown.lines:
        _append(sheet, [line_name(line), line.code, *ledger_values(line)],
                bold=line.kind not in (CHILD, OWN))
    for index in range(1, width + 1):
        sheet.column_dimensions[get_column_letter(index)].width = 16 if index > 2 else 20
    if teams is not None:
        teams_sheet(book, teams)
    out = BytesIO()
    book.save(out)
    return out.getvalue()
