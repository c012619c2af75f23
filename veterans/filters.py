"""django-filter sets for the registry and the visit log (pages, exports and the API)."""

from __future__ import annotations

import datetime

import django_filters
from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from centres.filters import RegionCodeFilter, SubtreeByNameFilter, SubtreeFilter, UserFieldsMixin
from config.days import local_day_end, local_day_start
from veterans.models import Veteran, Visit
from veterans.selectors import veteran_search_q


class FlagFilter(django_filters.BooleanFilter):
    """A checkbox: ticked keeps the rows with the flag; unticked filters nothing."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        kwargs.setdefault("widget", forms.CheckboxInput)
        super().__init__(*args, **kwargs)

    def filter(self, qs: QuerySet, value: bool | None) -> QuerySet:
        return qs.filter(**{self.field_name: True}) if value else qs


class VeteranFilter(UserFieldsMixin, django_filters.FilterSet):
    region = SubtreeByNameFilter(
        field_name="region_id", label=_("area (name or region code, whole subtree)")
    )
    search = django_filters.CharFilter(method="filter_search", label=_("name, ID number or phone"))
    disabled = FlagFilter(field_name="is_disabled", label=_("disabled veteran"))
    martyr_family = FlagFilter(field_name="is_martyr_family", label=_("martyr's family"))
    needs_assistance = FlagFilter(field_name="needs_assistance", label=_("needs assistance"))
    party_secretary = FlagFilter(
        field_name="is_party_secretary", label=_("veteran village party secretary")
    )
    volunteer = FlagFilter(field_name="is_volunteer", label=_("volunteer team member"))
    decorated = FlagFilter(field_name="is_decorated", label=_("decorated"))
    took_part_in_combat = FlagFilter(
        field_name="took_part_in_combat", label=_("took part in combat or weapons tests")
    )

    class Meta:
        model = Veteran
        fields = [
            "region", "search", "disabled", "martyr_family", "needs_assistance",
            "party_secretary", "volunteer", "decorated", "took_part_in_combat",
        ]

    def filter_search(self, qs: QuerySet, name: str, value: str) -> QuerySet:
        return qs.filter(veteran_search_q(value))


class VisitFilter(django_filters.FilterSet):
    centre = RegionCodeFilter(field_name="region_id", label=_("centre (its region code)"))
    region = SubtreeFilter(field_name="region_id", label=_("region code (whole subtree)"))
    since = django_filters.DateFilter(method="filter_since", label=_("since (date)"))
    until = django_filters.DateFilter(method="filter_until", label=_("until (date, inclusive)"))
    purpose = django_filters.ChoiceFilter(choices=Visit.Purpose.choices, label=_("purpose"))
    channel = django_filters.ChoiceFilter(choices=Visit.Channel.choices, label=_("channel"))

    class Meta:
        model = Visit
        fields = ["centre", "region", "since", "until", "purpose", "channel"]

    def filter_since(self, qs: QuerySet, name: str, value: datetime.date) -> QuerySet:
        return qs.filter(visited_at__gte=local_day_start(value))

    def filter_until(self, qs: QuerySet, name: str, value: datetime.date) -> QuerySet:
        return qs.filter(visited_at__lt=local_day_end(value))
