"""A practice with no linked systems recorded turns amber as FDP nears, until the list is filled in
or the practice manager confirms, with a reason, that there are none.

Every date is built from the frozen today, Thursday 26 Nov 2026 (10:00 London), with working days
counted by cutover.workdays, so the Christmas bank holidays fall inside the range checked.
"""

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from cutover.models import Migration
from cutover.workdays import add_working_days
from dashboard import annotations, columns, rag
from systems.third_party import (
    StepRefused,
    no_linked_systems_amber_from,
    third_party_confirm_none,
    third_party_system_create,
)

from ..factories import MigrationFactory, ThirdPartySystemFactory, at

pytestmark = pytest.mark.django_db
REASON = "A branch surgery: prescribing and pathology run through the main surgery system."


@pytest.fixture
def today():
    day = dt.date(2026, 11, 26)
    with time_machine.travel(at(day), tick=False):
        yield day


@pytest.fixture
def make_migration(today, practice, suppliers):
    def make(fdp: dt.date, **extra) -> Migration:
        return MigrationFactory(
            practice=practice,
            current_supplier=suppliers[0],
            new_supplier=suppliers[1],
            fdp_date=fdp,
            go_live_date=fdp + dt.timedelta(days=7),
            planning_meeting_date=today - dt.timedelta(days=1),  # so the meeting rule leaves the row alone
            **extra,
        )

    return make


@pytest.fixture
def near(make_migration, today):
    """FDP exactly 15 working days away: the first day the rule applies."""
    return make_migration(add_working_days(today, 15))


def fires(migration, today) -> bool:
    annotated = annotations.annotate_dashboard(Migration.objects.filter(pk=migration.pk), today).get()
    return annotated.rag_no_linked_systems


def row(migration, today) -> columns.Row:
    annotated = annotations.annotate_dashboard(Migration.objects.filter(pk=migration.pk), today).get()
    return columns.Row(migration=annotated, today=today)


# --- The rule ---------------------------------------------------------------------------------------


def test_fifteen_working_days_before_fdp_no_linked_systems_is_amber_with_the_reason(near, today):
    assert no_linked_systems_amber_from(near) == today
    result = row(near, today)
    assert (result.rag, result.reasons) == (rag.AMBER, ["No linked systems recorded."])
    assert columns.COLUMN_BY_KEY["switched-off"].text(result) == "No linked systems"


def test_the_day_before_it_is_still_green(make_migration, today):
    migration = make_migration(add_working_days(today, 16))
    assert no_linked_systems_amber_from(migration) > today
    assert row(migration, today).rag == rag.GREEN


def test_python_and_the_database_agree_on_the_first_day_for_every_fdp_over_christmas(make_migration, practice, today):
    """no_linked_systems_amber_from (the systems page) and the SQL rule (the dashboard) give one answer."""
    for n in range(0, 60):
        migration = make_migration(today + dt.timedelta(days=n))
        assert fires(migration, today) == (today >= no_linked_systems_amber_from(migration)), migration.fdp_date
        migration.delete()


def test_the_number_of_working_days_is_a_setting(make_migration, today, settings):
    migration = make_migration(add_working_days(today, 10))
    assert fires(migration, today)
    settings.NO_LINKED_SYSTEMS_WORKING_DAYS = 5
    assert not fires(migration, today)


def test_recording_a_system_ends_it_even_one_marked_not_applicable(near, practice, today):
    ThirdPartySystemFactory(practice=practice)
    assert not fires(near, today)


def test_after_go_live_and_once_closed_it_no_longer_applies(make_migration, today):
    after = make_migration(today - dt.timedelta(days=8))  # went live yesterday
    assert not fires(after, today)
    after.delete()
    closed = make_migration(add_working_days(today, 5), status=Migration.Status.CANCELLED)
    assert not fires(closed, today)


def test_the_managers_word_that_there_are_none_ends_it_and_is_kept_with_who_when_why(near, manager, today):
    third_party_confirm_none(migration=near, reason=f"  {REASON} ", by=manager)
    near.refresh_from_db()
    assert (near.no_linked_systems_reason, near.no_linked_systems_by, near.no_linked_systems_at) == (
        REASON,
        manager,
        at(today),
    )
    assert near.history.latest().history_user == manager
    assert not fires(near, today)
    assert columns.COLUMN_BY_KEY["switched-off"].text(row(near, today)) == "None (confirmed by the practice)"


def test_adding_a_system_withdraws_the_managers_word(near, manager, it_lead, practice, today):
    third_party_confirm_none(migration=near, reason=REASON, by=manager)
    third_party_system_create(practice=practice, by=manager, name="Docman", category="document_management")
    near.refresh_from_db()
    assert (near.no_linked_systems_at, near.no_linked_systems_by, near.no_linked_systems_reason) == (None, None, "")
    record = near.history.latest()
    assert (record.history_user, record.history_change_reason) == (manager, "Docman added: a linked system")


def test_a_confirmation_without_a_reason_or_with_systems_recorded_is_refused(near, manager, practice, today):
    with pytest.raises(StepRefused, match="Say why"):
        third_party_confirm_none(migration=near, reason="   ", by=manager)
    ThirdPartySystemFactory(practice=practice, name="EPS")
    with pytest.raises(StepRefused, match="has linked systems recorded"):
        third_party_confirm_none(migration=near, reason=REASON, by=manager)
    near.refresh_from_db()
    assert near.no_linked_systems_at is None


# --- The systems page -------------------------------------------------------------------------------


def none_url(migration) -> str:
    return reverse("systems-none", args=[migration.pk])


def test_the_systems_page_warns_and_offers_the_manager_the_form(client, manager, near, today):
    client.force_login(manager)
    page = client.get(reverse("systems", args=[near.pk])).content.decode()
    assert "No linked systems recorded for Riverside Medical Centre." in page
    assert "The shared dashboard shows this migration as amber until" in page
    assert f'action="{none_url(near)}"' in page


def test_staff_see_the_warning_without_the_form(client, staff, near, today):
    client.force_login(staff)
    page = client.get(reverse("systems", args=[near.pk])).content.decode()
    assert "No linked systems recorded" in page
    assert none_url(near) not in page


def test_the_manager_confirms_none_and_the_page_says_who_and_why(client, manager, near, today):
    client.force_login(manager)
    response = client.post(none_url(near), {"reason": REASON}, follow=True)
    page = response.content.decode()
    assert "Recorded: Riverside Medical Centre has no linked systems." in page
    assert f"confirmed by {manager} on 26 Nov 2026" in page
    assert f"Why: {REASON}" in page
    assert none_url(near) not in page
    near.refresh_from_db()
    assert near.no_linked_systems_by == manager


@pytest.mark.parametrize("reason", ["", "   "])
def test_without_a_reason_the_error_is_beside_the_field_and_nothing_is_saved(client, manager, near, reason):
    client.force_login(manager)
    response = client.post(none_url(near), {"reason": reason})
    assert response.status_code == 400
    assert "Say why the practice has no linked systems." in response.content.decode()
    near.refresh_from_db()
    assert near.no_linked_systems_at is None


def test_with_systems_recorded_the_confirmation_is_refused_with_a_message(client, manager, near, practice):
    ThirdPartySystemFactory(practice=practice, name="EPS")
    client.force_login(manager)
    response = client.post(none_url(near), {"reason": REASON}, follow=True)
    assert "has linked systems recorded" in response.content.decode()
    near.refresh_from_db()
    assert near.no_linked_systems_at is None


@pytest.mark.parametrize(("role", "status"), [("staff", 403), ("it_lead", 403), ("icb_user", 403), ("outsider", 404)])
def test_only_the_practice_manager_may_confirm(client, request, near, role, status):
    client.force_login(request.getfixturevalue(role))
    assert client.post(none_url(near), {"reason": REASON}).status_code == status
    near.refresh_from_db()
    assert near.no_linked_systems_at is None


def test_anonymous_people_are_sent_to_sign_in(client, near):
    response = client.post(none_url(near), {"reason": REASON})
    assert response.status_code == 302 and response.url.startswith(reverse("login"))


def test_the_confirmation_address_refuses_get(client, manager, near):
    client.force_login(manager)
    assert client.get(none_url(near)).status_code == 405


def test_adding_a_system_from_the_page_withdraws_the_confirmation(client, manager, near):
    third_party_confirm_none(migration=near, reason=REASON, by=manager)
    client.force_login(manager)
    client.post(
        reverse("system-add", args=[near.pk]),
        {"name": "EPS", "category": "other", "supplier_name": "NHS England"},
    )
    near.refresh_from_db()
    assert near.no_linked_systems_at is None
