from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import Migration
from .text import CleanTextModelForm


@admin.register(Migration)
class MigrationAdmin(SimpleHistoryAdmin):
    form = CleanTextModelForm
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
