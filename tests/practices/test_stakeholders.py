"""Who is involved: the nine roles, suggestions, duplicates, defaults for task owners, removal."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models.deletion import ProtectedError

from practices.models import Stakeholder, StakeholderConfirmation, StakeholderRole
from practices.stakeholders import (
    DuplicateStakeholder,
    StakeholderInUse,
    Workload,
    stakeholder_create,
    stakeholder_for_role,
    stakeholder_gaps,
    stakeholder_remove,
    stakeholder_update,
    stakeholders_confirm,
    stakeholders_suggest,
    who_is_involved,
)
from practices.validators import normalise_uk_phone

from ..factories import ContactFactory, OrganisationMembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_the_nine_roles_of_the_guidance_are_all_shown_even_when_empty(migration):
    groups = who_is_involved(migration).groups
    assert [g.role for g in groups] == list(StakeholderRole.values)
    assert len(groups) == 9
    assert all(g.gap for g in groups)


def test_a_role_with_nobody_is_a_gap_in_plain_words(migration, manager):
    stakeholder_create(migration=migration, role=StakeholderRole.PRACTICE_MANAGER, user=manager, by=manager)
    gaps = stakeholder_gaps(migration)
    assert "No pathology lab provider recorded" in gaps
    assert "No IT delivery partner recorded" in gaps
    assert "No integrated care board (ICB) recorded" in gaps
    assert "No practice manager recorded" not in gaps
    assert len(gaps) == 8


def test_suggestions_come_from_members_organisations_suppliers_and_system_contacts(
    migration, manager, staff, it_lead, icb_user, pathology_link
):
    suggestions = {(s.role, s.display_name) for s in stakeholders_suggest(migration)}
    assert suggestions == {
        (StakeholderRole.PRACTICE_MANAGER, str(manager)),
        (StakeholderRole.PRACTICE_STAFF, str(staff)),
        (StakeholderRole.IT_LEAD, str(it_lead)),
        # The ICB has a user: suggest them. The delivery partner has none: suggest the organisation.
        (StakeholderRole.ICB, str(icb_user)),
        (StakeholderRole.DELIVERY_PARTNER, migration.practice.delivery_partner.name),
        (StakeholderRole.CURRENT_SUPPLIER, "EMIS Health"),
        (StakeholderRole.NEW_SUPPLIER, "TPP"),
        (StakeholderRole.PATHOLOGY_LAB, "Jo Bennett"),
    }


def test_confirming_suggestions_records_them_once(migration, manager, staff, icb_user):
    suggestions = stakeholders_suggest(migration)
    kept = [s for s in suggestions if s.user != staff]
    stakeholders_confirm(migration=migration, chosen=kept, by=manager)
    assert StakeholderConfirmation.objects.get(migration=migration).confirmed_by == manager
    assert migration.stakeholders.count() == len(kept)
    assert not migration.stakeholders.filter(user=staff).exists()
    icb = migration.stakeholders.get(role=StakeholderRole.ICB)
    assert (icb.user, icb.organisation) == (icb_user, migration.practice.icb)
    # Only the one left out is suggested again, and confirming again adds nothing twice.
    assert [s.user for s in stakeholders_suggest(migration)] == [staff]
    stakeholders_confirm(migration=migration, chosen=suggestions, by=manager)
    assert migration.stakeholders.count() == len(suggestions)


def test_an_inactive_user_is_not_suggested(migration, manager, staff):
    staff.is_active = False
    staff.save()
    assert staff not in {s.user for s in stakeholders_suggest(migration)}


def test_a_stakeholder_is_a_user_or_an_outside_contact_never_both(migration, manager):
    with pytest.raises(IntegrityError), transaction.atomic():
        Stakeholder.objects.create(migration=migration, role="icb", user=manager, name="Someone else")
    with pytest.raises(IntegrityError), transaction.atomic():
        Stakeholder.objects.create(migration=migration, role="icb")


def test_the_same_person_twice_in_a_role_is_refused_with_the_existing_one(migration, manager):
    first = stakeholder_create(
        migration=migration, role="pathology_lab", name="Jo Bennett", email="Jo@Lab.example", by=manager
    )
    assert first.email == "jo@lab.example"
    with pytest.raises(DuplicateStakeholder) as caught:
        stakeholder_create(
            migration=migration, role="pathology_lab", name="J Bennett", email="jo@lab.EXAMPLE", by=manager
        )
    assert caught.value.existing == first
    with pytest.raises(DuplicateStakeholder):
        stakeholder_create(
            migration=migration, role="pathology_lab", name="jo bennett", organisation_name="", by=manager
        )
    # The same person in another role is fine: a supplier contact may also be the lab's.
    stakeholder_create(migration=migration, role="third_party_supplier", email="jo@lab.example", name="Jo", by=manager)
    assert migration.stakeholders.count() == 2


def test_the_database_refuses_a_duplicate_email_in_a_role_even_when_python_is_bypassed(migration):
    ContactFactory(migration=migration, email="jo@lab.example")
    with pytest.raises(IntegrityError), transaction.atomic():
        ContactFactory(migration=migration, email="JO@lab.example")


def test_changing_a_contact_into_a_duplicate_is_refused(migration, manager):
    ContactFactory(migration=migration, email="jo@lab.example")
    other = ContactFactory(migration=migration, email="pat@lab.example")
    with pytest.raises(DuplicateStakeholder):
        stakeholder_update(stakeholder=other, email="jo@lab.example", by=manager)
    other.refresh_from_db()
    assert other.email == "pat@lab.example"


def test_a_users_name_and_email_stay_those_of_their_account(migration, manager, staff):
    person = stakeholder_create(migration=migration, role="practice_staff", user=staff, by=manager)
    stakeholder_update(stakeholder=person, by=manager, name="Someone", email="x@example.org", phone="0113 496 0000")
    person.refresh_from_db()
    assert (person.name, person.email, person.phone, person.contact_email) == (
        "",
        "",
        "0113 496 0000",
        staff.email,
    )


def test_the_default_owner_of_a_role_prefers_someone_who_signs_in(migration, manager, it_lead):
    assert stakeholder_for_role(migration, StakeholderRole.IT_LEAD) is None
    contact = stakeholder_create(migration=migration, role="it_lead", name="Agency IT", by=manager)
    assert stakeholder_for_role(migration, StakeholderRole.IT_LEAD) == contact
    person = stakeholder_create(migration=migration, role="it_lead", user=it_lead, by=manager)
    assert stakeholder_for_role(migration, StakeholderRole.IT_LEAD) == person
    assert stakeholder_for_role(migration, StakeholderRole.PATHOLOGY_LAB) is None


def test_the_default_owner_is_the_first_recorded_when_several_could_be(migration, manager):
    first = ContactFactory(migration=migration, role="pathology_lab")
    ContactFactory(migration=migration, role="pathology_lab")
    assert stakeholder_for_role(migration, "pathology_lab") == first


def test_workload_from_the_plan_is_attached_to_each_person(migration, manager, staff):
    person = stakeholder_create(migration=migration, role="practice_staff", user=staff, by=manager)

    def workload(m, people):
        assert m == migration and people == [person]
        return {person.pk: Workload(assigned=3, overdue=1)}

    involvement = who_is_involved(migration, workload=workload)
    assert involvement.with_workload
    staff_group = next(g for g in involvement.groups if g.role == "practice_staff")
    assert staff_group.stakeholders[0].workload == Workload(assigned=3, overdue=1)


def test_removing_a_stakeholder_is_recorded_in_the_history(migration, manager):
    contact = ContactFactory(migration=migration)
    stakeholder_remove(stakeholder=contact, by=manager)
    assert not Stakeholder.objects.exists()
    deleted = Stakeholder.history.get(history_type="-")
    assert deleted.history_user == manager


def test_removing_a_stakeholder_something_still_protects_keeps_them_and_says_what(migration, manager, monkeypatch):
    # The plan's task assignments point at Stakeholder with on_delete=PROTECT; until that
    # model exists, the database's refusal is simulated here.
    contact = ContactFactory(migration=migration)

    def refuse(self, *args, **kwargs):
        raise ProtectedError("protected", {"Task: notify third parties"})

    monkeypatch.setattr(Stakeholder, "delete", refuse)
    with pytest.raises(StakeholderInUse) as caught:
        stakeholder_remove(stakeholder=contact, by=manager)
    assert caught.value.blocking == ["Task: notify third parties"]
    assert Stakeholder.objects.filter(pk=contact.pk).exists()


def test_an_organisation_user_is_suggested_for_their_organisations_role(migration, partner_user):
    roles = {s.role for s in stakeholders_suggest(migration) if s.user == partner_user}
    assert roles == {StakeholderRole.DELIVERY_PARTNER}


def test_members_of_an_unrelated_organisation_are_not_suggested(migration, other_icb_user):
    OrganisationMembershipFactory(user=UserFactory(email="x@other.example"))
    assert other_icb_user not in {s.user for s in stakeholders_suggest(migration)}


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("0113 496 0000", "0113 496 0000"),
        ("01134960000", "0113 496 0000"),
        ("+44 113 496 0000", "0113 496 0000"),
        ("020 7946 0000", "020 7946 0000"),
    ],
)
def test_uk_phone_numbers_are_stored_in_one_written_form(typed, stored):
    assert normalise_uk_phone(typed) == stored


@pytest.mark.parametrize("typed", ["12345", "0113 496 000", "+1 202 555 0100", "+44 1481 123456", "phone me"])
def test_numbers_that_are_not_uk_phone_numbers_are_refused_clearly(typed):
    with pytest.raises(ValidationError, match="Enter a UK phone number"):
        normalise_uk_phone(typed)


@pytest.mark.parametrize(
    ("code", "ok"), [("RR8", True), ("0DF", True), ("Y9001", True), ("R8", False), ("RR8-1", False)]
)
def test_organisation_ods_codes_are_three_to_five_letters_or_digits(migration, code, ok):
    contact = Stakeholder(migration=migration, role="pathology_lab", name="Lab", organisation_ods_code=code)
    if ok:
        contact.full_clean()
    else:
        with pytest.raises(ValidationError, match="3 to 5 letters or digits"):
            contact.full_clean()
