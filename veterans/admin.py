from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from veterans.models import AuditEntry, ImportJob, TransferRequest, Veteran, Visit


@admin.register(Veteran)
class VeteranAdmin(admin.ModelAdmin):
    # The admin lists masked numbers too; the full number is on the audited detail page.
    # The birth year only: the birth date beside the mask would give the number away.
    list_display = ["name", "masked", "sex", "birth_year", "region", "needs_assistance"]
    list_filter = ["needs_assistance", "is_party_secretary", "is_disabled", "is_martyr_family"]
    search_fields = ["name", "=id_number", "phone"]
    raw_id_fields = ["region"]
    list_select_related = ["region"]
    show_full_result_count = False
    exclude = ["id_number", "birth_date"]
    readonly_fields = ["masked", "birth_year"]

    @admin.display(description=_("resident ID number"))
    def masked(self, obj: Veteran) -> str:
        return obj.id_number_masked

    @admin.display(description=_("birth year"))
    def birth_year(self, obj: Veteran) -> int:
        return obj.birth_year

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # registration goes through the audited pages and API

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Visit)
class VisitAdmin(admin.ModelAdmin):
    list_display = ["visited_at", "veteran", "centre", "channel", "purpose", "outcome"]
    list_filter = ["channel", "purpose", "outcome"]
    raw_id_fields = ["veteran", "centre", "region", "recorded_by"]
    list_select_related = ["veteran", "centre"]
    show_full_result_count = False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    """Read-only: the log is append-only."""

    list_display = ["at", "actor", "action", "object_type", "object_id"]
    list_filter = ["action", "object_type"]
    search_fields = ["object_id", "actor__username"]
    list_select_related = ["actor"]
    show_full_result_count = False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(ImportJob)
class ImportJobAdmin(admin.ModelAdmin):
    list_display = ["original_name", "created_by", "created_at", "mode", "status",
                    "rows_imported", "error_count"]
    list_filter = ["status", "mode"]
    exclude = ["errors"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(TransferRequest)
class TransferRequestAdmin(admin.ModelAdmin):
    """Read-only: requests are decided on the transfer requests page, audited."""

    list_display = ["created_at", "veteran", "region", "holding_region", "requested_by",
                    "status", "decided_at"]
    list_filter = ["status"]
    list_select_related = ["veteran", "region", "holding_region", "requested_by"]
    raw_id_fields = ["veteran", "region", "holding_region", "requested_by", "decided_by"]
    show_full_result_count = False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
