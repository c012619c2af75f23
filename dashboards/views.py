"""Pages: the dashboard of the user's area and of any region below it, and its ledger export."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render

from centres.requests import AuthenticatedHttpRequest
from centres.selectors import region_ancestors, user_root_region
from dashboards.charts import bar_chart
from dashboards.exports import ledger_columns, ledger_values, ledger_workbook
from dashboards.forms import PeriodForm
from dashboards.selectors import area_get_for_user, dashboard_get

SORTS = {
    "visits": lambda f: f.sums["visits"],
    "cases": lambda f: f.cases["total"],
    "overdue": lambda f: f.overdue,
    "local": lambda f: f.cases["local_resolution_rate"] or 0,
}


@login_required
def dashboard(request: AuthenticatedHttpRequest, code: str | None = None) -> HttpResponse:
    region = area_get_for_user(user=request.user, code=code)
    form = PeriodForm(request.GET or None)
    board = dashboard_get(user=request.user, region=region, period=form.period())
    children = list(board.children)
    sort = request.GET.get("sort", "")
    if sort in SORTS:
        children.sort(key=SORTS[sort], reverse=True)
    root = user_root_region(request.user)
    months = board.months
    context = {
        "board": board,
        "region": region,
        "root": root,
        "ancestors": region_ancestors(region, below=root) if region and region != root else [],
        "form": form,
        "sort": sort,
        "children": children,
        "columns": ledger_columns(),
        "rows": [
            (child, ledger_values(child, child.centres.centres_total if child.centres else None))
            for child in children
        ],
        "total": ledger_values(board.own, sum(n for _label, n in board.centres_by_level)),
        "visits_chart": bar_chart([(m.month.strftime("%Y-%m"), m.visits) for m in months]),
        "cases_chart": bar_chart([(m.month.strftime("%Y-%m"), m.cases) for m in months]),
        "query": request.GET.urlencode(),
    }
    return render(request, "dashboards/dashboard.html", context)


@login_required
def dashboard_export(request: AuthenticatedHttpRequest, code: str | None = None) -> HttpResponse:
    region = area_get_for_user(user=request.user, code=code)
    period = PeriodForm(request.GET or None).period()
    board = dashboard_get(user=request.user, region=region, period=period)
    response = HttpResponse(
        ledger_workbook(board),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    name = region.code if region else "nation"
    response["Content-Disposition"] = f'attachment; filename="ledger-{name}.xlsx"'
    return response
