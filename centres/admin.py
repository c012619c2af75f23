from axes.utils import reset as axes_reset
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from centres.models import Centre, Region, User
from centres.selectors import centre_counts_changed


class CentreCountsChange(admin.ModelAdmin):
    """Regions and centres edited here change the cached centre counts."""

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        centre_counts_changed()

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        centre_counts_changed()

    def delete_queryset(self, request, queryset):
        super().delete_queryset(request, queryset)
        centre_counts_changed()


@admin.register(Region)
class RegionAdmin(CentreCountsChange):
    list_display = ["code", "name", "level", "parent", "model_year"]
    list_filter = ["level", "model_year"]
    search_fields = ["code", "name"]
    raw_id_fields = ["parent"]
    list_select_related = ["parent"]
    show_full_result_count = False


@admin.register(Centre)
class CentreAdmin(CentreCountsChange):
    list_display = ["name", "region", "level", "phone"]
    list_filter = ["level"]
    search_fields = ["name", "region__code", "region__name"]
    raw_id_fields = ["region"]
    list_select_related = ["region"]
    show_full_result_count = False

    def get_readonly_fields(self, request, obj=None):
        # The level follows the region; only a new centre chooses its region.
        return ["level"] if obj is None else ["region", "level"]

    def save_model(self, request, obj, form, change):
        obj.level = obj.region.level
        super().save_model(request, obj, form, change)


@admin.register(User)
class StaffAdmin(UserAdmin):
    list_display = ["username", "get_full_name", "role", "region", "is_active", "last_login"]
    list_filter = ["role", "region__level", "is_active", "is_superuser"]
    search_fields = ["username", "first_name", "last_name", "region__code", "region__name"]
    raw_id_fields = ["region"]
    list_select_related = ["region"]
    fieldsets = (
        *(UserAdmin.fieldsets or ()),
        (_("Jurisdiction"), {"fields": ("role", "region")}),
    )
    add_fieldsets = (
        *UserAdmin.add_fieldsets,
        (_("Jurisdiction"), {"fields": ("role", "region")}),
    )
    actions = ["unlock"]

    @admin.action(description=_("Unlock the selected accounts (clear failed logins)"))
    def unlock(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        """Lift login lockouts of these usernames, from every address (django-axes)."""
        cleared = sum(axes_reset(username=username)
                      for username in queryset.values_list("username", flat=True))
        self.message_user(request, _("%(count)d failed-login record(s) cleared.")
                          % {"count": cleared})
