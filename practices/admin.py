from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from simple_history.admin import SimpleHistoryAdmin

from .models import Organisation, OrganisationMembership, Practice, PracticeMembership, User


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
    list_display = ["name", "kind", "ods_code"]
    list_filter = ["kind"]
    search_fields = ["name", "ods_code"]


@admin.register(Practice)
class PracticeAdmin(SimpleHistoryAdmin):
    list_display = ["name", "ods_code", "icb", "delivery_partner", "dispensing"]
    list_filter = ["icb", "delivery_partner", "dispensing"]
    search_fields = ["name", "ods_code"]
    inlines = [PracticeMembershipInline]
