from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from simple_history.admin import SimpleHistoryAdmin

from cutover.text import CleanTextModelForm
from practices.models import (
    Invitation,
    NationalService,
    Organisation,
    OrganisationMembership,
    Practice,
    PracticeMembership,
    Stakeholder,
    StakeholderConfirmation,
    ThirdPartyState,
    ThirdPartySystem,
    User,
)
from systems.third_party import third_party_system_with_name
from tasks.admin import SuperuserOnly


class PracticeMembershipInline(admin.TabularInline):
    model = PracticeMembership
    extra = 0
    autocomplete_fields = ["practice"]


class OrganisationMembershipInline(admin.TabularInline):
    model = OrganisationMembership
    extra = 0


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    ordering = ["email"]
    list_display = ["email", "first_name", "last_name", "is_active", "is_staff", "is_superuser"]
    search_fields = ["email", "first_name", "last_name"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        ("Name", {"fields": ["first_name", "last_name"]}),
        ("Permissions", {"fields": ["is_active", "is_staff", "is_superuser", "groups", "user_permissions"]}),
        ("Dates", {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [(None, {"classes": ["wide"], "fields": ["email", "usable_password", "password1", "password2"]})]
    inlines = [PracticeMembershipInline, OrganisationMembershipInline]

    def get_inlines(self, request, obj):
        # Memberships are added once the person exists, as Django's own user admin does.
        return self.inlines if obj else []


@admin.register(Organisation)
class OrganisationAdmin(SimpleHistoryAdmin):
    form = CleanTextModelForm
    list_display = ["name", "kind", "ods_code"]
    list_filter = ["kind"]
    search_fields = ["name", "ods_code"]


@admin.register(Practice)
class PracticeAdmin(SimpleHistoryAdmin):
    form = CleanTextModelForm
    list_display = ["name", "ods_code", "icb", "delivery_partner", "dispensing"]
    list_filter = ["icb", "delivery_partner", "dispensing"]
    search_fields = ["name", "ods_code"]
    inlines = [PracticeMembershipInline]


@admin.register(Stakeholder)
class StakeholderAdmin(SimpleHistoryAdmin):
    form = CleanTextModelForm
    list_display = ["__str__", "migration", "role", "user", "email", "phone"]
    list_filter = ["role"]
    search_fields = ["name", "email", "user__email", "organisation_name"]
    raw_id_fields = ["migration", "user", "organisation", "created_by"]


@admin.register(StakeholderConfirmation)
class StakeholderConfirmationAdmin(admin.ModelAdmin):
    list_display = ["migration", "confirmed_at", "confirmed_by"]
    raw_id_fields = ["migration", "confirmed_by"]


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = ["email", "practice", "role", "invited_by", "created_at", "accepted_at", "replaced_at"]
    list_filter = ["role"]
    search_fields = ["email", "practice__name", "practice__ods_code"]
    # The record is the audit trail of who invited whom: it is read here, not edited.
    readonly_fields = ["invited_by", "created_at", "accepted_at", "accepted_by", "replaced_at"]
    raw_id_fields = ["practice", "migration"]


class ThirdPartySystemAdminForm(CleanTextModelForm):
    def clean(self):
        cleaned = super().clean()
        practice, name = cleaned.get("practice"), cleaned.get("name")
        if practice and name:
            clash = third_party_system_with_name(practice=practice, name=name, exclude_pk=self.instance.pk)
            if clash is not None:
                self.add_error("name", f"{practice.name} already has a system called {clash.name}.")
        return cleaned


@admin.register(ThirdPartySystem)
class ThirdPartySystemAdmin(SimpleHistoryAdmin):
    form = ThirdPartySystemAdminForm
    list_display = ["name", "practice", "category", "supplier_name", "backed_up_by_current_supplier"]
    list_filter = ["category", "backed_up_by_current_supplier", "national_service"]
    search_fields = ["name", "supplier_name", "practice__name"]
    autocomplete_fields = ["practice"]


@admin.register(NationalService)
class NationalServiceAdmin(SuperuserOnly, SimpleHistoryAdmin):
    """The catalogue every new migration starts with: shared by every practice, so superusers only.
    Existing migrations keep the notice and tasks they were given (see systems/national.py)."""

    form = CleanTextModelForm
    list_display = ["name", "notice_working_days", "notice_counted_from", "active", "position"]
    list_filter = ["active", "notice_counted_from"]
    list_editable = ["position"]
    search_fields = ["name", "description"]
    fields = ["name", "description", "notice_working_days", "notice_counted_from", "task_lines", "active", "position"]


@admin.register(ThirdPartyState)
class ThirdPartyStateAdmin(SimpleHistoryAdmin):
    form = CleanTextModelForm
    list_display = ["system", "migration", "notified_at", "backed_up_at", "switched_off_at", "back_on_at"]
    list_filter = ["switched_off_late"]
    raw_id_fields = ["migration", "system"]
    readonly_fields = [
        f"{step}_{part}"
        for step in ["notified", "backed_up", "switched_off", "back_on", "not_applicable"]
        for part in ["at", "by"]
    ]
