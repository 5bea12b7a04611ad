"""The people and third-party pages: who may do what, bad input, and how many queries they run."""

import datetime

import pytest
import time_machine
from django.urls import reverse

from practices.models import (
    Invitation,
    NationalService,
    Stakeholder,
    StakeholderConfirmation,
    ThirdPartyState,
    ThirdPartySystem,
)
from systems.national import national_services_add
from systems.third_party import third_party_step_record

from ..factories import ContactFactory, ThirdPartySystemFactory, at, working_day_in

pytestmark = pytest.mark.django_db
Step = ThirdPartyState.Step
# The `migration` fixture's FDP is six weeks away, so a switch-off recorded now is early and needs a reason.
EARLY = "The supplier only switches links off on a Friday"


@pytest.fixture
def contact(migration):
    return ContactFactory(migration=migration, name="Jo Bennett", email="jo@lab.example")


@pytest.fixture
def system(practice):
    return ThirdPartySystemFactory(practice=practice, name="Docman")


def url(name, migration, obj=None):
    return reverse(name, args=[migration.pk] if obj is None else [migration.pk, obj.pk])


VIEWERS_OK = {"manager": 200, "staff": 200, "it_lead": 200, "icb": 200, "partner": 200, "superuser": 200}
MANAGER_ONLY = {"manager": 200, "staff": 403, "it_lead": 403, "icb": 403, "partner": 403, "superuser": 200}
PRACTICE_PEOPLE = {"manager": 200, "staff": 200, "it_lead": 200, "icb": 403, "partner": 403, "superuser": 200}
OUTSIDERS = {"outsider": 404, "other_icb": 404}


@pytest.mark.parametrize(
    ("name", "target", "expected"),
    [
        ("people", None, VIEWERS_OK),
        ("people-confirm", None, MANAGER_ONLY),
        ("stakeholder-add", None, MANAGER_ONLY),
        ("stakeholder-edit", "contact", MANAGER_ONLY),
        ("stakeholder-remove", "contact", MANAGER_ONLY),
        ("invitation-create", None, MANAGER_ONLY),
        ("systems", None, VIEWERS_OK),
        ("system-add", None, MANAGER_ONLY),
        ("system-edit", "system", MANAGER_ONLY),
        ("system-not-applicable", "system", PRACTICE_PEOPLE),
    ],
)
def test_pages_by_role(client, users, migration, contact, system, name, target, expected):
    obj = {"contact": contact, "system": system}.get(target)
    for role, status in {**expected, **OUTSIDERS}.items():
        client.force_login(users[role])
        assert client.get(url(name, migration, obj)).status_code == status, role


@pytest.mark.parametrize(
    ("role", "status"),
    [("manager", 302), ("staff", 302), ("it_lead", 302), ("icb", 403), ("partner", 403), ("outsider", 404)],
)
def test_recording_a_step_is_for_people_of_the_practice(client, users, migration, system, role, status):
    client.force_login(users[role])
    response = client.post(url("system-step", migration, system), {"step": "notified"})
    assert response.status_code == status
    assert ThirdPartyState.objects.filter(notified_at__isnull=False).exists() is (status == 302)


@pytest.mark.parametrize(("role", "status"), [("icb", 403), ("partner", 403), ("staff", 403), ("outsider", 404)])
def test_people_who_may_not_change_people_or_systems_change_nothing(
    client, users, migration, contact, system, role, status
):
    client.force_login(users[role])
    posts = [
        (url("people-confirm", migration), {"chosen": []}),
        (url("stakeholder-add", migration), {"role": "pathology_lab", "name": "Someone"}),
        (url("stakeholder-edit", migration, contact), {"role": "pathology_lab", "name": "Changed"}),
        (url("stakeholder-remove", migration, contact), {}),
        (url("invitation-create", migration), {"email": "x@riverside.example", "role": "practice_staff"}),
        (url("system-add", migration), {"name": "New", "category": "other"}),
        (url("system-edit", migration, system), {"name": "Changed", "category": "other"}),
    ]
    for address, data in posts:
        assert client.post(address, data).status_code == status, address
    contact.refresh_from_db()
    system.refresh_from_db()
    assert (contact.name, system.name) == ("Jo Bennett", "Docman")
    assert Stakeholder.objects.count() == 1
    assert not Invitation.objects.exists()
    assert not StakeholderConfirmation.objects.exists()
    assert ThirdPartySystem.objects.count() == 1


@pytest.mark.parametrize(
    ("name", "target"),
    [
        ("people", None),
        ("people-confirm", None),
        ("stakeholder-add", None),
        ("stakeholder-edit", "contact"),
        ("stakeholder-remove", "contact"),
        ("invitation-create", None),
        ("systems", None),
        ("system-add", None),
        ("system-edit", "system"),
        ("system-step", "system"),
        ("system-not-applicable", "system"),
        ("system-applicable", "system"),
    ],
)
def test_anonymous_people_are_sent_to_sign_in(client, migration, contact, system, name, target):
    obj = {"contact": contact, "system": system}.get(target)
    method = client.post if name in ("system-step", "system-applicable") else client.get
    response = method(url(name, migration, obj))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


@pytest.mark.parametrize(
    ("method", "name", "target"),
    [
        ("post", "people", None),
        ("put", "people-confirm", None),
        ("delete", "stakeholder-add", None),
        ("put", "stakeholder-edit", "contact"),
        ("delete", "stakeholder-remove", "contact"),
        ("put", "invitation-create", None),
        ("post", "systems", None),
        ("put", "system-add", None),
        ("delete", "system-edit", "system"),
        ("get", "system-step", "system"),
        ("put", "system-not-applicable", "system"),
        ("get", "system-applicable", "system"),
    ],
)
def test_wrong_http_method_is_refused(client, manager, migration, contact, system, method, name, target):
    obj = {"contact": contact, "system": system}.get(target)
    client.force_login(manager)
    assert getattr(client, method)(url(name, migration, obj)).status_code == 405


def test_wrong_method_on_an_invitation_link_is_refused(client, practice):
    assert client.put(reverse("invitation-accept", args=[practice.ods_code, "x"])).status_code == 405


def test_another_migrations_contact_or_system_is_not_found(client, manager, migration, other_practice, suppliers):
    from ..factories import MigrationFactory

    theirs = MigrationFactory(practice=other_practice, current_supplier=suppliers[0], new_supplier=suppliers[1])
    their_contact = ContactFactory(migration=theirs)
    their_system = ThirdPartySystemFactory(practice=other_practice)
    client.force_login(manager)
    assert client.get(url("stakeholder-edit", migration, their_contact)).status_code == 404
    assert client.get(url("system-edit", migration, their_system)).status_code == 404
    assert client.post(url("system-step", migration, their_system), {"step": "notified"}).status_code == 404


# People: adding, changing, removing ----------------------------------------------------------------


def test_the_manager_confirms_the_suggested_people(client, manager, staff, migration):
    client.force_login(manager)
    page = client.get(url("people-confirm", migration)).content.decode()
    assert str(staff) in page
    response = client.post(url("people-confirm", migration), {"chosen": [f"user:{manager.pk}:practice_manager"]})
    assert response.status_code == 302
    assert [s.user for s in migration.stakeholders.all()] == [manager]
    assert StakeholderConfirmation.objects.filter(migration=migration).exists()


def test_a_made_up_suggestion_is_refused_and_nothing_is_confirmed(client, manager, migration):
    client.force_login(manager)
    response = client.post(url("people-confirm", migration), {"chosen": ["user:99999:practice_manager"]})
    assert response.status_code == 200
    assert "is not one of the available choices" in response.content.decode()
    assert not Stakeholder.objects.exists()
    assert not StakeholderConfirmation.objects.exists()


def test_the_manager_adds_an_outside_contact(client, manager, migration):
    client.force_login(manager)
    response = client.post(
        url("stakeholder-add", migration),
        {
            "role": "pathology_lab",
            "name": "Pat Lee",
            "organisation_name": "City Pathology",
            "organisation_ods_code": "rr8",
            "email": "Pat.Lee@Lab.example",
            "phone": "+44 113 496 0000",
        },
    )
    assert response.status_code == 302
    contact = Stakeholder.objects.get()
    assert (contact.email, contact.phone, contact.organisation_ods_code) == (
        "pat.lee@lab.example",
        "0113 496 0000",
        "RR8",
    )
    assert contact.history.latest().history_user == manager


def test_the_manager_adds_a_member_of_the_icb(client, manager, icb_user, migration):
    client.force_login(manager)
    response = client.post(url("stakeholder-add", migration), {"role": "icb", "user": icb_user.pk})
    assert response.status_code == 302
    assert Stakeholder.objects.get().user == icb_user


def test_someone_outside_the_practice_and_its_organisations_cannot_be_picked(client, manager, outsider, migration):
    client.force_login(manager)
    response = client.post(url("stakeholder-add", migration), {"role": "icb", "user": outsider.pk})
    assert response.status_code == 200
    assert not Stakeholder.objects.exists()


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"name": "Pat", "phone": "0113 496 000"}, "phone", "Enter a UK phone number"),
        ({"name": "Pat", "email": "pat@"}, "email", "Enter a valid email address"),
        ({"name": "Pat", "organisation_ods_code": "R-8"}, "organisation_ods_code", "3 to 5 letters or digits"),
        ({}, "name", "Enter the contact&#x27;s name, their organisation&#x27;s name, or both."),
        ({"name": "Pat", "user": "manager"}, "user", "not both"),
    ],
)
def test_bad_contact_details_are_explained_beside_the_field_and_nothing_is_saved(
    client, manager, migration, data, field, message
):
    if data.get("user") == "manager":
        data = {**data, "user": manager.pk}
    client.force_login(manager)
    response = client.post(url("stakeholder-add", migration), {"role": "pathology_lab", **data})
    assert response.status_code == 200
    assert message in response.content.decode()
    assert field in response.context["form"].errors
    assert not Stakeholder.objects.exists()


def test_a_duplicate_contact_offers_the_existing_one(client, manager, migration, contact):
    client.force_login(manager)
    response = client.post(
        url("stakeholder-add", migration), {"role": "pathology_lab", "name": "J. Bennett", "email": "JO@lab.example"}
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "Jo Bennett is already recorded as pathology lab provider" in page
    assert url("stakeholder-edit", migration, contact) in page
    assert Stakeholder.objects.count() == 1


def test_the_manager_changes_a_contact(client, manager, migration, contact):
    client.force_login(manager)
    response = client.post(
        url("stakeholder-edit", migration, contact),
        {"role": "pathology_lab", "name": "Jo Bennett", "email": "jo.bennett@lab.example", "job_title": "Lab manager"},
    )
    assert response.status_code == 302
    contact.refresh_from_db()
    assert (contact.email, contact.job_title) == ("jo.bennett@lab.example", "Lab manager")


def test_removing_asks_first_then_removes_on_post(client, manager, migration, contact):
    client.force_login(manager)
    page = client.get(url("stakeholder-remove", migration, contact)).content.decode()
    assert "Yes, remove Jo Bennett" in page
    assert Stakeholder.objects.exists()
    assert client.post(url("stakeholder-remove", migration, contact)).status_code == 302
    assert not Stakeholder.objects.exists()


def test_the_people_page_shows_everyone_by_role_with_the_gaps(client, staff, migration, contact, manager):
    from practices.stakeholders import stakeholder_create

    stakeholder_create(migration=migration, role="practice_manager", user=manager, by=manager)
    client.force_login(staff)
    page = client.get(url("people", migration)).content.decode()
    assert "Jo Bennett" in page
    assert "mailto:jo@lab.example" in page
    assert manager.email in page
    assert "No pathology lab provider recorded" not in page
    assert "No IT delivery partner recorded" in page
    # Staff only look: no buttons to change anything.
    assert url("stakeholder-add", migration) not in page


def test_the_people_page_runs_a_fixed_number_of_queries(client, manager, migration, django_assert_max_num_queries):
    from practices.stakeholders import stakeholder_create

    from ..factories import UserFactory

    for n in range(12):
        ContactFactory(migration=migration, role=["pathology_lab", "third_party_supplier"][n % 2])
    for _ in range(6):
        stakeholder_create(migration=migration, role="practice_staff", user=UserFactory(), by=manager)
    for n in range(4):
        Invitation.objects.create(
            practice=migration.practice, email=f"p{n}@riverside.example", role="practice_staff", invited_by=manager
        )
    client.force_login(manager)
    with django_assert_max_num_queries(10):  # 9, and the clinical leads (one query)
        response = client.get(url("people", migration))
    assert len(response.context["pending_invitations"]) == 4


# Invitations ---------------------------------------------------------------------------------------


def test_the_manager_invites_someone(client, manager, migration, mailoutbox, django_capture_on_commit_callbacks):
    client.force_login(manager)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            url("invitation-create", migration), {"email": "Nia@Riverside.example", "role": "it_lead"}
        )
    assert response.status_code == 302
    invitation = Invitation.objects.get()
    assert (invitation.email, invitation.role, invitation.invited_by) == ("nia@riverside.example", "it_lead", manager)
    assert mailoutbox[0].to == ["nia@riverside.example"]
    page = client.get(url("people", migration)).content.decode()
    assert "nia@riverside.example" in page


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"email": "not-an-email", "role": "it_lead"}, "Enter a valid email address"),
        ({"email": "staff@riverside.example", "role": "it_lead"}, "is already a member of"),
        ({"email": "new@riverside.example", "role": "superuser"}, "is not one of the available choices"),
    ],
)
def test_a_bad_invitation_is_explained_and_nothing_is_sent(
    client, manager, staff, migration, mailoutbox, data, message
):
    client.force_login(manager)
    response = client.post(url("invitation-create", migration), data)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Invitation.objects.exists()
    assert mailoutbox == []


# Third-party systems -------------------------------------------------------------------------------


def test_the_manager_adds_a_system(client, manager, migration):
    client.force_login(manager)
    response = client.post(
        url("system-add", migration),
        {
            "name": "Docman",
            "category": "document_management",
            "contact_phone": "01134960000",
            "contact_email": "Help@Docs.example",
        },
    )
    assert response.status_code == 302
    system = ThirdPartySystem.objects.get()
    assert (system.practice, system.contact_phone, system.contact_email) == (
        migration.practice,
        "0113 496 0000",
        "help@docs.example",
    )
    assert system.history.latest().history_user == manager


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"name": "docman", "category": "other"}, "already has a system called docman"),
        ({"name": "Scan", "category": "other", "contact_phone": "123"}, "Enter a UK phone number"),
        ({"name": "Scan", "category": "fax"}, "is not one of the available choices"),
        ({"name": "", "category": "other"}, "This field is required"),
    ],
)
def test_a_bad_system_is_explained_and_nothing_is_saved(client, manager, migration, system, data, message):
    client.force_login(manager)
    response = client.post(url("system-add", migration), data)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert ThirdPartySystem.objects.count() == 1


def test_the_manager_changes_a_system(client, manager, migration, system):
    client.force_login(manager)
    response = client.post(
        url("system-edit", migration, system),
        {"name": "Docman 10", "category": "document_management", "backed_up_by_current_supplier": "on"},
    )
    assert response.status_code == 302
    system.refresh_from_db()
    assert (system.name, system.backed_up_by_current_supplier) == ("Docman 10", True)


def test_staff_record_a_step_and_the_page_shows_who(client, staff, migration, system):
    client.force_login(staff)
    response = client.post(url("system-step", migration, system), {"step": "notified"}, follow=True)
    assert "Recorded: notified of the cutover for Docman." in response.content.decode()
    state = ThirdPartyState.objects.get()
    assert state.notified_by == staff


def test_an_htmx_step_returns_only_the_row(client, it_lead, migration, system):
    client.force_login(it_lead)
    response = client.post(url("system-step", migration, system), {"step": "notified"}, HTTP_HX_REQUEST="true")
    page = response.content.decode()
    assert response.status_code == 200
    assert page.lstrip().startswith(f'<tr id="system-{system.pk}"')
    assert "Done" in page
    assert "<html" not in page


def test_back_on_before_go_live_is_refused_with_a_message_and_nothing_is_saved(client, it_lead, migration, system):
    third_party_step_record(migration=migration, system=system, step=Step.SWITCHED_OFF, by=it_lead, reason=EARLY)
    client.force_login(it_lead)
    response = client.post(url("system-step", migration, system), {"step": "back_on"}, follow=True)
    assert "it can only be confirmed back on from then" in response.content.decode()
    assert ThirdPartyState.objects.get().back_on_at is None


def test_a_late_switch_off_is_recorded_and_flagged(client, it_lead, dated_migration, docman):
    with time_machine.travel(at(datetime.date(2026, 12, 8)), tick=False):
        client.force_login(it_lead)
        response = client.post(
            url("system-step", dated_migration, docman), {"step": "switched_off"}, HTTP_HX_REQUEST="true"
        )
    page = response.content.decode()
    assert "Recorded as late" in page
    assert "Late</strong>" in page
    assert ThirdPartyState.objects.get().switched_off_late


@pytest.mark.parametrize("data", [{"step": "exploded"}, {}, {"step": "notified", "action": "delete"}])
def test_a_made_up_step_changes_nothing(client, staff, migration, system, data):
    client.force_login(staff)
    response = client.post(url("system-step", migration, system), data, follow=True)
    assert "Choose a step to record." in response.content.decode()
    assert not ThirdPartyState.objects.exists()


def test_a_step_is_taken_back(client, staff, migration, system):
    third_party_step_record(migration=migration, system=system, step=Step.NOTIFIED, by=staff)
    client.force_login(staff)
    client.post(url("system-step", migration, system), {"step": "notified", "action": "undo"})
    assert ThirdPartyState.objects.get().notified_at is None


def test_not_applicable_needs_a_reason_beside_the_field(client, staff, migration, system):
    client.force_login(staff)
    response = client.post(url("system-not-applicable", migration, system), {"reason": "  "})
    assert response.status_code == 200
    assert "Say why this system does not apply" in response.content.decode()
    assert not ThirdPartyState.objects.exists()
    response = client.post(url("system-not-applicable", migration, system), {"reason": "Stopped using it"})
    assert response.status_code == 302
    assert ThirdPartyState.objects.get().not_applicable_reason == "Stopped using it"
    client.post(url("system-applicable", migration, system))
    assert ThirdPartyState.objects.get().not_applicable_at is None


def test_the_systems_page_runs_a_fixed_number_of_queries(
    client, manager, migration, practice, it_lead, django_assert_max_num_queries
):
    for n in range(15):
        system = ThirdPartySystemFactory(practice=practice)
        if n % 2:
            third_party_step_record(migration=migration, system=system, step=Step.NOTIFIED, by=it_lead)
            third_party_step_record(
                migration=migration, system=system, step=Step.SWITCHED_OFF, by=manager, reason=EARLY
            )
    # The national services the migration starts with are shown in their own section, bounded too.
    national_services_add(migrations=[migration], by=manager)
    client.force_login(manager)
    with django_assert_max_num_queries(9):
        response = client.get(url("systems", migration))
    assert len(response.context["rows"]) == 15
    assert len(response.context["national_services"]) == NationalService.objects.filter(active=True).count() > 0


def test_icb_users_see_systems_without_buttons(client, icb_user, migration, system):
    client.force_login(icb_user)
    page = client.get(url("systems", migration)).content.decode()
    assert "Docman" in page
    assert "Mark notified" not in page
    assert url("system-add", migration) not in page


# The migration page --------------------------------------------------------------------------------


def test_creating_a_migration_still_goes_to_its_page_which_asks_to_confirm_people(client, manager, suppliers):
    client.force_login(manager)
    fdp = working_day_in(60)
    response = client.post(
        reverse("migration-create"),
        {
            "practice": manager.practice_memberships.get().practice_id,
            "current_system": "EMIS Web",
            "current_supplier": suppliers[0].pk,
            "new_system": "TPP SystmOne",
            "new_supplier": suppliers[1].pk,
            "fdp_date": fdp.isoformat(),
            "go_live_date": (fdp + datetime.timedelta(days=7)).isoformat(),
            "legacy_support_days": 90,
        },
    )
    assert response.status_code == 302
    page = client.get(response.url).content.decode()
    assert "Confirm who is involved" in page


def test_staff_are_told_people_are_not_confirmed_without_a_button(client, staff, migration):
    client.force_login(staff)
    page = client.get(reverse("migration-detail", args=[migration.pk])).content.decode()
    assert "has not yet confirmed who is involved" in page
    assert url("people-confirm", migration) not in page


def test_the_migration_page_runs_the_same_queries_however_many_people_and_systems(
    client, manager, migration, practice, it_lead, django_assert_num_queries
):
    def count():
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as ctx:
            client.get(reverse("migration-detail", args=[migration.pk]))
        return len(ctx.captured_queries)

    client.force_login(manager)
    small = count()
    for _ in range(10):
        ContactFactory(migration=migration)
        system = ThirdPartySystemFactory(practice=practice)
        third_party_step_record(migration=migration, system=system, step=Step.SWITCHED_OFF, by=it_lead, reason=EARLY)
    assert count() == small
