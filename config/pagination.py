"""Pages of API lists, without a full COUNT where a list can hold millions of rows.

A nationwide user's list of veterans or visits would pay for counting every row on
each page. Where PostgreSQL's planner expects at least EXACT_COUNT_BELOW rows, the
page reports the planner's estimate as `count` and says so (`count_estimated`);
below that the count is exact. Pages are still numbered.
"""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.core.paginator import Paginator
from django.db import connections
from django.db.models import QuerySet
from django.utils.functional import cached_property
from rest_framework import pagination
from rest_framework.response import Response


def planner_estimate(queryset: QuerySet[Any]) -> int | None:
    """The planner's row estimate for a queryset (PostgreSQL), without running it."""
    if connections[queryset.db].vendor != "postgresql":
        return None
    plan = json.loads(queryset.order_by().explain(format="json"))
    return int(plan[0]["Plan"]["Plan Rows"])


class EstimatedCountPaginator(Paginator):
    estimated = False

    @cached_property
    def count(self) -> int:
        if isinstance(self.object_list, QuerySet):
            estimate = planner_estimate(self.object_list)
            if estimate is not None and estimate >= settings.EXACT_COUNT_BELOW:
                self.estimated = True
                return estimate
        return super().count


class PageNumberPagination(pagination.PageNumberPagination):
    """Pages of 50 by default; a client may ask for up to 500 with `page_size`."""

    django_paginator_class = EstimatedCountPaginator
    page_size_query_param = "page_size"
    max_page_size = 500

    def get_paginated_response(self, data: Any) -> Response:
        response = super().get_paginated_response(data)
        paginator = self.page.paginator if self.page is not None else None
        response.data["count_estimated"] = isinstance(paginator, EstimatedCountPaginator) and (
            paginator.estimated
        )
        return response

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        answer = super().get_paginated_response_schema(schema)
        answer["properties"]["count_estimated"] = {
            "type": "boolean",
            "description": "`count` is the database planner's estimate (a list of at least "
            "EXACT_COUNT_BELOW rows), not an exact count",
        }
        return answer
