"""The admin shows the log's shape for support, never its patient details, and can neither change nor delete it.

Operators who are not members of a practice have no reason to read its patients' identifiers, so the
identifying fields and the free-text summary are left out altogether.
"""

from django.contrib import admin

from .models import AccessEvent, Entry

ENTRY_FIELDS = [
    "id",
    "migration",
    "kind",
    "occurred_at",
    "from_paper",
    "recorded_by",
    "recorded_at",
    "re_entered_by",
    "re_entered_at",
    "checked_by",
    "checked_at",
    "voided_by",
    "voided_at",
    "void_reason",
    "identifiers_removed_at",
]


class ReadOnlyAdmin(admin.ModelAdmin):
    actions = None  # no "delete selected" or any other bulk action

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Entry)
class EntryAdmin(ReadOnlyAdmin):
    list_display = ["id", "migration", "kind", "occurred_at", "status"]
    list_filter = ["kind", "from_paper"]
    list_select_related = ["migration__practice"]
    fields = ENTRY_FIELDS
    readonly_fields = ENTRY_FIELDS
    date_hierarchy = "occurred_at"


@admin.register(AccessEvent)
class AccessEventAdmin(ReadOnlyAdmin):
    list_display = ["at", "user", "action", "migration", "entry"]
    list_filter = ["action"]
    list_select_related = ["user", "migration__practice", "entry"]
    fields = ["at", "user", "action", "migration", "entry"]
    readonly_fields = fields
