"""Admin: officials edit the standards (rubric as data); the rest is read-mostly.

An official reaches the admin with Django's "staff status" flag; the standards
pages then let them add and change standards, dimensions and indicators without
further model permissions. Designations and assessments change only through the
services (the pages and the API), so the admin shows them read-only.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from centres.models import User
from demonstration.models import (
    Assessment,
    AssessmentEvent,
    AssessmentScore,
    Designation,
    Standard,
    StandardDimension,
    StandardItem,
    TargetSnapshot,
)


def _is_official_or_superuser(request: HttpRequest) -> bool:
    user = request.user
    if not isinstance(user, User):
        return False
    return user.is_active and user.is_staff and (user.is_superuser or user.is_official)


class OfficialsEdit:
    """Officials with admin access may edit; superusers always."""

    def has_module_permission(self, request: HttpRequest) -> bool:
        return _is_official_or_superuser(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return _is_official_or_superuser(request)

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return _is_official_or_superuser(request)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return _is_official_or_superuser(request)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return _is_official_or_superuser(request)


class ReadOnly:
    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class StandardDimensionInline(OfficialsEdit, admin.TabularInline):
    model = StandardDimension
    extra = 0
    fields = ["code", "floor", "order"]
    show_change_link = True


class StandardItemInline(OfficialsEdit, admin.TabularInline):
    model = StandardItem
    extra = 0
    fields = ["number", "text", "max_points", "order"]


@admin.register(Standard)
class StandardAdmin(OfficialsEdit, admin.ModelAdmin):
    list_display = ["name", "year", "version", "pass_mark"]
    list_filter = ["year"]
    inlines = [StandardDimensionInline]


@admin.register(StandardDimension)
class StandardDimensionAdmin(OfficialsEdit, admin.ModelAdmin):
    list_display = ["standard", "code", "floor", "order"]
    list_filter = ["standard"]
    list_select_related = ["standard"]
    inlines = [StandardItemInline]


class AssessmentScoreInline(ReadOnly, admin.TabularInline):
    model = AssessmentScore
    extra = 0
    fields = ["item", "points", "note", "evidence"]


class AssessmentEventInline(ReadOnly, admin.TabularInline):
    model = AssessmentEvent
    extra = 0
    fields = ["at", "action", "from_status", "to_status", "by", "note"]


@admin.register(Assessment)
class AssessmentAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ["centre", "year", "status", "score", "passed", "decided_at"]
    list_filter = ["status", "year", "passed"]
    search_fields = ["centre__name", "centre__region__code"]
    list_select_related = ["centre"]
    inlines = [AssessmentScoreInline, AssessmentEventInline]


@admin.register(Designation)
class DesignationAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ["centre", "year", "grade", "source", "revoked_on"]
    list_filter = ["year", "grade", "source"]
    search_fields = ["centre__name", "centre__region__code"]
    list_select_related = ["centre"]


@admin.register(TargetSnapshot)
class TargetSnapshotAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ["region", "year", "date", "total", "demonstration", "meets_target", "shortfall"]
    list_filter = ["year", "date", "meets_target"]
    list_select_related = ["region"]
    show_full_result_count = False
