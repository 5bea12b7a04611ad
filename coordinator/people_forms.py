from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.contrib.auth import password_validation
from django.db.models import Q
from django.urls import reverse

from cutover.text import CleanTextMixin
from practices.clinical_leads import NOBODY
from practices.models import PracticeMembership, Stakeholder, ThirdPartyState, ThirdPartySystem, User
from practices.stakeholders import CONTACT_FIELDS, Suggestion, role_label_lower, stakeholder_find_duplicate
from practices.validators import normalise_uk_phone
from systems.third_party import third_party_system_with_name


def _helper(label: str) -> FormHelper:
    helper = FormHelper()
    helper.add_input(Submit("submit", label))
    return helper


class UserChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        name = obj.get_full_name()
        return f"{name} ({obj.email})" if name else obj.email


class StakeholderForm(CleanTextMixin, forms.ModelForm):
    """Add or change someone involved: a person who signs in, or an outside contact."""

    user = UserChoiceField(
        queryset=User.objects.none(),
        required=False,
        label="Someone who uses Cutover Coordinator",
        empty_label="No: an outside contact (fill in below)",
        help_text="People of the practice, its ICB and its IT delivery partner. Others are outside contacts.",
    )

    class Meta:
        model = Stakeholder
        fields = ["role", "user", *CONTACT_FIELDS]
        help_texts = {
            "name": "The person to contact. Leave empty if you only know the organisation.",
            "organisation_ods_code": "Optional: 3 to 5 letters or digits, for example RR8.",
            "email": "Outside contacts get reminders by email; they never sign in.",
            "phone": "A UK number, for example 0113 496 0000.",
        }

    def __init__(self, *args, migration, **kwargs):
        super().__init__(*args, **kwargs)
        self.migration = migration
        self.duplicate: Stakeholder | None = None
        practice = migration.practice
        editing = self.instance.pk is not None
        if editing:
            # Who the entry is about never changes: remove it and add the other person instead.
            del self.fields["user"]
            if self.instance.is_user:
                for name in ["name", "organisation_name", "organisation_ods_code", "email"]:
                    del self.fields[name]
        else:
            org_ids = [org_id for org_id in (practice.icb_id, practice.delivery_partner_id) if org_id]
            self.fields["user"].queryset = (
                User.objects.filter(is_active=True)
                .filter(
                    Q(practice_memberships__practice=practice) | Q(organisation_memberships__organisation__in=org_ids)
                )
                .distinct()
                .order_by("first_name", "last_name", "email")
            )
        self.helper = _helper("Save" if editing else "Add to this migration")

    def clean_phone(self):
        phone = self.cleaned_data["phone"].strip()
        return normalise_uk_phone(phone) if phone else ""

    def clean_email(self):
        return self.cleaned_data["email"].strip().lower()

    def clean_organisation_ods_code(self):
        return self.cleaned_data["organisation_ods_code"].strip().upper()

    def clean(self):
        cleaned = super().clean()
        user = cleaned.get("user")
        is_user = user is not None or self.instance.is_user
        contact = {name: cleaned.get(name) for name in ["name", "organisation_name", "organisation_ods_code", "email"]}
        if user is not None and any(contact.values()):
            self.add_error(
                "user", "Choose someone who uses Cutover Coordinator, or fill in an outside contact below, not both."
            )
            return cleaned
        if not is_user and not cleaned.get("name") and not cleaned.get("organisation_name"):
            if "name" not in self.errors and not self.instance.organisation_id:
                self.add_error("name", "Enter the contact's name, their organisation's name, or both.")
            return cleaned
        if cleaned.get("role") and not self.errors:
            self._refuse_duplicate(cleaned, user)
        return cleaned

    def _refuse_duplicate(self, cleaned, user):
        existing = stakeholder_find_duplicate(
            migration=self.migration,
            role=cleaned["role"],
            user=user or self.instance.user,
            name=cleaned.get("name", self.instance.name),
            email=cleaned.get("email", self.instance.email),
            organisation=self.instance.organisation,
            organisation_name=cleaned.get("organisation_name", self.instance.organisation_name),
            exclude_pk=self.instance.pk,
        )
        if existing is None:
            return
        self.duplicate = existing
        where = "user" if existing.is_user else ("email" if cleaned.get("email") else "name")
        if where not in self.fields:
            where = "role"
        self.add_error(
            where,
            f"{existing.display_name} is already recorded as {role_label_lower(existing.role)}. "
            "Use the existing entry (linked below) instead of adding another.",
        )

    @property
    def duplicate_url(self) -> str:
        if self.duplicate is None:
            return ""
        return reverse("stakeholder-edit", args=[self.migration.pk, self.duplicate.pk])


class SuggestionsForm(forms.Form):
    chosen = forms.MultipleChoiceField(
        label="Who is involved",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Untick anyone who is not involved. You can add others on the next page.",
    )

    def __init__(self, *args, suggestions: list[Suggestion], **kwargs):
        super().__init__(*args, **kwargs)
        self.suggestions = {s.key: s for s in suggestions}
        self.fields["chosen"].choices = [(s.key, f"{s.display_name}: {s.role_label} ({s.reason})") for s in suggestions]
        self.fields["chosen"].initial = list(self.suggestions)
        self.helper = _helper("Confirm who is involved")

    def chosen_suggestions(self) -> list[Suggestion]:
        return [self.suggestions[key] for key in self.cleaned_data["chosen"]]


class InvitationForm(CleanTextMixin, forms.Form):
    email = forms.EmailField(
        label="Email address", help_text="They get a link to choose a password. It works once and expires."
    )
    role = forms.ChoiceField(label="Their role at the practice", choices=PracticeMembership.Role.choices)

    def __init__(self, *args, practice, **kwargs):
        super().__init__(*args, **kwargs)
        self.practice = practice
        self.helper = _helper("Send invitation")

    def clean_email(self):
        email = self.cleaned_data["email"].strip().lower()
        if PracticeMembership.objects.filter(practice=self.practice, user__email__iexact=email).exists():
            raise forms.ValidationError(f"{email} is already a member of {self.practice.name}.")
        return email


class AcceptInvitationForm(CleanTextMixin, forms.Form):
    first_name = forms.CharField(max_length=150, label="First name")
    last_name = forms.CharField(max_length=150, label="Last name")
    password1 = forms.CharField(
        label="Choose a password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text="At least 12 characters, not a common password and not all numbers.",
    )
    password2 = forms.CharField(
        label="Type the password again",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, *args, email: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.email = email
        self.helper = _helper("Create my account and join")

    def clean(self):
        cleaned = super().clean()
        first, second = cleaned.get("password1"), cleaned.get("password2")
        if first and second and first != second:
            self.add_error("password2", "The two passwords are different. Type the same password twice.")
        elif first:
            person = User(
                email=self.email, first_name=cleaned.get("first_name", ""), last_name=cleaned.get("last_name", "")
            )
            try:
                password_validation.validate_password(first, person)
            except forms.ValidationError as exc:
                self.add_error("password1", exc)
        return cleaned


class ThirdPartySystemForm(CleanTextMixin, forms.ModelForm):
    class Meta:
        model = ThirdPartySystem
        fields = [
            "name",
            "category",
            "supplier_name",
            "contact_name",
            "contact_email",
            "contact_phone",
            "backed_up_by_current_supplier",
            "notes",
        ]
        widgets = {"notes": forms.Textarea(attrs={"rows": 3})}
        labels = {"name": "System name"}
        help_texts = {
            "contact_phone": "A UK number, for example 0113 496 0000.",
            "notes": "Anything the team should know, for example how the link is switched off.",
        }

    def __init__(self, *args, practice, **kwargs):
        super().__init__(*args, **kwargs)
        self.practice = practice
        self.helper = _helper("Save system" if self.instance.pk else "Add system")

    def clean_name(self):
        name = self.cleaned_data["name"].strip()
        clash = third_party_system_with_name(practice=self.practice, name=name, exclude_pk=self.instance.pk)
        if clash is not None:
            raise forms.ValidationError(f"The practice already has a system called {name}.")
        return name

    def clean_contact_phone(self):
        phone = self.cleaned_data["contact_phone"].strip()
        return normalise_uk_phone(phone) if phone else ""

    def clean_contact_email(self):
        return self.cleaned_data["contact_email"].strip().lower()


class NotApplicableForm(CleanTextMixin, forms.Form):
    reason = forms.CharField(
        label="Why does this system not apply to this migration?",
        max_length=ThirdPartyState._meta.get_field("not_applicable_reason").max_length,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="For example: the practice stopped using it last year.",
        error_messages={"required": "Say why this system does not apply to this migration."},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper("Mark as not applicable")


class NoLinkedSystemsForm(CleanTextMixin, forms.Form):
    """The manager's word that the practice has no linked systems (see third_party_confirm_none)."""

    reason = forms.CharField(
        label="Why does the practice have no linked systems?",
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Most practices have at least prescribing (EPS) and pathology links. Adding a system later "
        "withdraws this.",
        error_messages={"required": "Say why the practice has no linked systems."},
    )

    def __init__(self, *args, action: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper("Confirm the practice has none")
        self.helper.form_action = action


class MemberChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        name = obj.user.get_full_name() or obj.user.email
        return f"{name} ({obj.get_role_display().lower()})"


class ClinicalLeadsForm(CleanTextMixin, forms.Form):
    """Which members of the practice are its clinical lead (one or more)."""

    leads = MemberChoiceField(
        queryset=PracticeMembership.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        label="Who is the practice's clinical lead?",
        help_text="They sign off the data checking before FDP: go or no-go. Choose one or more.",
        error_messages={"required": NOBODY},
    )

    def __init__(self, *args, practice, **kwargs):
        super().__init__(*args, **kwargs)
        members = (
            PracticeMembership.objects.filter(practice=practice, user__is_active=True)
            .select_related("user")
            .order_by("user__first_name", "user__last_name", "user__email")
        )
        self.fields["leads"].queryset = members
        self.fields["leads"].initial = [membership.pk for membership in members if membership.is_clinical_lead]
