"""django-filter sets for regions and centres, and the region-code filter others reuse."""

from __future__ import annotations

from typing import Any

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field

from centres import codes
from centres.models import Centre, Level, Region, centre_search_q, search_q, within_q
from centres.selectors import RegionNotFound, region_resolve


class RegionCodeField(forms.CharField):
    """A 6-, 9- or 12-digit region code, cleaned to 12 digits."""

    def clean(self, value: Any) -> str:
        value = super().clean(value)
        if not value:
            return ""
        try:
            return codes.normalize_code(value)
        except codes.InvalidCode as exc:
            # The message quotes the input, which may hold a `%`: pass it as a parameter,
            # since forms and django-filter both apply `message % params`.
            raise ValidationError(
                "%(message)s", code="invalid_code", params={"message": str(exc)}
            ) from exc


# In the API schema: 6, 9 or 12 digits, not starting with 00 (what normalize_code accepts).
REGION_CODE_SCHEMA = {
    "type": "string",
    "pattern": "^([1-9][0-9]|0[1-9])([0-9]{4}|[0-9]{7}|[0-9]{10})$",
    "example": "330681",
}
# A region code, or the nation's (zeros): the statistics' `region`.
NATION_OR_REGION_SCHEMA = {
    **REGION_CODE_SCHEMA,
    "pattern": "^(?:000000(?:000000)?|" + str(REGION_CODE_SCHEMA["pattern"])[1:-1] + ")$",
}


@extend_schema_field(REGION_CODE_SCHEMA)
class RegionCodeFilter(django_filters.CharFilter):
    field_class = RegionCodeField


class RegionNameOrCodeField(RegionCodeField):
    """A region code, or a place name or path (枫桥镇, 东山镇 › 青石村) in the user's area.

    The filter set gives the field its `user`; without one only codes are read.
    """

    user: Any = None

    def clean(self, value: Any) -> str:
        text = forms.CharField.clean(self, value)
        if not text or (text.isascii() and text.isdigit()) or self.user is None:
            return super().clean(value)
        try:
            return region_resolve(user=self.user, text=text).code
        except RegionNotFound as exc:
            raise ValidationError(
                "%(message)s", code="invalid_region", params={"message": str(exc)}
            ) from exc


class SubtreeFilter(RegionCodeFilter):
    """Rows whose region code field lies in the subtree of the given code."""

    def filter(self, qs: QuerySet, value: str) -> QuerySet:
        if not value:
            return qs
        return qs.filter(within_q(value, self.field_name))


class SubtreeByNameFilter(SubtreeFilter):
    """The subtree of a region given by its code or by its name in the user's area.

    The API documents the code (its schema is the code's); a name is a convenience of
    the pages and is not promised to API clients.
    """

    field_class = RegionNameOrCodeField


class UserFieldsMixin:
    """Hands the request's user to the fields that read names in the user's area."""

    request: Any

    @property
    def form(self) -> forms.Form:
        form = super().form  # type: ignore[misc]
        for field in form.fields.values():
            if isinstance(field, RegionNameOrCodeField):
                field.user = getattr(self.request, "user", None)
        return form


class RegionFilter(django_filters.FilterSet):
    parent = RegionCodeFilter(field_name="parent_id", label=_("parent region code"))
    level = django_filters.ChoiceFilter(choices=Level.choices, label=_("level"))
    search = django_filters.CharFilter(method="filter_search", label=_("name or code"))

    class Meta:
        model = Region
        fields = ["parent", "level", "search"]

    def filter_search(self, qs: QuerySet, name: str, value: str) -> QuerySet:
        return qs.filter(search_q(value, code_field="code", name_fields=("name",)))


class CentreFilter(django_filters.FilterSet):
    region = SubtreeFilter(field_name="region_id", label=_("region code (whole subtree)"))
    level = django_filters.ChoiceFilter(choices=Level.choices, label=_("level"))
    search = django_filters.CharFilter(method="filter_search", label=_("name or code"))

    class Meta:
        model = Centre
        fields = ["region", "level", "search"]

    def filter_search(self, qs: QuerySet, name: str, value: str) -> QuerySet:
        return qs.filter(centre_search_q(value))
