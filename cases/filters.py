"""django-filter set for the case list (API)."""

from __future__ import annotations

import datetime

import django_filters
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases.models import Case, Category, Status
from centres.filters import SubtreeFilter
from centres.models import Level
from config.days import local_day_end, local_day_start


class CaseFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=Status.choices, label=_("status"))
    level = django_filters.ChoiceFilter(choices=Level.choices, label=_("level"))
    category = django_filters.ChoiceFilter(choices=Category.choices, label=_("category"))
    since = django_filters.DateFilter(method="filter_since", label=_("received on or after"))
    until = django_filters.DateFilter(method="filter_until", label=_("received on or before"))
    overdue = django_filters.BooleanFilter(method="filter_overdue", label=_("overdue"))
    region = SubtreeFilter(
        field_name="received_region_id", label=_("receiving region code (whole subtree)")
    )
    centre = SubtreeFilter(field_name="region_id", label=_("holding region code (whole subtree)"))

    class Meta:
        model = Case
        fields = ["status", "level", "category", "since", "until", "overdue", "region", "centre"]

    def filter_since(self, qs: QuerySet, name: str, value: datetime.date) -> QuerySet:
        return qs.filter(received_at__gte=local_day_start(value))

    def filter_until(self, qs: QuerySet, name: str, value: datetime.date) -> QuerySet:
        return qs.filter(received_at__lt=local_day_end(value))

    def filter_overdue(self, qs: QuerySet, name: str, value: bool | None) -> QuerySet:
        if value is None:
            return qs
        live = Q(status=Status.OPEN, deadline__lt=timezone.now())
        return qs.filter(live) if value else qs.exclude(live)
