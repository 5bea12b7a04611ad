from django.contrib import admin

from .models import ReminderLog


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
