"""REST: `GET /api/v1/stats/contacts/` (fixed): the regular-contact figures of a region."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import permissions, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from centres.dates import DATE_PATTERN, date_in_bounds
from centres.filters import REGION_CODE_SCHEMA
from centres.requests import AuthenticatedRequest
from centres.selectors import region_get_for_user
from contacts.selectors import contact_figures

# A day of the one date rule (centres.dates), as the schema says it.
DAY_SCHEMA = {"type": "string", "format": "date", "pattern": DATE_PATTERN}


class ContactStatsQuery(serializers.Serializer):
    region = serializers.CharField(help_text="region code, 6, 9 or 12 digits (its subtree)")
    on = serializers.DateField(required=False, validators=[date_in_bounds],
                               help_text="a day (default today)")


class ContactStats(serializers.Serializer):
    region = serializers.CharField()
    priority_veterans = serializers.IntegerField()
    contacted_this_quarter = serializers.IntegerField()
    home_visited_this_year = serializers.IntegerField()


class ContactStatsView(APIView):
    """Priority veterans whose home lies in the region's subtree (flagged now), and how
    many had a visit (any centre, any channel) in the calendar quarter of `on` and a
    home visit in its calendar year (Asia/Shanghai)."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(
        parameters=[
            OpenApiParameter("region", REGION_CODE_SCHEMA, required=True,
                             description="region code (6, 9 or 12 digits): its whole subtree"),
            OpenApiParameter("on", DAY_SCHEMA, required=False,
                             description="a day from 2000-01-01 to 2100-12-31 (default today)"),
        ],
        responses=ContactStats,
    )
    def get(self, request: AuthenticatedRequest) -> Response:
        query = ContactStatsQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        region = region_get_for_user(user=request.user, code=query.validated_data["region"])
        on = query.validated_data.get("on") or timezone.localdate()
        figures = contact_figures(code=region.code, on=on)
        answer: dict[str, Any] = {
            "region": region.code,
            "priority_veterans": figures.priority_veterans,
            "contacted_this_quarter": figures.contacted_this_quarter,
            "home_visited_this_year": figures.home_visited_this_year,
        }
        return Response(ContactStats(answer).data)
