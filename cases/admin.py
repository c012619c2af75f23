from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from cases.models import Case, CaseEvent, Notification


class CaseEventInline(admin.TabularInline):
    model = CaseEvent
    extra = 0
    can_delete = False
    fields = ["at", "kind", "by", "from_centre", "to_centre", "note"]
    readonly_fields = ["at", "kind", "by", "from_centre", "to_centre", "note"]

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Case)
class CaseAdmin(admin.ModelAdmin):
    """Read-only: every change of a case goes through its services (the pages and the API)."""

    list_display = ["number", "category", "status", "level", "centre", "received_at", "deadline"]
    list_filter = ["status", "level", "category", "risk_level"]
    search_fields = ["number", "summary"]
    list_select_related = ["centre"]
    show_full_result_count = False
    inlines = [CaseEventInline]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["case", "centre", "kind", "deadline", "created_at"]
    list_filter = ["kind"]
    list_select_related = ["case", "centre"]
    raw_id_fields = ["case", "centre", "region"]
