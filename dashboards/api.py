"""REST: the statistics endpoints, served from the rollups.

`GET /api/v1/stats/cases/` is fixed by docs/design.md §4; `GET /api/v1/stats/visits/`
stands beside it. Both answer CSV too, with `?format=csv`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.renderers import BaseRenderer, BrowsableAPIRenderer, JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from centres import codes
from centres.filters import REGION_CODE_SCHEMA
from centres.requests import AuthenticatedRequest
from dashboards.models import NATION
from dashboards.selectors import Period, area_get_for_user, case_stats, visit_stats


class StatsQuery(serializers.Serializer):
    region = serializers.CharField(
        help_text="region code, 6, 9 or 12 digits (its whole subtree); "
        "000000000000 is the nation (nationwide users only)"
    )
    since = serializers.DateField(required=False, help_text="first day, inclusive")
    until = serializers.DateField(required=False, help_text="last day, inclusive")

    def validate_region(self, value: str) -> str:
        if value.strip() in (NATION, NATION[:6]):
            return NATION
        try:
            return codes.normalize_code(value)
        except codes.InvalidCode as exc:
            raise serializers.ValidationError(str(exc)) from exc

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


class CSVRenderer(BaseRenderer):
    """One header row and one row of figures; nested figures become `outer.inner` columns."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(
        self, data: Any, accepted_media_type: str | None = None,
        renderer_context: Mapping[str, Any] | None = None,
    ) -> bytes:
        import csv
        import io

        flat = dict(_flatten(data)) if isinstance(data, dict) else {"detail": data}
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(flat.keys())
        writer.writerow(["" if value is None else value for value in flat.values()])
        return ("\ufeff" + out.getvalue()).encode("utf-8")  # BOM: Excel opens it as UTF-8


def _flatten(data: dict[str, Any], prefix: str = "") -> list[tuple[str, Any]]:
    items: list[tuple[str, Any]] = []
    for key, value in data.items():
        if isinstance(value, dict):
            items += _flatten(value, f"{prefix}{key}.")
        else:
            items.append((f"{prefix}{key}", value))
    return items


class StatsView(APIView):
    request: AuthenticatedRequest
    renderer_classes = [JSONRenderer, BrowsableAPIRenderer, CSVRenderer]

    def handle_exception(self, exc: Exception) -> Response:
        """Errors answer JSON even when CSV was asked for: a message, not a spreadsheet."""
        response = super().handle_exception(exc)
        if isinstance(getattr(self.request, "accepted_renderer", None), CSVRenderer):
            self.request.accepted_renderer = JSONRenderer()
            self.request.accepted_media_type = JSONRenderer.media_type
        return response

    def period_and_region(self, request: AuthenticatedRequest) -> tuple[Any, Period]:
        query = StatsQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        region = area_get_for_user(user=request.user, code=query.validated_data["region"])
        return region, Period(
            since=query.validated_data.get("since"), until=query.validated_data.get("until")
        )


# A region code, or the nation's (zeros).
STATS_REGION_SCHEMA = {
    **REGION_CODE_SCHEMA,
    "pattern": "^(?:000000(?:000000)?|" + str(REGION_CODE_SCHEMA["pattern"])[1:-1] + ")$",
}

PARAMETERS = [
    OpenApiParameter(
        "region", STATS_REGION_SCHEMA, required=True,
        description="region code (6, 9 or 12 digits): its whole subtree; "
        "000000000000 is the nation (nationwide users only)",
    ),
    OpenApiParameter("since", OpenApiTypes.DATE, description="first day received/visited"),
    OpenApiParameter("until", OpenApiTypes.DATE, description="last day received/visited"),
]


def responses(serializer: type[serializers.Serializer]) -> dict[Any, Any]:
    """JSON, or with `format=csv` one header row and one row of figures."""
    return {
        (200, "application/json"): serializer,
        (200, "text/csv"): OpenApiTypes.STR,
    }


class CaseStatsView(StatsView):
    """Case statistics of a region's subtree, counted by the region where cases were received."""

    @extend_schema(parameters=PARAMETERS, responses=responses(CaseStats))
    def get(self, request: AuthenticatedRequest) -> Response:
        region, period = self.period_and_region(request)
        return Response(case_stats(region=region, period=period))


class VisitStatsView(StatsView):
    """Visits in a region's subtree, by channel and purpose."""

    @extend_schema(parameters=PARAMETERS, responses=responses(VisitStats))
    def get(self, request: AuthenticatedRequest) -> Response:
        region, period = self.period_and_region(request)
        return Response(visit_stats(region=region, period=period))
