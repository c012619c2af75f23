"""REST: the statistics endpoints, served from the rollups.

`GET /api/v1/stats/cases/` is fixed by docs/design.md §4; `GET /api/v1/stats/visits/`
stands beside it. Both answer CSV too, with `?format=csv`.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from centres import codes
from centres.dates import date_in_bounds
from centres.filters import NATION_OR_REGION_SCHEMA
from centres.requests import AuthenticatedRequest
from config.spreadsheets import SpreadsheetAPIView, XLSXRenderer
from dashboards.exports import ledger_filename, ledger_records, ledger_workbook
from dashboards.models import NATION
from dashboards.selectors import (
    DEFAULT_RANKING,
    Breakdown,
    Period,
    area_get_for_user,
    breakdown_figures,
    breakdown_get,
    breakdown_ranked,
    case_stats,
    visit_stats,
)


class StatsQuery(serializers.Serializer):
    region = serializers.CharField(
        help_text="region code, 6, 9 or 12 digits (its whole subtree); "
        "000000000000 is the nation (nationwide users only)"
    )
    since = serializers.DateField(
        required=False, validators=[date_in_bounds], help_text="first day, inclusive"
    )
    until = serializers.DateField(
        required=False, validators=[date_in_bounds], help_text="last day, inclusive"
    )

    def validate_region(self, value: str) -> str:
        if value.strip() in (NATION, NATION[:6]):
            return NATION
        try:
            return codes.normalize_code(value)
        except codes.InvalidCode as exc:
            raise serializers.ValidationError(str(exc)) from exc

    def to_internal_value(self, data: Any) -> Any:
        empty = [name for name in ("since", "until") if name in data and not data[name].strip()]
        if empty:  # strict, as the list filters (config/filters.py)
            message = _("This parameter is empty.")
            raise serializers.ValidationError({name: [message] for name in empty})
        return super().to_internal_value(data)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        since, until = attrs.get("since"), attrs.get("until")
        if since and until and since > until:
            raise serializers.ValidationError({"until": [_("until is before since.")]})
        return attrs


class ByLevel(serializers.Serializer):
    village = serializers.IntegerField()
    township = serializers.IntegerField()
    county = serializers.IntegerField()
    city = serializers.IntegerField()
    province = serializers.IntegerField()


class CaseStats(serializers.Serializer):
    region = serializers.CharField()
    total = serializers.IntegerField()
    open = serializers.IntegerField()
    resolved = serializers.IntegerField()
    closed = serializers.IntegerField()
    resolved_locally = serializers.IntegerField()
    local_resolution_rate = serializers.FloatField(allow_null=True)
    escalated = serializers.IntegerField()
    overdue = serializers.IntegerField()
    by_resolved_level = ByLevel()


class VisitStats(serializers.Serializer):
    region = serializers.CharField()
    total = serializers.IntegerField()
    by_channel = serializers.DictField(child=serializers.IntegerField())
    by_purpose = serializers.DictField(child=serializers.IntegerField())


class StatsView(SpreadsheetAPIView):
    def period_and_region(self, request: AuthenticatedRequest) -> tuple[Any, Period]:
        query = StatsQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        region = area_get_for_user(user=request.user, code=query.validated_data["region"])
        return region, Period(
            since=query.validated_data.get("since"), until=query.validated_data.get("until")
        )


PARAMETERS = [
    OpenApiParameter(
        "region", NATION_OR_REGION_SCHEMA, required=True,
        description="region code (6, 9 or 12 digits): its whole subtree; "
        "000000000000 is the nation (nationwide users only)",
    ),
    OpenApiParameter("since", OpenApiTypes.DATE, description="first day received/visited"),
    OpenApiParameter("until", OpenApiTypes.DATE, description="last day received/visited"),
]


def responses(serializer: type[serializers.Serializer]) -> dict[Any, Any]:
    """JSON, or with `format=csv` one header row and the figures (nested figures as
    `outer.inner` columns; codes quoted as text, rates 0–1 with 4 decimals)."""
    return {
        (200, "application/json"): serializer,
        (200, "text/csv"): OpenApiTypes.STR,
    }


class CaseStatsView(StatsView):
    """Case statistics of a region's subtree, counted by the region where cases were received."""

    @extend_schema(parameters=PARAMETERS, responses=responses(CaseStats))
    def get(self, request: AuthenticatedRequest) -> Response:
        region, period = self.period_and_region(request)
        figures = case_stats(region=region, period=period)
        return self.named(Response(figures), **_names(_("case statistics"), "cases",
                                                     figures, period))


class VisitStatsView(StatsView):
    """Visits in a region's subtree, by channel and purpose."""

    @extend_schema(parameters=PARAMETERS, responses=responses(VisitStats))
    def get(self, request: AuthenticatedRequest) -> Response:
        region, period = self.period_and_region(request)
        figures = visit_stats(region=region, period=period)
        return self.named(Response(figures), **_names(_("visit statistics"), "visits",
                                                     figures, period))


def _names(what: str, ascii_what: str, figures: dict[str, Any],
           period: Period) -> dict[str, str]:
    """The file's name: what, the region's code and the period."""
    span = f"{period.since or ''}_{period.until or ''}"
    return {"filename": f"{figures['region']} {what} {span}",
            "ascii_name": f"{ascii_what}-{figures['region']}-{span}"}


class CaseLine(CaseStats):
    name = serializers.CharField()
    level = serializers.CharField()


class CaseBreakdown(serializers.Serializer):
    region = serializers.CharField()
    own = CaseStats(help_text="the region's own centre (本级)")
    rows = CaseLine(many=True, help_text="each child region's whole subtree, in code order")
    total = CaseStats(help_text="own + Σ rows, for every count; equals stats/cases")


class CaseBreakdownView(StatsView):
    """Case statistics of a region broken down: its own centre (本级), each child region,
    and the total. `format=csv` answers the ledger's lines (with centres and visits),
    `format=xlsx` the ledger workbook of the dashboard."""

    renderer_classes = [*StatsView.renderer_classes, XLSXRenderer]

    @extend_schema(
        parameters=PARAMETERS,
        responses={**responses(CaseBreakdown), (200, XLSXRenderer.media_type): OpenApiTypes.BINARY},
    )
    def get(self, request: AuthenticatedRequest) -> Response:
        region, period = self.period_and_region(request)
        breakdown: Breakdown = breakdown_get(region=region, period=period)
        if self.wants_file(request):
            # The files are the dashboard's ledger, ranked as the page ranks (`sort`).
            breakdown = breakdown_ranked(
                breakdown, request.query_params.get("sort", DEFAULT_RANKING)
            )
        if request.accepted_renderer.format == "xlsx":
            response = Response(ledger_workbook(breakdown))
        elif request.accepted_renderer.format == "csv":
            response = Response(ledger_records(breakdown))
        else:
            return Response(breakdown_figures(breakdown))
        response["Content-Disposition"] = ledger_filename(
            breakdown, request.accepted_renderer.format
        )
        return response
