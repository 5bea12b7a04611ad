from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import Migration, ReminderLog


@admin.register(Migration)
class MigrationAdmin(SimpleHistoryAdmin):
    list_display = ["practice", "current_system", "new_system", "fdp_date", "go_live_date", "status"]
    list_filter = ["status", "current_supplier", "new_supplier"]
    search_fields = ["practice__name", "practice__ods_code"]
    autocomplete_fields = ["practice"]
    readonly_fields = ["created_at", "updated_at", "created_by", "updated_by"]
    date_hierarchy = "fdp_date"

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        obj.updated_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(ReminderLog)
class ReminderLogAdmin(admin.ModelAdmin):
    """Read-only: rows change only through the sweep and the sender, which keep them sent once."""

    list_display = ["due_date", "kind", "recipient_email", "migration", "status", "attempts", "sent_at"]
    list_filter = ["status", "kind"]
    search_fields = ["recipient_email", "migration__practice__name", "migration__practice__ods_code"]
    list_select_related = ["migration__practice"]
    date_hierarchy = "due_date"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
