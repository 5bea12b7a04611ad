"""One truth for the planning meeting: the day it was held lives on the migration.

Marking "Hold the cutover planning meeting" done on the plan asks for that day and records it
on the migration; reopening the task asks whether to clear it. The stage, the dashboard, the
reminders and the escalation to the ICB then give the same answer as the plan, with and
without JavaScript.

Every date is built from the frozen today: Thursday 26 Nov 2026, 10:00 London time.
"""

import datetime as dt
from io import StringIO

import pytest
import time_machine
from django.contrib.messages import get_messages
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.urls import reverse

from coordinator.services import migration_update
from cutover.models import Migration
from dashboard import annotations, columns, rag
from reminders.models import ReminderLog
from reminders.send import Outcome, reminder_send
from reminders.sweep import reminders_sweep
from tasks.meeting import planning_meeting_mark_held, planning_meeting_reopen
from tasks.models import Task
from tasks.services import StaleTask, TaskNotReady, plan_create_for_migration, task_set_status

from ..factories import MigrationFactory, at
from ..tasks.factories import load_plan_template
from .conftest import task_by_key

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}
MEETING = "planning-meeting"


@pytest.fixture
def today():
    """The frozen clock of every test here; dates below are counted from it."""
    day = dt.date(2026, 11, 26)
    with time_machine.travel(at(day), tick=False):
        yield day


def days(today: dt.date, n: int) -> dt.date:
    return today + dt.timedelta(days=n)


@pytest.fixture
def make_plan(today, practice, suppliers, manager):
    """A migration of the `practice` fixture with its plan, FDP `fdp_in` days from today."""
    load_plan_template()

    def make(fdp_in: int) -> Migration:
        migration = MigrationFactory(
            practice=practice,
            current_supplier=suppliers[0],
            new_supplier=suppliers[1],
            fdp_date=days(today, fdp_in),
            go_live_date=days(today, fdp_in + 7),
        )
        plan_create_for_migration(migration=migration, by=manager)
        return migration

    return make


@pytest.fixture
def far_off(make_plan):
    """FDP six weeks away: the meeting deadline is still two weeks off, so the stage is "planning"."""
    return make_plan(42)


@pytest.fixture
def overdue(make_plan, manager, icb_user, partner_user):
    """FDP 27 days away: the meeting deadline was yesterday, so the ICB and partner hear today."""
    # With nobody named as their stakeholder, everyone of the ICB and delivery partner hears.
    return make_plan(27)


def status_url(task) -> str:
    return reverse("task-status", args=[task.migration_id, task.pk])


def mark_done(client, task, held_on=None, **extra):
    data = {"status": "done", "version": task.version}
    if held_on is not None:
        data["held_on"] = held_on if isinstance(held_on, str) else held_on.isoformat()
    return client.post(status_url(task), data, **extra)


def reopen(client, task, choice=None, **extra):
    data = {"status": "open", "version": task.version}
    if choice is not None:
        data["clear_meeting"] = choice
    return client.post(status_url(task), data, **extra)


def meeting_task(migration) -> Task:
    return task_by_key(migration, MEETING)


def fresh(migration) -> Migration:
    return Migration.objects.get(pk=migration.pk)


def dashboard_row(migration, today) -> columns.Row:
    annotated = annotations.annotate_dashboard(Migration.objects.filter(pk=migration.pk), today).get()
    return columns.Row(migration=annotated, today=today)


def overdue_escalations(today) -> set[str]:
    """Who the reminder sweep would tell today that no planning meeting is recorded."""
    result = reminders_sweep(day=today, dry_run=True, enqueue=False)
    return {item.recipient.email for item in result.new if item.due.kind == "planning_meeting_overdue"}


def dry_run() -> str:
    out = StringIO()
    call_command("send_reminders", "--dry-run", stdout=out)
    return out.getvalue()


# --- Marking the task done records the day -------------------------------------------------------


class TestMarkDone:
    def test_the_manager_marks_it_done_with_the_day_and_the_migration_records_it(self, client, manager, far_off, today):
        client.force_login(manager)
        response = mark_done(client, meeting_task(far_off), days(today, -2))
        assert response.status_code == 302
        migration = fresh(far_off)
        assert migration.planning_meeting_date == days(today, -2)
        record = migration.history.latest()
        assert (record.history_user, record.history_change_reason) == (
            manager,
            "Planning meeting recorded by marking its plan task done",
        )
        task = meeting_task(far_off)
        assert (task.status, task.status_changed_by) == (Task.Status.DONE, manager)
        assert task.history.latest().history_change_reason == "Marked done: meeting held on 24 Nov 2026"
        assert [str(m) for m in get_messages(response.wsgi_request)] == [
            "“Hold the cutover planning meeting” marked done: the meeting held on 24 Nov 2026 is recorded."
        ]

    def test_staff_mark_it_done_with_htmx_and_the_row_shows_the_meeting(self, client, staff, far_off, today):
        client.force_login(staff)
        task = meeting_task(far_off)
        response = mark_done(client, task, today, **HTMX)
        assert response.status_code == 200
        row = response.content.decode()
        assert row.lstrip().startswith(f'<li id="task-{task.pk}"')
        assert "Meeting held on 26 Nov 2026" in row
        assert "Reopen" in row
        migration = fresh(far_off)
        assert migration.planning_meeting_date == today
        assert migration.history.latest().history_user == staff

    def test_the_plan_row_leads_to_the_task_page_which_asks_for_the_day_with_today_filled_in(
        self, client, staff, far_off, today
    ):
        client.force_login(staff)
        task = meeting_task(far_off)
        detail = reverse("task-detail", args=[far_off.pk, task.pk])
        plan = client.get(reverse("plan", args=[far_off.pk])).content.decode()
        assert f'href="{detail}#meeting">Record the meeting' in plan
        assert "No meeting date recorded" in plan
        page = client.get(detail).content.decode()
        assert f'id="held-on-{task.pk}" name="held_on" max="2026-11-26" value="2026-11-26"' in page

    def test_an_icb_user_cannot_record_it(self, client, icb_user, far_off, today):
        client.force_login(icb_user)
        assert mark_done(client, meeting_task(far_off), today).status_code == 403
        assert fresh(far_off).planning_meeting_date is None

    def test_another_practice_gets_a_404_and_nothing_is_recorded(self, client, outsider, far_off, today):
        client.force_login(outsider)
        assert mark_done(client, meeting_task(far_off), today).status_code == 404
        assert fresh(far_off).planning_meeting_date is None
        assert meeting_task(far_off).is_open

    def test_anonymous_people_are_sent_to_sign_in(self, client, far_off, today):
        response = mark_done(client, meeting_task(far_off), today)
        assert response.status_code == 302 and response.url.startswith(reverse("login"))
        assert fresh(far_off).planning_meeting_date is None

    def test_the_status_address_refuses_get(self, client, manager, far_off, today):
        client.force_login(manager)
        assert client.get(status_url(meeting_task(far_off))).status_code == 405

    @pytest.mark.parametrize(
        ("held_on", "error"),
        [
            (None, "Enter the date the meeting was held."),
            ("", "Enter the date the meeting was held."),
            ("last Tuesday", "Enter the date the meeting was held, for example 24/11/2026."),
            ("2026-11-27", "Record the meeting once it has happened: this date is in the future."),
            ("2025-11-26", "26 Nov 2025 is more than a year before FDP (7 Jan 2027): check the year."),
        ],
    )
    def test_a_missing_future_or_absurd_day_is_refused_beside_the_field_and_nothing_is_saved(
        self, client, manager, far_off, today, held_on, error
    ):
        client.force_login(manager)
        task = meeting_task(far_off)
        response = mark_done(client, task, held_on)
        assert response.status_code == 400
        page = response.content.decode()
        assert (
            f'<span id="held-on-{task.pk}-error" class="nhsuk-error-message">'
            f'<span class="nhsuk-u-visually-hidden">Error:</span> {error}</span>'
        ) in page
        assert fresh(far_off).planning_meeting_date is None
        assert meeting_task(far_off).is_open

    def test_with_htmx_a_refused_day_comes_back_in_the_row(self, client, staff, far_off, today):
        client.force_login(staff)
        task = meeting_task(far_off)
        response = mark_done(client, task, days(today, 3), **HTMX)
        assert response.status_code == 200
        row = response.content.decode()
        assert row.lstrip().startswith(f'<li id="task-{task.pk}"')
        assert "this date is in the future" in row
        assert fresh(far_off).planning_meeting_date is None

    def test_a_stale_page_records_nothing(self, client, staff, manager, far_off, today):
        task = meeting_task(far_off)
        client.force_login(manager)
        task_set_status(task=task, status="not_applicable", reason="The ICB holds it", by=manager, version=task.version)
        client.force_login(staff)
        response = mark_done(client, task, today)  # the version staff saw
        assert "changed after you opened the page" in " ".join(str(m) for m in get_messages(response.wsgi_request))
        assert fresh(far_off).planning_meeting_date is None

    def test_the_service_refuses_a_day_in_the_future(self, far_off, manager, today):
        task = meeting_task(far_off)
        task.migration = far_off
        with pytest.raises(ValidationError, match="in the future"):
            planning_meeting_mark_held(task=task, held_on=days(today, 1), by=manager, version=task.version)
        assert fresh(far_off).planning_meeting_date is None

    def test_ticking_the_task_without_a_recorded_day_is_refused(self, far_off, manager, today):
        """Other callers (demo data, scripts) cannot leave the task done while no meeting is recorded."""
        task = meeting_task(far_off)
        with pytest.raises(TaskNotReady, match="with the date the meeting was held"):
            task_set_status(task=task, status="done", by=manager, version=task.version)
        migration_update(migration=far_off, by=manager, planning_meeting_date=days(today, -1))
        assert meeting_task(far_off).is_done  # recording the day on the migration ticks it, as before


# --- Reopening asks whether to clear the day ------------------------------------------------------


@pytest.fixture
def held(far_off, manager, today):
    task = meeting_task(far_off)
    task.migration = far_off
    planning_meeting_mark_held(task=task, held_on=days(today, -1), by=manager, version=task.version)
    return far_off


class TestReopen:
    def test_the_task_page_offers_to_clear_the_recorded_day_and_proposes_clearing(self, client, manager, held, today):
        client.force_login(manager)
        task = meeting_task(held)
        page = client.get(reverse("task-detail", args=[held.pk, task.pk])).content.decode()
        assert "The meeting is recorded as held on 25 Nov 2026. Should that date be cleared?" in page
        assert f'value="clear" id="clear-meeting-{task.pk}" checked' in page
        assert f'value="keep" id="keep-meeting-{task.pk}">' in page

    def test_reopening_and_clearing_puts_everything_back_to_no_meeting(self, client, staff, held, today):
        client.force_login(staff)
        response = reopen(client, meeting_task(held), "clear")
        assert response.status_code == 302
        migration = fresh(held)
        assert migration.planning_meeting_date is None
        assert migration.history.latest().history_user == staff
        assert migration.history.latest().history_change_reason == (
            "Planning meeting cleared: its plan task was reopened"
        )
        task = meeting_task(held)
        assert task.is_open and task.status_changed_by == staff
        assert task.history.latest().history_change_reason == (
            "Reopened; the meeting recorded as held on 25 Nov 2026 was cleared"
        )
        assert migration.stage(today) == "planning"

    def test_reopening_and_keeping_leaves_the_recorded_day(self, client, manager, held, today):
        client.force_login(manager)
        response = reopen(client, meeting_task(held), "keep", **HTMX)
        assert response.status_code == 200
        assert "Meeting held on 25 Nov 2026" in response.content.decode()
        assert fresh(held).planning_meeting_date == days(today, -1)
        assert meeting_task(held).is_open

    @pytest.mark.parametrize("choice", [None, "", "forget"])
    def test_without_a_choice_nothing_changes_and_the_question_is_asked_again(
        self, client, manager, held, today, choice
    ):
        client.force_login(manager)
        task = meeting_task(held)
        response = reopen(client, task, choice)
        assert response.status_code == 400
        page = response.content.decode()
        assert "Should that date be cleared?" in page
        assert f'id="clear-meeting-{task.pk}-error"' in page
        assert fresh(held).planning_meeting_date == days(today, -1)
        assert meeting_task(held).is_done

    def test_an_icb_user_cannot_reopen_or_clear(self, client, icb_user, held, today):
        client.force_login(icb_user)
        assert reopen(client, meeting_task(held), "clear").status_code == 403
        assert fresh(held).planning_meeting_date == days(today, -1)

    def test_another_practice_gets_a_404(self, client, outsider, held, today):
        client.force_login(outsider)
        assert reopen(client, meeting_task(held), "clear").status_code == 404
        assert fresh(held).planning_meeting_date == days(today, -1)

    def test_a_stale_reopen_clears_nothing(self, held, manager, staff, today):
        task = meeting_task(held)
        task.migration = held
        with pytest.raises(StaleTask):
            planning_meeting_reopen(task=task, by=staff, version=task.version - 1, clear_meeting=True)
        assert fresh(held).planning_meeting_date == days(today, -1)


# --- Stage, dashboard, reminders and escalations agree with the plan ------------------------


@pytest.mark.parametrize("extra", [{}, HTMX], ids=["form", "htmx"])
def test_once_the_task_is_done_the_stage_and_dashboard_say_the_meeting_was_held(client, manager, far_off, today, extra):
    before = dashboard_row(far_off, today)
    assert far_off.stage(today) == "planning" and before.stage.key == "planning"
    assert columns.COLUMN_BY_KEY["meeting"].text(before).startswith("Not recorded")

    client.force_login(manager)
    mark_done(client, meeting_task(far_off), days(today, -3), **extra)

    migration = fresh(far_off)
    row = dashboard_row(migration, today)
    assert migration.stage(today) == "preparation" and row.stage.key == "preparation"
    assert columns.COLUMN_BY_KEY["meeting"].text(row) == "Held 23 Nov 2026"
    key_dates = {item.key: item for item in migration.key_dates(today)}
    assert key_dates["planning_meeting"].done_on == days(today, -3)


@pytest.mark.parametrize("extra", [{}, HTMX], ids=["form", "htmx"])
def test_once_the_task_is_done_nobody_is_told_the_meeting_is_missing(
    client, manager, overdue, today, icb_user, partner_user, extra
):
    assert overdue_escalations(today) == {manager.email, icb_user.email, partner_user.email}
    assert "No planning meeting recorded" in dry_run()
    assert dashboard_row(overdue, today).rag == rag.RED

    client.force_login(manager)
    mark_done(client, meeting_task(overdue), today, **extra)

    assert overdue_escalations(today) == set()
    assert "No planning meeting recorded" not in dry_run()
    row = dashboard_row(fresh(overdue), today)
    assert "planning_meeting_missing" not in [rule.key for rule in rag.RAG_RULES if getattr(row.migration, rule.flag)]
    assert columns.COLUMN_BY_KEY["meeting"].text(row) == "Held 26 Nov 2026"


def test_reopening_and_clearing_brings_the_escalation_back(client, manager, overdue, today, icb_user):
    client.force_login(manager)
    mark_done(client, meeting_task(overdue), today)
    assert overdue_escalations(today) == set()
    reopen(client, meeting_task(overdue), "clear")
    # Saving runs the sweep for the migration at once: the escalation is logged, waiting to go.
    waiting = ReminderLog.objects.filter(kind="planning_meeting_overdue", status=ReminderLog.Status.PENDING)
    assert icb_user.email in set(waiting.values_list("recipient_email", flat=True))
    assert columns.COLUMN_BY_KEY["meeting"].text(dashboard_row(fresh(overdue), today)).startswith("Not recorded")


def test_an_escalation_logged_before_the_task_was_marked_done_is_not_sent(client, manager, overdue, today):
    reminders_sweep(day=today, enqueue=False)  # beat logged this morning's escalation
    waiting = ReminderLog.objects.filter(kind="planning_meeting_overdue")
    assert waiting.count() == 3
    client.force_login(manager)
    mark_done(client, meeting_task(overdue), today)
    outcomes = {reminder_send(reminder_id=pk, today=today) for pk in waiting.values_list("pk", flat=True)}
    assert outcomes == {Outcome.CANCELLED}
    assert mail.outbox == []


def test_reopening_and_keeping_the_day_keeps_the_escalation_away(client, manager, overdue, today):
    client.force_login(manager)
    mark_done(client, meeting_task(overdue), today)
    reopen(client, meeting_task(overdue), "keep")
    assert overdue_escalations(today) == set()
    assert fresh(overdue).stage(today) == "preparation"
