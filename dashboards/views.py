"""Pages: the dashboard of the user's area and of any region below it, and its ledger export."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from centres.models import Level, Region
from centres.requests import AuthenticatedHttpRequest
from centres.selectors import region_ancestors, user_root_region
from config.spreadsheets import SpreadsheetCSVRenderer, XLSXRenderer
from contacts.selectors import contact_coverage
from dashboards.charts import bar_chart
from dashboards.exports import (
    ledger_columns,
    ledger_filename,
    ledger_records,
    ledger_values,
    ledger_workbook,
    line_name,
)
from dashboards.forms import PeriodForm, period_shortcuts
from dashboards.selectors import (
    DEFAULT_RANKING,
    RANKINGS,
    area_get_for_user,
    breakdown_ranked,
    dashboard_get,
)
from teams.exports import FIGURE_COLUMNS, figure_rows
from teams.selectors import team_stats_by_child


def counted_from_raw_rows(region: Region | None) -> bool:
    """Whether the page counts the social forces and regular contact by child region.

    Those figures are counted from the raw rows (no rollups hold them yet): cheap for a
    county and below, seconds for a province or the nation, whose officials read them
    per county here or for any area from `stats/teams` and `stats/contacts`.
    """
    return region is not None and region.level in (Level.COUNTY, Level.TOWNSHIP,
                                                     Level.VILLAGE)


def _sort(request: AuthenticatedHttpRequest) -> str:
    sort = request.GET.get("sort", "")
    return sort if sort in RANKINGS else DEFAULT_RANKING


@login_required
def dashboard(request: AuthenticatedHttpRequest, code: str | None = None) -> HttpResponse:
    region = area_get_for_user(user=request.user, code=code)
    form = PeriodForm(request.GET or None)
    board = dashboard_get(user=request.user, region=region, period=form.period())
    sort = _sort(request)
    breakdown = breakdown_ranked(board.breakdown, sort)
    root = user_root_region(request.user)
    raw = counted_from_raw_rows(region)
    months = board.months
    keep = request.GET.copy()
    keep.pop("sort", None)
    context = {
        "board": board,
        "region": region,
        "root": root,
        "ancestors": region_ancestors(region, below=root) if region and region != root else [],
        "form": form,
        "shortcuts": period_shortcuts(),
        "sort": sort,
        "sort_labels": [("cases", _("Cases received")), ("visits", _("Visits")),
                        ("overdue", _("Overdue")), ("local", _("Local resolution rate"))],
        "columns": ledger_columns(),
        "lines": [(line, line_name(line), ledger_values(line)) for line in breakdown.lines],
        "visits_chart": bar_chart([(m.month.strftime("%Y-%m"), m.visits) for m in months]),
        "cases_chart": bar_chart([(m.month.strftime("%Y-%m"), m.cases) for m in months]),
        "query": request.GET.urlencode(),
        "period_query": keep.urlencode(),
        "raw_figures": raw,
        "team_columns": FIGURE_COLUMNS,
        "team_rows": figure_rows(team_stats_by_child(region=region)) if raw else [],
        "coverage": contact_coverage(region=region, on=timezone.localdate()) if raw else None,
    }
    return render(request, "dashboards/dashboard.html", context)


@login_required
def dashboard_export(
    request: AuthenticatedHttpRequest, code: str | None = None, extension: str = "xlsx"
) -> HttpResponse:
    """The ledger of the page's table, in the page's order: .xlsx, or .csv."""
    region = area_get_for_user(user=request.user, code=code)
    period = PeriodForm(request.GET or None).period()
    board = dashboard_get(user=request.user, region=region, period=period)
    breakdown = breakdown_ranked(board.breakdown, _sort(request))
    if extension == "csv":
        response = HttpResponse(SpreadsheetCSVRenderer().render(ledger_records(breakdown)),
                                content_type="text/csv; charset=utf-8")
    else:
        teams = team_stats_by_child(region=region) if counted_from_raw_rows(region) else None
        workbook = ledger_workbook(breakdown, teams=teams)
        response = HttpResponse(workbook, content_type=XLSXRenderer.media_type)
    response["Content-Disposition"] = ledger_filename(breakdown, extension)
    return response
