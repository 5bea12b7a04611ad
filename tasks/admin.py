from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from cutover.text import CleanTextModelForm

from .models import LocalPlanItem, PlanTemplateItem, Task, TaskNote


class SuperuserOnly:
    """The default plan is shared by every practice, so only superusers may change it."""

    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_superuser

    def has_add_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_superuser

    def has_change_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_superuser

    def has_delete_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_superuser


class PlanItemDates:
    """For items every plan copies (the national template, an ICB's own tasks): due by a rule from
    the migration's dates, never a fixed day, which would mean the same day for every practice."""

    def formfield_for_choice_field(self, db_field, request, **kwargs):
        if db_field.name == "anchor":
            kwargs["choices"] = [(value, label) for value, label in db_field.choices if value != "fixed"]
        return super().formfield_for_choice_field(db_field, request, **kwargs)

    @admin.display(description="Due")
    def due_rule(self, obj):
        return obj.due_rule


@admin.register(PlanTemplateItem)
class PlanTemplateItemAdmin(PlanItemDates, SuperuserOnly, SimpleHistoryAdmin):
    form = CleanTextModelForm
    list_display = ["title", "phase", "due_rule", "default_owner_role", "dispensing_only", "active", "position"]
    list_filter = ["phase", "anchor", "dispensing_only", "active"]
    list_editable = ["position"]
    search_fields = ["title", "guidance", "key"]
    ordering = ["position", "pk"]
    fieldsets = [
        (
            None,
            {
                "description": (
                    "Changes here apply to migrations created from now on. Existing plans keep the copy they "
                    "were given, so nothing changes under a practice's feet."
                ),
                "fields": ["key", "title", "phase", "default_owner_role", "dispensing_only", "active", "position"],
            },
        ),
        ("Guidance", {"fields": ["guidance", "why_it_matters", "done_when"]}),
        ("Due date", {"fields": ["anchor", "offset_days", "direction"]}),
    ]


@admin.register(LocalPlanItem)
class LocalPlanItemAdmin(PlanItemDates, SuperuserOnly, SimpleHistoryAdmin):
    """For support: programme leads keep their organisation's own tasks on the programme pages."""

    form = CleanTextModelForm
    list_display = ["title", "organisation", "phase", "due_rule", "default_owner_role", "retired_at"]
    list_filter = ["phase", "organisation"]
    search_fields = ["title", "organisation__name"]
    list_select_related = ["organisation"]
    raw_id_fields = ["organisation", "created_by"]


class TaskNoteInline(admin.TabularInline):
    model = TaskNote
    extra = 0
    readonly_fields = ["author", "created_at", "text"]
    can_delete = False


@admin.register(Task)
class TaskAdmin(SuperuserOnly, SimpleHistoryAdmin):
    """For support only: practices change their plan through the plan, which keeps the rules."""

    form = CleanTextModelForm

    list_display = ["title", "migration", "phase", "due_date", "status", "assignee"]
    list_filter = ["phase", "status"]
    search_fields = ["title", "migration__practice__name", "migration__practice__ods_code"]
    list_select_related = ["migration__practice", "assignee"]
    raw_id_fields = [
        "migration",
        "template_item",
        "local_item",
        "assignee",
        "assigned_contact",
        "status_changed_by",
        "created_by",
    ]
    readonly_fields = ["version", "created_at", "updated_at"]
    inlines = [TaskNoteInline]

    def has_add_permission(self, request, obj=None):
        return False
