from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html
from simple_history.admin import SimpleHistoryAdmin

from .models import Closure


@admin.register(Closure)
class ClosureAdmin(SimpleHistoryAdmin):
    """Read-only: a migration is closed from its page and reopened from the reopen page, with a reason."""

    list_display = ["migration", "outcome", "closed_at", "closed_by", "reopened_at", "reopen_link"]
    list_filter = ["outcome"]
    search_fields = ["migration__practice__name", "migration__practice__ods_code"]

    @admin.display(description="Reopen")
    def reopen_link(self, obj):
        if obj.reopened_at is not None:
            return "Reopened"
        return format_html(
            '<a href="{}">Reopen with a reason</a>', reverse("migration-reopen", args=[obj.migration_id])
        )

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
