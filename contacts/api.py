"""REST: `GET /api/v1/stats/contacts/` (fixed): the regular-contact figures of a region."""

from __future__ import annotations

import datetime
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import permissions, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from centres.filters import REGION_CODE_SCHEMA
from centres.requests import AuthenticatedRequest
from centres.selectors import region_get_for_user
from contacts.selectors import contact_figures

# The dates a statistics query may name.
FIRST_DAY, LAST_DAY = datetime.date(2000, 1, 1), datetime.date(2100, 12, 31)


# A day from 2000-01-01 to 2100-12-31, as the schema can say it.
DAY_SCHEMA = {
    "type": "string", "format": "date",
    "pattern": "^(20[0-9]{2}|2100)-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$",
}


class ContactStatsQuery(serializers.Serializer):
    region = serializers.CharField(help_text="region code, 6, 9 or 12 digits (its subtree)")
    on = serializers.DateField(required=False, help_text="a day (default today)")

    def validate_on(self, value: datetime.date) -> datetime.date:
        if not FIRST_DAY <= value <= LAST_DAY:
            raise serializers.ValidationError(_("Give a date from 2000-01-01 to 2100-12-31."))
        return value


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
