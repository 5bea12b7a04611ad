"""The Activity page: every change to a migration, newest first, filterable, paginated, identifier-free."""

import datetime
import re
import uuid

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from coordinator.services import migration_update
from practices import invitations, stakeholders
from practices.models import StakeholderRole
from reentry import services as reentry
from reentry.models import Kind
from systems import third_party
from tasks.models import Anchor, Phase, Task
from tasks.services import task_create_custom, task_note_add, task_set_status

from ..factories import at
from ..reentry.conftest import FDP, GO_LIVE, travel
from ..reentry.factories import EntryFactory

pytestmark = pytest.mark.django_db

NHS_NUMBER = "9434765919"
PATIENT = {"name": "Jordan Fletcher", "dob": datetime.date(1988, 4, 12), "address": "14 Mill Lane\nDemo Town"}


def activity_url(migration, **params) -> str:
    url = reverse("migration-activity", args=[migration.pk])
    return f"{url}?{'&'.join(f'{k}={v}' for k, v in params.items())}" if params else url


def build(migration, *, manager, staff, it_lead, colleague):
    """One change of every kind, a day apart, each by a known person."""
    day = datetime.date(2026, 11, 2)

    def on(n, hour=10):
        return travel(at(day + datetime.timedelta(days=n), hour))

    with on(0):
        migration_update(migration=migration, current_system="EMIS Web (cloud)", by=manager)
    with on(1):
        stakeholders.stakeholder_create(
            migration=migration, role=StakeholderRole.PATHOLOGY_LAB, name="Sam Patel", by=manager
        )
    with on(2):
        invitations.invitation_create(
            practice=migration.practice,
            email="new.starter@riverside.example",
            role="practice_staff",
            migration=migration,
            by=manager,
        )
    with on(3):
        system = third_party.third_party_system_create(
            practice=migration.practice, name="Docman", category="document_management", by=manager
        )
    with on(4):
        third_party.third_party_step_record(migration=migration, system=system, step="notified", by=it_lead)
    with on(5):
        task = task_create_custom(
            migration=migration,
            title="Print the paper forms",
            guidance="",
            phase=Phase.PREPARATION,
            anchor=Anchor.FDP,
            offset_days=2,
            direction="before",
            fixed_date=None,
            by=manager,
        )
    with on(6):
        task = task_set_status(task=task, status=Task.Status.DONE, by=staff, version=task.version)
    with on(7):
        task_note_add(task=task, text="Forms printed and in the red folder.", by=staff)
    with travel(at(FDP + datetime.timedelta(days=1), 9)):
        consultation, _ = reentry.entry_record(
            migration=migration,
            kind=Kind.CONSULTATION,
            occurred_at=at(FDP + datetime.timedelta(days=1), 8),
            token=uuid.uuid4(),
            nhs_number=NHS_NUMBER,
            summary=f"Asthma review for {PATIENT['name']}, inhaler changed",
            by=staff,
        )
        registration, _ = reentry.entry_record(
            migration=migration,
            kind=Kind.NEW_REGISTRATION,
            occurred_at=at(FDP + datetime.timedelta(days=1), 8),
            token=uuid.uuid4(),
            patient_name=PATIENT["name"],
            patient_date_of_birth=PATIENT["dob"],
            patient_address=PATIENT["address"],
            by=staff,
        )
        duplicate, _ = reentry.entry_record(
            migration=migration,
            kind=Kind.TELEPHONE_CALL,
            occurred_at=at(FDP + datetime.timedelta(days=1), 8),
            token=uuid.uuid4(),
            nhs_number=NHS_NUMBER,
            summary="Called about results",
            by=colleague,
        )
    with travel(at(GO_LIVE, 11)):
        reentry.entry_mark_re_entered(entry=consultation, by=staff)
        reentry.entry_void(entry=duplicate, reason=f"Same call as {NHS_NUMBER}, {PATIENT['name']}", by=colleague)
    return {"task": task, "consultation": consultation, "registration": registration, "duplicate": duplicate}


@pytest.fixture
def world(cutover, manager, staff, it_lead, colleague):
    return build(cutover, manager=manager, staff=staff, it_lead=it_lead, colleague=colleague)


def rows(response) -> list[str]:
    """The table's rows as plain text, newest first."""
    html = response.content.decode()
    body = html[html.index("<tbody>") : html.index("</tbody>")] if "<tbody>" in html else ""
    cells = [re.sub(r"</?(td|th|ul|li|div)\b[^>]*>", " ", row) for row in body.split("<tr>")[1:]]
    return [" ".join(re.sub(r"<[^>]+>", "", row).split()) for row in cells]


def get(client, user, url):
    with travel(at(GO_LIVE + datetime.timedelta(days=1), 9)):
        client.force_login(user)
        return client.get(url)


# What it shows ---------------------------------------------------------------------------------------


def test_the_manager_sees_every_kind_of_change_newest_first_with_who_made_it(client, cutover, world, manager):
    response = get(client, manager, activity_url(cutover))
    assert response.status_code == 200
    lines = rows(response)
    entry = world["consultation"]
    assert lines[0].startswith("30 Nov 2026, 11:00")
    assert any(f"Re-entry entry #{entry.pk} (consultation): marked re-entered" in line for line in lines)
    assert any(f"Re-entry entry #{world['duplicate'].pk} (telephone call): voided" in line for line in lines)
    expected_in_order = [
        "Task “Print the paper forms”: note added",
        "Task “Print the paper forms”: changed",
        "Task “Print the paper forms”: added to the plan",
        "Docman in this migration: changed",
        "System “Docman”: added",
        "Invitation to new.starter@riverside.example as practice staff: sent",
        "Sam Patel (pathology lab provider): added",
        "Migration: changed",
    ]
    positions = [next(i for i, line in enumerate(lines) if text in line) for text in expected_in_order]
    assert positions == sorted(positions)
    migration_line = next(line for line in lines if "Migration: changed" in line)
    assert "Current clinical system: EMIS Web → EMIS Web (cloud)" in migration_line
    assert str(manager) in migration_line
    status_line = next(line for line in lines if "Print the paper forms”: changed" in line)
    assert "Status: Open → Done" in status_line
    assert "Notified of the cutover: recorded" in next(line for line in lines if "Docman in this migration" in line)


@pytest.mark.parametrize("role", ["icb", "partner", "manager", "staff"])
def test_no_reader_ever_sees_a_patient_identifier_or_the_free_text(
    client, cutover, world, role, manager, staff, icb_user, partner_user
):
    user = {"icb": icb_user, "partner": partner_user, "manager": manager, "staff": staff}[role]
    response = get(client, user, activity_url(cutover))
    assert response.status_code == 200
    text = response.content.decode()
    assert f"Re-entry entry #{world['registration'].pk} (new patient registration (in person)): recorded" in " ".join(
        rows(response)
    )
    for secret in [
        NHS_NUMBER,
        "943 476 5919",
        PATIENT["name"],
        "12 Apr 1988",
        "1988-04-12",
        "14 Mill Lane",
        "Asthma review",
        "Called about results",
        "Same call as",
    ]:
        assert secret not in text, f"{role} saw {secret!r}"


def test_entries_link_to_their_page_only_for_members_of_the_practice(client, cutover, world, staff, icb_user):
    entry_url = reverse("reentry-entry", args=[cutover.pk, world["consultation"].pk])
    assert entry_url in get(client, staff, activity_url(cutover)).content.decode()
    assert entry_url not in get(client, icb_user, activity_url(cutover)).content.decode()


def test_only_the_manager_sees_whom_an_invitation_went_to(client, cutover, world, staff, icb_user, manager):
    assert "new.starter@riverside.example" in get(client, manager, activity_url(cutover)).content.decode()
    for viewer in (staff, icb_user):
        response = get(client, viewer, activity_url(cutover))
        assert "new.starter@riverside.example" not in response.content.decode()
        assert any("Invitation as practice staff: sent" in line for line in rows(response))


def test_the_removal_of_identifiers_shows_as_done_by_the_system(client, cutover, world, manager, settings):
    from reentry.retention import identifiers_remove

    settings.REENTRY_RETENTION_DAYS = 0
    with travel(at(GO_LIVE, 12)):
        reentry.entry_mark_re_entered(entry=world["registration"], by=manager)
    with travel(at(cutover.legacy_support_end, 3)):
        assert identifiers_remove(migration=cutover) == 3
    with travel(at(cutover.legacy_support_end, 9)):
        client.force_login(manager)
        lines = rows(client.get(activity_url(cutover)))
    removal = [line for line in lines if "patient details removed after the retention period" in line]
    assert len(removal) == 3
    assert all(" System " in f" {line} " for line in removal)


# Filters and pages -----------------------------------------------------------------------------------


def test_filtering_by_kind_of_object(client, cutover, world, manager):
    lines = rows(get(client, manager, activity_url(cutover, kind="reentry")))
    assert len(lines) == 5  # three recorded, one re-entered, one voided
    assert all("Re-entry entry #" in line for line in lines)
    lines = rows(get(client, manager, activity_url(cutover, kind="systems")))
    assert len(lines) == 3
    assert "Docman in this migration: changed" in lines[0]
    assert "Docman in this migration: tracking started" in lines[1]
    assert "System “Docman”: added" in lines[2]


def test_filtering_by_person(client, cutover, world, manager, it_lead, colleague):
    lines = rows(get(client, manager, activity_url(cutover, person=it_lead.pk)))
    assert len(lines) == 2  # the state row is created by the first step, then the step itself
    assert all(str(it_lead) in line for line in lines)
    lines = rows(get(client, manager, activity_url(cutover, person=colleague.pk)))
    assert len(lines) == 2 and all("telephone call" in line for line in lines)


def test_filtering_by_dates_includes_both_ends(client, cutover, world, manager):
    lines = rows(get(client, manager, activity_url(cutover, date_from="2026-11-03", date_to="2026-11-04")))
    assert len(lines) == 2
    assert "Invitation to new.starter" in lines[0] and "Sam Patel" in lines[1]


def test_an_end_date_before_the_start_is_explained_beside_the_field(client, cutover, world, manager):
    response = get(client, manager, activity_url(cutover, date_from="2026-11-10", date_to="2026-11-01"))
    assert response.status_code == 200
    assert response.context["filter_form"].errors == {"date_to": ["The end date must be on or after the start date."]}
    assert "The end date must be on or after the start date." in response.content.decode()


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        ({"date_from": "2027-02-31"}, "date_from", "Enter a real date, for example 26/11/2026."),
        ({"person": "999999"}, "person", "Choose someone from the list."),
        ({"person": "not-a-number"}, "person", "Choose someone from the list."),
        ({"kind": "patients"}, "kind", "Select a valid choice. patients is not one of the available choices."),
    ],
)
def test_bad_filters_are_explained_and_never_a_server_error(client, cutover, world, manager, params, field, message):
    response = get(client, manager, activity_url(cutover, **params))
    assert response.status_code == 200
    assert response.context["filter_form"].errors[field] == [message]


def test_someone_from_another_practice_cannot_be_picked_as_a_person(client, cutover, world, manager, outsider):
    response = get(client, manager, activity_url(cutover, person=outsider.pk))
    assert response.context["filter_form"].errors["person"] == ["Choose someone from the list."]


def test_pages_of_changes(client, cutover, world, manager, settings):
    settings.ACTIVITY_PAGE_SIZE = 5
    first = rows(get(client, manager, activity_url(cutover)))
    second_response = get(client, manager, activity_url(cutover, page=2))
    second = rows(second_response)
    assert len(first) == 5 and len(second) == 5
    assert set(first).isdisjoint(second)
    assert "Page 2 of" in second_response.content.decode()
    assert rows(get(client, manager, activity_url(cutover, page="last")))


def test_the_query_count_does_not_grow_with_the_number_of_changes(
    client, cutover, world, manager, staff, settings, django_assert_max_num_queries
):
    settings.ACTIVITY_PAGE_SIZE = 500  # every change on one page, so both counts load every kind

    def count_queries() -> int:
        with travel(at(GO_LIVE + datetime.timedelta(days=1), 9)):
            client.force_login(manager)
            with CaptureQueriesContext(connection) as queries:
                assert client.get(activity_url(cutover)).status_code == 200
        return len(queries)

    before = count_queries()
    with travel(at(GO_LIVE, 15)):
        for _ in range(30):
            entry = EntryFactory(migration=cutover)
            reentry.entry_mark_re_entered(entry=entry, by=staff)
    task = Task.objects.get(migration=cutover)
    for _ in range(10):
        task = task_set_status(task=task, status=Task.Status.OPEN, by=staff, version=task.version)
        task = task_set_status(task=task, status=Task.Status.DONE, by=staff, version=task.version)
    assert count_queries() == before
    with travel(at(GO_LIVE + datetime.timedelta(days=1), 9)), django_assert_max_num_queries(30):
        client.get(activity_url(cutover))


# Who may open it -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("manager", 200),
        ("staff", 200),
        ("it_lead", 200),
        ("icb", 200),
        ("partner", 200),
        ("superuser", 200),
        ("outsider", 404),
        ("other_icb", 404),
    ],
)
def test_who_may_open_it(
    client, cutover, role, status, manager, staff, it_lead, icb_user, partner_user, superuser, outsider, other_icb_user
):
    users = {
        "manager": manager,
        "staff": staff,
        "it_lead": it_lead,
        "icb": icb_user,
        "partner": partner_user,
        "superuser": superuser,
        "outsider": outsider,
        "other_icb": other_icb_user,
    }
    assert get(client, users[role], activity_url(cutover)).status_code == status


def test_anonymous_people_are_sent_to_sign_in(client, cutover):
    response = client.get(activity_url(cutover))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse(settings.LOGIN_URL))


@pytest.mark.parametrize("method", ["post", "put", "delete"])
def test_it_only_answers_get(client, cutover, manager, method):
    client.force_login(manager)
    assert getattr(client, method)(activity_url(cutover)).status_code == 405


def test_a_missing_migration_is_a_404(client, manager):
    client.force_login(manager)
    assert client.get(reverse("migration-activity", args=[99999])).status_code == 404


def test_the_migration_page_links_to_it(client, cutover, manager):
    client.force_login(manager)
    assert activity_url(cutover) in client.get(cutover.get_absolute_url()).content.decode()


def test_viewing_it_records_no_access_event_because_it_shows_no_patient_details(client, cutover, world, manager):
    from reentry.models import AccessEvent

    get(client, manager, activity_url(cutover))
    assert not AccessEvent.objects.exists()
