"""django-filter sets for the roster and the service records (API)."""

from __future__ import annotations

import django_filters
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from centres.filters import SubtreeFilter
from teams.models import Post, ServiceRecord, Team, VillageCadre


class VillageCadreFilter(django_filters.FilterSet):
    region = SubtreeFilter(field_name="village_id", label=_("region code (whole subtree)"))
    post = django_filters.ChoiceFilter(choices=Post.choices, label=_("post"))
    current = django_filters.BooleanFilter(method="filter_current",
                                           label=_("held now (default true)"))

    class Meta:
        model = VillageCadre
        fields = ["region", "post", "current"]

    def filter_queryset(self, queryset: QuerySet) -> QuerySet:
        # `current` defaults to true: the roster as it stands.
        if self.form.cleaned_data.get("current") is None and "current" not in self.data:
            queryset = queryset.filter(until__isnull=True)
        return super().filter_queryset(queryset)

    def filter_current(self, qs: QuerySet, name: str, value: bool | None) -> QuerySet:
        if value is None:
            return qs
        return qs.filter(until__isnull=value)


class TeamFilter(django_filters.FilterSet):
    region = SubtreeFilter(field_name="region_id", label=_("region code (whole subtree)"))
    kind = django_filters.ChoiceFilter(choices=Team.Kind.choices, label=_("kind"))

    class Meta:
        model = Team
        fields = ["region", "kind"]


class ServiceRecordFilter(django_filters.FilterSet):
    region = SubtreeFilter(field_name="region_id", label=_("region code (whole subtree)"))
    team = django_filters.NumberFilter(field_name="team_id", label=_("team"))
    status = django_filters.ChoiceFilter(choices=ServiceRecord.Status.choices,
                                         label=_("status"))
    since = django_filters.DateFilter(field_name="date", lookup_expr="gte",
                                      label=_("on or after"))
    until = django_filters.DateFilter(field_name="date", lookup_expr="lte",
                                      label=_("on or before"))

    class Meta:
        model = ServiceRecord
        fields = ["region", "team", "status", "since", "until"]
