"""A migration's reminders: their own page, and the folded section of the migration page that loads it."""

import datetime as dt

import pytest
from django.core.cache import caches
from django.urls import reverse

from reminders.models import ReminderLog
from reminders.send import reminder_send
from reminders.sweep import reminders_sweep

from ..factories import ContactFactory, ThirdPartySystemFactory
from ..reentry.factories import EntryFactory
from ..tasks.factories import TaskFactory
from .conftest import d

pytestmark = pytest.mark.django_db


@pytest.fixture
def migration_on_fdp(clock, people, make_migration):
    clock("2027-03-10 07:30")
    return make_migration("2027-03-10", "2027-03-17", planning_meeting_date=d("2027-02-01"))


def page(client, user, migration):
    client.force_login(user)
    return client.get(reverse("migration-reminders", args=[migration.pk]))


def test_manager_sees_upcoming_reminders_worked_out_from_the_rules(client, manager, migration_on_fdp):
    response = page(client, manager, migration_on_fdp)
    upcoming = response.context["reminders"]["upcoming"]
    labels = [(str(line.date), line.kind) for line in upcoming]
    assert labels[:2] == [("2027-03-10", "fdp_day_manager"), ("2027-03-10", "fdp_day_team")]
    assert ("2027-03-17", "go_live_day") in labels
    assert ("2027-06-15", "legacy_support_ends") in labels
    go_live = next(line for line in upcoming if line.kind == "go_live_day")
    assert len(go_live.recipients) == 3
    html = response.content.decode()
    assert '<h1 class="nhsuk-heading-l">Reminders</h1>' in html
    assert "Go-live day: switch back on and start re-entry" in html


def test_a_reminder_with_nobody_to_go_to_is_shown_so_the_manager_can_invite_them(
    client, clock, manager, make_migration
):
    """The practice has a manager but no staff or IT lead yet: the FDP-day email to the team would go nowhere."""
    clock("2027-03-01 09:00")
    migration = make_migration("2027-03-10", "2027-03-17", planning_meeting_date=d("2027-02-01"))
    response = page(client, manager, migration)
    upcoming = {line.kind: line for line in response.context["reminders"]["upcoming"]}
    assert (upcoming["fdp_day_team"].status, upcoming["fdp_day_team"].recipients) == ("nobody", [])
    assert upcoming["fdp_day_manager"].recipients == [manager.get_full_name()]
    html = response.content.decode()
    assert "Nobody yet" in html and "Nobody to send it to yet: invite the people it is for" in html


def test_sent_and_failed_reminders_show_with_their_recipients(client, manager, staff, migration_on_fdp, settings):
    ids = reminders_sweep(enqueue=False).ready_ids
    for pk in ids[:2]:
        reminder_send(reminder_id=pk)
    ReminderLog.objects.filter(pk=ids[2]).update(status="failed", attempts=5, note="Failed 5 times (SMTPError).")
    failed_to = ReminderLog.objects.get(pk=ids[2]).recipient_name
    response = page(client, staff, migration_on_fdp)
    panel = response.context["reminders"]
    assert sum(len(line.recipients) for line in panel["sent"]) == 2
    assert [line.recipients for line in panel["failed"]] == [[failed_to]]
    assert not any(line.date == dt.date(2027, 3, 10) for line in panel["upcoming"]), "logged rows are not repeated"
    html = response.content.decode()
    assert "Could not be sent" in html and "Failed 5 times (SMTPError)." in html


def test_the_reminders_section_runs_a_fixed_number_of_queries(
    client, manager, migration_on_fdp, clock, django_assert_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(manager)
    url = reverse("migration-detail", args=[migration_on_fdp.pk])
    with CaptureQueriesContext(connection) as before:
        assert client.get(url).status_code == 200
    for day in ["2027-03-10", "2027-03-17", "2027-05-14", "2027-06-15"]:
        clock(f"{day} 07:30")
        for pk in reminders_sweep(enqueue=False).ready_ids:
            reminder_send(reminder_id=pk)
    assert ReminderLog.objects.count() >= 8
    clock("2027-03-10 08:00")
    client.force_login(manager)  # the session from before the clock moved has expired
    caches["plans"].clear()  # both views build the page afresh (on PostgreSQL the plan was kept)
    with django_assert_num_queries(len(before)):
        response = client.get(url)
    assert response.status_code == 200
    assert len(response.context["reminders"]["sent"]) >= 4


def test_outsiders_get_404_and_anonymous_users_are_sent_to_sign_in(client, outsider, migration_on_fdp):
    assert page(client, outsider, migration_on_fdp).status_code == 404
    client.logout()
    response = client.get(reverse("migration-detail", args=[migration_on_fdp.pk]))
    assert response.status_code == 302 and reverse("login") in response.url


def test_icb_users_see_the_reminders_read_only(client, icb_user, migration_on_fdp):
    response = page(client, icb_user, migration_on_fdp)
    assert response.status_code == 200 and "reminders" in response.context


def test_the_page_refuses_other_methods(client, manager, migration_on_fdp):
    client.force_login(manager)
    assert client.post(reverse("migration-detail", args=[migration_on_fdp.pk])).status_code == 405


def test_a_closed_migration_shows_no_upcoming_reminders(client, manager, migration_on_fdp):
    migration_on_fdp.status = "completed"
    migration_on_fdp.save()
    assert page(client, manager, migration_on_fdp).context["reminders"]["upcoming"] == []


def test_the_page_shows_the_switch_off_and_backlog_reminders_to_come_with_who_gets_them(
    client, manager, staff, clock, people, make_migration
):
    clock("2027-03-01 09:00")
    migration = make_migration("2027-03-10", "2027-03-17", planning_meeting_date=d("2027-02-01"))
    ThirdPartySystemFactory(
        practice=migration.practice, name="Docman", contact_name="Jo Docs", contact_email="jo@d.example"
    )
    EntryFactory(migration=migration, recorded_by=staff)
    upcoming = page(client, manager, migration).context["reminders"]["upcoming"]
    lines = {(str(line.date), line.kind): line.recipients for line in upcoming}
    manager_name = manager.get_full_name()
    assert lines[("2027-03-03", "third_party_switch_off_ahead")] == [manager_name, "Jo Docs"]
    assert lines[("2027-03-08", "third_party_switch_off_window")] == [manager_name, "Jo Docs"]
    assert lines[("2027-03-24", "reentry_backlog")] == [manager_name]
    assert not any(line.kind == "task_digest" for line in upcoming), "digests are not about one migration"


@pytest.mark.parametrize("name", ["migration-reminders", "migration-detail"])
def test_the_page_costs_the_same_queries_with_systems_people_entries_and_reminders(
    client, manager, staff, clock, people, make_migration, django_assert_num_queries, name
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    clock("2027-02-20 09:00")
    migration = make_migration("2027-03-10", "2027-03-17")
    url = reverse(name, args=[migration.pk])
    client.force_login(manager)
    with CaptureQueriesContext(connection) as bare:
        client.get(url)
    for n in range(4):
        ThirdPartySystemFactory(practice=migration.practice, contact_email=f"c{n}@supplier.example")
        ContactFactory(migration=migration, role="icb", email=f"icb{n}@icb.example")
        EntryFactory(migration=migration, recorded_by=staff)
        TaskFactory(migration=migration, due_date=d("2027-02-22"), assignee=staff)
    for pk in reminders_sweep(enqueue=False, day=d("2027-02-11")).ready_ids:
        reminder_send(reminder_id=pk, today=d("2027-02-11"))
    assert ReminderLog.objects.filter(migration=migration).count() >= 5
    with django_assert_num_queries(len(bare)):
        response = client.get(url)
    panel = response.context["reminders"]
    assert len(panel["sent"]) == 1 and len(panel["sent"][0].recipients) >= 5
    if name == "migration-reminders":
        assert any(line.kind == "third_party_switch_off_ahead" for line in panel["upcoming"])


def test_the_migration_page_leaves_what_is_coming_up_to_be_loaded_when_the_section_is_opened(
    client, manager, migration_on_fdp, django_assert_max_num_queries
):
    """Working out the reminders still to come costs more than the rest of the migration page, so the
    folded section fetches them when opened; without JavaScript its link opens the reminders page."""
    client.force_login(manager)
    reminders_url = reverse("migration-reminders", args=[migration_on_fdp.pk])

    response = client.get(reverse("migration-detail", args=[migration_on_fdp.pk]))

    assert response.context["reminders"]["upcoming"] is None
    section = response.content.decode().split('id="reminders"', 1)[1].split("</section>", 1)[0]
    assert f'hx-get="{reminders_url}" hx-trigger="toggle once"' in section
    assert f'<a href="{reminders_url}">See the reminders still to come and those already sent</a>' in section
    assert "Go-live day" not in section

    opened = client.get(reminders_url, headers={"HX-Request": "true"})
    html = opened.content.decode()
    assert "<html" not in html and "<h1" not in html, "only the section's contents, for htmx to put in place"
    assert "Go-live day: switch back on and start re-entry" in html


def test_a_failed_reminder_opens_the_section_with_everything_already_in_it(client, manager, migration_on_fdp):
    ids = reminders_sweep(enqueue=False).ready_ids
    ReminderLog.objects.filter(pk=ids[0]).update(status="failed", attempts=5, note="Failed 5 times (SMTPError).")
    client.force_login(manager)

    response = client.get(reverse("migration-detail", args=[migration_on_fdp.pk]))

    assert response.context["reminders"]["upcoming"] is not None
    section = response.content.decode().split('id="reminders"', 1)[1].split("</section>", 1)[0]
    assert '<details class="nhsuk-details" open>' in section and "hx-get" not in section
    assert "Could not be sent" in section and "Go-live day: switch back on and start re-entry" in section


def test_the_reminders_page_is_for_those_who_may_see_the_migration(client, outsider, manager, migration_on_fdp):
    url = reverse("migration-reminders", args=[migration_on_fdp.pk])
    assert page(client, outsider, migration_on_fdp).status_code == 404
    client.logout()
    assert reverse("login") in client.get(url).url
    client.force_login(manager)
    assert client.post(url).status_code == 405
