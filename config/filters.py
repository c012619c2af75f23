"""Strict filters: a query parameter the API knows is used or refused, never ignored."""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django_filters import BooleanFilter
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework.exceptions import ValidationError as BadRequest

from centres.dates import date_in_bounds

BOOLEAN_VALUES = {"true", "false", "1", "0"}


class StrictFilterBackend(DjangoFilterBackend):
    """django-filter's backend, refusing (400, by parameter) what it would let through.

    django-filter skips a filter whose value is empty (`?parent=`), and a date filter
    takes any date the calendar has (`?until=9999-12-31`), which later arithmetic
    cannot, and a yes/no filter reads `?overdue=perhaps` as not given. All are
    answered 400 naming the parameter; so is any other malformed value.
    """

    def filter_queryset(self, request: Any, queryset: QuerySet, view: Any) -> QuerySet:
        filterset = self.get_filterset(request, queryset, view)
        if filterset is None:
            return queryset
        errors: dict[str, list[str]] = {}
        if not filterset.is_valid():
            errors.update({name: list(messages) for name, messages in filterset.errors.items()})
        cleaned = getattr(filterset.form, "cleaned_data", {})
        for name in filterset.filters:
            values = request.query_params.getlist(name)
            if values and not any(value.strip() for value in values):
                errors.setdefault(name, []).append(_("This parameter is empty."))
            elif values and isinstance(filterset.filters[name], BooleanFilter) and any(
                value.strip().lower() not in BOOLEAN_VALUES for value in values
            ):
                # A ticked-box filter reads any text (`?disabled=-1`) as ticked.
                errors.setdefault(name, []).append(_("Give true or false."))
            elif values and name in cleaned and cleaned[name] in (None, ""):
                # e.g. `?overdue=perhaps`, which a yes/no filter reads as "not given".
                errors.setdefault(name, []).append(_("This value is not understood."))
        for name, value in cleaned.items():
            if isinstance(value, datetime.date) and name not in errors:
                try:
                    date_in_bounds(value)
                except ValidationError as exc:
                    errors[name] = list(exc.messages)
        if errors:
            raise BadRequest(errors)
        return filterset.qs
