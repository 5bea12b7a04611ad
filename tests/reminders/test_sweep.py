"""Exactly once: the sweep, the claim, retries, a dead worker, a broker that is down,
rescheduling and catch-up."""

import datetime as dt
from collections import Counter

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from reminders import jobs
from reminders.models import ReminderLog
from reminders.send import reminder_claim, reminder_send
from reminders.sweep import reminders_sweep

from ..factories import MigrationFactory, PracticeFactory, PracticeMembershipFactory
from .conftest import d

pytestmark = pytest.mark.django_db

FAILING_BACKEND = "tests.reminders.failing_backend.EmailBackend"


@pytest.fixture
def fdp_today(clock, people, make_migration):
    """A migration whose FDP is Wednesday 10 Mar 2027, at 07:30 that morning: three emails due."""
    clock("2027-03-10 07:30")
    return make_migration("2027-03-10", "2027-03-17", planning_meeting_date=d("2027-02-01"))


def send_all(ids):
    return [reminder_send(reminder_id=pk) for pk in ids]


def test_reminder_is_sent_once_when_the_sweep_runs_twice(fdp_today, broker, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        reminders_sweep()
    with django_capture_on_commit_callbacks(execute=True):
        reminders_sweep()
    assert ReminderLog.objects.count() == 3
    assert len(broker.sent) == 3, "the second sweep must not enqueue rows already handed over"
    send_all(broker.sent + broker.sent)  # and a job delivered twice sends nothing more
    assert len(mail.outbox) == 3
    assert set(ReminderLog.objects.values_list("status", flat=True)) == {"sent"}


def test_a_second_sweep_that_finds_nothing_new_writes_nothing(fdp_today, broker, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        reminders_sweep()
    logged = list(ReminderLog.objects.order_by("pk").values())
    with CaptureQueriesContext(connection) as second:
        reminders_sweep()
    inserts = [q["sql"] for q in second.captured_queries if q["sql"].startswith("INSERT")]
    assert inserts == [], "the reminder log already holds every row due, so nothing should be inserted again"
    assert list(ReminderLog.objects.order_by("pk").values()) == logged


def test_jobs_pass_nothing_but_the_row_id(fdp_today, broker, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        assert jobs.sweep_reminders() == 3
    assert broker.sent == sorted(ReminderLog.objects.values_list("pk", flat=True))
    assert jobs.send_reminder(broker.sent[0]) == "sent"
    assert jobs.send_reminder(broker.sent[0]) == "not claimed"


def test_enqueueing_waits_for_the_commit(fdp_today, broker, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        reminders_sweep()
    assert broker.sent == [] and len(callbacks) == 1
    callbacks[0]()
    assert len(broker.sent) == 3


def test_only_one_claim_wins(fdp_today):
    row_id = reminders_sweep(enqueue=False).ready_ids[0]
    now = dt.datetime.now(dt.UTC)
    assert reminder_claim(reminder_id=row_id, now=now) is True
    assert reminder_claim(reminder_id=row_id, now=now) is False
    row = ReminderLog.objects.get(pk=row_id)
    assert (row.status, row.attempts) == ("sending", 1)


def test_a_worker_that_dies_after_claiming_is_retried_after_the_timeout(
    fdp_today, clock, broker, settings, django_capture_on_commit_callbacks
):
    settings.REMINDER_CLAIM_TIMEOUT_MINUTES = 15
    with django_capture_on_commit_callbacks(execute=True):
        reminders_sweep()
    row_id = broker.sent[0]
    # The worker claims the row, then dies before sending: no email, row stuck in "sending".
    assert reminder_claim(reminder_id=row_id, now=dt.datetime.now(dt.UTC))
    broker.sent.clear()
    clock("2027-03-10 07:44")
    with django_capture_on_commit_callbacks(execute=True):
        reminders_sweep()
    assert row_id not in broker.sent, "a living but slow worker must not be overtaken"
    assert reminder_send(reminder_id=row_id) == "not claimed"
    clock("2027-03-10 07:46")
    with django_capture_on_commit_callbacks(execute=True):
        result = reminders_sweep()
    assert result.reclaimed == 1 and row_id in broker.sent
    assert reminder_send(reminder_id=row_id) == "sent"
    assert reminder_send(reminder_id=row_id) == "not claimed"
    row = ReminderLog.objects.get(pk=row_id)
    assert (row.status, row.attempts) == ("sent", 2)
    assert len([m for m in mail.outbox if m.extra_headers["X-Cutover-Reminder"] == str(row_id)]) == 1


def test_a_row_stuck_sending_on_its_last_attempt_is_shown_as_failed(fdp_today, clock, settings):
    settings.REMINDER_MAX_ATTEMPTS = 1
    row_id = reminders_sweep(enqueue=False).ready_ids[0]
    assert reminder_claim(reminder_id=row_id, now=dt.datetime.now(dt.UTC))
    clock("2027-03-10 08:00")
    reminders_sweep(enqueue=False)
    assert ReminderLog.objects.get(pk=row_id).status == "failed"


def test_a_failed_send_is_retried_with_backoff_then_shown_as_failed(
    fdp_today, clock, broker, settings, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = FAILING_BACKEND
    settings.REMINDER_MAX_ATTEMPTS = 3
    settings.REMINDER_RETRY_MINUTES = 5
    row_id = reminders_sweep(enqueue=False).ready_ids[0]
    assert reminder_send(reminder_id=row_id) == "retry"
    row = ReminderLog.objects.get(pk=row_id)
    assert row.status == "pending" and row.next_attempt_at == fdp_today_at("07:35")
    assert "SMTPServerDisconnected" in row.note
    # Not before its time, even if a duplicate job turns up early.
    assert reminder_send(reminder_id=row_id) == "not claimed"
    clock("2027-03-10 07:34")
    with django_capture_on_commit_callbacks(execute=True):
        reminders_sweep()
    assert row_id not in broker.sent
    clock("2027-03-10 07:35")
    with django_capture_on_commit_callbacks(execute=True):
        reminders_sweep()
    assert row_id in broker.sent
    assert reminder_send(reminder_id=row_id) == "retry"
    assert ReminderLog.objects.get(pk=row_id).next_attempt_at == fdp_today_at("07:45")  # doubled
    clock("2027-03-10 07:45")
    assert reminder_send(reminder_id=row_id) == "failed"
    row = ReminderLog.objects.get(pk=row_id)
    assert (row.status, row.attempts) == ("failed", 3)
    clock("2027-03-10 09:00")
    with django_capture_on_commit_callbacks(execute=True):
        reminders_sweep()
    assert reminder_send(reminder_id=row_id) == "not claimed"
    assert mail.outbox == []


def fdp_today_at(hhmm: str) -> dt.datetime:
    from .conftest import london

    return london(f"2027-03-10 {hhmm}")


def test_a_failure_goes_back_to_the_sweep_with_no_long_countdown(fdp_today, settings):
    settings.EMAIL_BACKEND = FAILING_BACKEND
    row_id = reminders_sweep(enqueue=False).ready_ids[0]
    reminder_send(reminder_id=row_id)
    # The retry lives in the database (next_attempt_at), not in a countdown held by the broker.
    assert ReminderLog.objects.get(pk=row_id).enqueued_at is None


def test_broker_down_during_a_web_request_loses_nothing(
    fdp_today, clock, broker, client, manager, django_capture_on_commit_callbacks
):
    broker.down = True
    client.force_login(manager)
    data = {
        "current_system": fdp_today.current_system,
        "current_supplier": fdp_today.current_supplier_id,
        "new_system": fdp_today.new_system,
        "new_supplier": fdp_today.new_supplier_id,
        "fdp_date": "2027-03-10",
        "go_live_date": "2027-03-18",
        "legacy_support_days": 90,
        "planning_meeting_date": "2027-02-01",
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("migration-edit", args=[fdp_today.pk]), data)
    assert response.status_code == 302
    fdp_today.refresh_from_db()
    assert fdp_today.go_live_date == d("2027-03-18")
    # Saving the migration logged the reminders due today; the broker refused them.
    assert ReminderLog.objects.filter(status="pending").count() == 3 and broker.sent == []
    # Broker back: a sweep within the requeue wait leaves them (a job may yet arrive) ...
    broker.down = False
    clock("2027-03-10 07:35")
    with django_capture_on_commit_callbacks(execute=True):
        reminders_sweep()
    assert broker.sent == []
    # ... and the first sweep after it hands them over.
    clock("2027-03-10 07:41")
    with django_capture_on_commit_callbacks(execute=True):
        reminders_sweep()
    assert len(broker.sent) == 3
    send_all(broker.sent)
    assert len(mail.outbox) == 3


def test_broker_down_during_the_sweep_keeps_the_rows_for_the_next_one(
    fdp_today, clock, broker, django_capture_on_commit_callbacks
):
    broker.down = True
    with django_capture_on_commit_callbacks(execute=True):
        reminders_sweep()
    assert ReminderLog.objects.filter(status="pending").count() == 3
    broker.down = False
    clock("2027-03-10 07:45")
    with django_capture_on_commit_callbacks(execute=True):
        reminders_sweep()
    assert len(broker.sent) == 3


# --- Rescheduling ------------------------------------------------------------------------------


def test_a_pending_reminder_for_an_old_date_is_cancelled_not_sent(fdp_today, clock, manager):
    from coordinator.services import migration_update

    ids = reminders_sweep(enqueue=False).ready_ids
    clock("2027-03-10 07:31")
    # FDP moves a week later before the workers got to the rows.
    migration_update(migration=fdp_today, by=manager, fdp_date=d("2027-03-17"), go_live_date=d("2027-03-24"))
    assert set(send_all(ids)) == {"cancelled"}
    assert mail.outbox == []
    assert set(ReminderLog.objects.values_list("status", flat=True)) == {"cancelled"}


def test_rescheduling_keeps_sent_reminders_and_sends_on_the_new_dates(fdp_today, clock, manager):
    from coordinator.services import migration_update

    send_all(reminders_sweep(enqueue=False).ready_ids)
    assert len(mail.outbox) == 3
    migration_update(migration=fdp_today, by=manager, fdp_date=d("2027-03-12"), go_live_date=d("2027-03-19"))
    clock("2027-03-11 07:30")
    assert reminders_sweep(enqueue=False).ready_ids == []
    clock("2027-03-12 07:30")
    send_all(reminders_sweep(enqueue=False).ready_ids)
    sent = ReminderLog.objects.filter(status="sent")
    assert sorted({str(row.due_date) for row in sent}) == ["2027-03-10", "2027-03-12"]
    assert sent.count() == 6 and len(mail.outbox) == 6


def test_a_cancelled_reminder_is_due_again_if_the_date_moves_back(fdp_today, clock, manager):
    from coordinator.services import migration_update

    ids = reminders_sweep(enqueue=False).ready_ids
    migration_update(migration=fdp_today, by=manager, fdp_date=d("2027-03-17"), go_live_date=d("2027-03-24"))
    send_all(ids)
    assert set(ReminderLog.objects.values_list("status", flat=True)) == {"cancelled"}
    migration_update(migration=fdp_today, by=manager, fdp_date=d("2027-03-10"), go_live_date=d("2027-03-17"))
    send_all(reminders_sweep(enqueue=False).ready_ids)
    assert len(mail.outbox) == 3
    assert ReminderLog.objects.filter(status="sent").count() == 3


def test_a_recipient_who_left_the_practice_is_not_sent_a_pending_reminder(fdp_today, staff):
    ids = reminders_sweep(enqueue=False).ready_ids
    staff.practice_memberships.all().delete()
    outcomes = send_all(ids)
    assert sorted(outcomes) == ["cancelled", "sent", "sent"]
    assert staff.email not in [message.to[0] for message in mail.outbox]


def test_recording_the_planning_meeting_stops_a_pending_escalation(clock, people, make_migration, manager):
    from coordinator.services import migration_update

    migration = make_migration("2027-03-10", "2027-03-17")
    clock("2027-02-11 07:30")
    ids = reminders_sweep(enqueue=False).ready_ids
    assert len(ids) == 3
    migration_update(migration=migration, by=manager, planning_meeting_date=d("2027-02-09"))
    assert set(send_all(ids)) == {"cancelled"}


# --- Catch-up ----------------------------------------------------------------------------------


def test_a_missed_day_skips_reminders_for_a_day_that_has_passed(fdp_today, clock):
    # Nothing ran on FDP day; the next morning the FDP-day emails are stale.
    clock("2027-03-11 07:30")
    assert reminders_sweep(enqueue=False).ready_ids == []


def test_a_missed_lead_time_is_sent_late_while_its_date_is_still_ahead(clock, people, make_migration):
    make_migration("2027-03-22", "2027-03-29", planning_meeting_date=d("2027-02-01"))  # legacy ends Sun 27 Jun
    # The 7-day reminder was due on Friday 18 Jun; beat was down until Tuesday 22 Jun.
    clock("2027-06-22 07:30")
    ids = reminders_sweep(enqueue=False).ready_ids
    assert send_all(ids) == ["sent", "sent"]
    row = ReminderLog.objects.get(pk=ids[0])
    assert (row.kind, row.due_date) == ("legacy_support_ending", d("2027-06-18"))
    assert "ends in 5 days" in mail.outbox[0].subject  # counted from the day it actually went


def test_a_late_lead_time_waits_for_a_working_day(clock, people, make_migration):
    make_migration("2027-03-22", "2027-03-29", planning_meeting_date=d("2027-02-01"))
    clock("2027-06-19 07:30")  # Saturday after the missed Friday
    assert reminders_sweep(enqueue=False).ready_ids == []
    clock("2027-06-21 07:30")  # Monday
    assert len(reminders_sweep(enqueue=False).ready_ids) == 2


def test_a_lead_time_is_skipped_once_its_date_has_passed(clock, people, make_migration):
    make_migration("2027-03-10", "2027-03-17")
    # The 5-week "book it" reminder (3 Feb) was missed and today is the deadline itself.
    clock("2027-02-10 07:30")
    reminders_sweep(enqueue=False)
    assert list(ReminderLog.objects.values_list("kind", flat=True)) == ["planning_meeting_deadline"]


def test_catch_up_sends_only_the_latest_of_a_series(clock, people, make_migration):
    make_migration("2027-03-10", "2027-03-17")
    # Down from before the 6-week reminder (27 Jan) until after the 5-week one (3 Feb).
    clock("2027-02-04 07:30")
    reminders_sweep(enqueue=False)
    rows = ReminderLog.objects.values_list("kind", "due_date")
    assert list(rows) == [("planning_meeting_ahead", d("2027-02-03"))]


def test_an_escalation_is_caught_up_until_fdp(clock, people, make_migration):
    make_migration("2027-03-10", "2027-03-17")
    clock("2027-02-18 07:30")  # a week after the escalation day
    send_all(reminders_sweep(enqueue=False).ready_ids)
    assert len(mail.outbox) == 3
    assert set(ReminderLog.objects.values_list("due_date", flat=True)) == {d("2027-02-11")}


def test_an_escalation_missed_until_fdp_is_dropped(clock, people, make_migration):
    make_migration("2027-03-10", "2027-03-17")
    clock("2027-03-10 07:30")
    reminders_sweep(enqueue=False)
    assert not ReminderLog.objects.filter(kind="planning_meeting_overdue").exists()


def test_a_job_that_arrives_a_day_late_for_a_deadline_day_is_cancelled(fdp_today, clock):
    ids = reminders_sweep(enqueue=False).ready_ids
    clock("2027-03-11 07:30")
    assert set(send_all(ids)) == {"cancelled"}
    assert mail.outbox == []


# --- Size ----------------------------------------------------------------------------------------


def _migrations_due_today(count: int, suppliers):
    for _ in range(count):
        practice = PracticeFactory()
        for role in ["practice_manager", "practice_staff"]:
            PracticeMembershipFactory(practice=practice, role=role)
        MigrationFactory(
            practice=practice,
            current_supplier=suppliers[0],
            new_supplier=suppliers[1],
            fdp_date=d("2027-03-10"),
            go_live_date=d("2027-03-17"),
            planning_meeting_date=d("2027-02-01"),
        )


def test_the_sweep_query_count_does_not_grow_with_the_number_of_migrations(
    clock, suppliers, broker, django_assert_max_num_queries, django_capture_on_commit_callbacks
):
    clock("2027-03-10 07:30")
    counts = []
    for count in (5, 50):
        ReminderLog.objects.all().delete()
        _migrations_due_today(count - len(counts and [0] * 5), suppliers)
        with (
            # 12, one for the Teams channels, one for people's choices, one for national services' notice
            django_assert_max_num_queries(16),
            CaptureQueriesContext(connection) as queries,
            django_capture_on_commit_callbacks(execute=True),
        ):
            reminders_sweep()
        # Rows go in with one INSERT per batch (SQLite allows about 80 rows per statement,
        # PostgreSQL 1000); every other query is the same whatever the number of migrations.
        inserts = [q for q in queries.captured_queries if q["sql"].startswith("INSERT")]
        assert len(inserts) <= 1 + (2 * count) // 80
        counts.append(len(queries) - len(inserts))
        assert ReminderLog.objects.count() == 2 * count
    assert counts[0] == counts[1]
    assert len(broker.sent) == 5 * 2 + 50 * 2


def _migrations_of_every_kind(count: int, suppliers):
    """For 10 Mar 2027: switch-off a week ahead, a re-entry backlog, an escalation to named ICB
    people, and digests for a colleague and an outside contact, ``count`` times over."""
    from ..factories import ContactFactory, ThirdPartySystemFactory
    from ..reentry.factories import EntryFactory
    from ..tasks.factories import TaskFactory

    def migration(fdp: str, go_live: str, **extra):
        practice = PracticeFactory()
        manager = PracticeMembershipFactory(practice=practice, role="practice_manager").user
        staff = PracticeMembershipFactory(practice=practice, role="practice_staff").user
        made = MigrationFactory(
            practice=practice,
            current_supplier=suppliers[0],
            new_supplier=suppliers[1],
            fdp_date=d(fdp),
            go_live_date=d(go_live),
            **extra,
        )
        return made, manager, staff

    for _ in range(count):
        switching, _manager, staff = migration("2027-03-17", "2027-03-24", planning_meeting_date=d("2027-02-01"))
        for _system in range(2):
            ThirdPartySystemFactory(practice=switching.practice)
        contact = ContactFactory(migration=switching)
        TaskFactory(migration=switching, due_date=d("2027-03-11"), assignee=staff)
        TaskFactory(migration=switching, due_date=d("2027-03-01"), assigned_contact=contact)
        re_entering, _manager, staff = migration("2027-02-24", "2027-03-03", planning_meeting_date=d("2027-01-01"))
        EntryFactory.create_batch(2, migration=re_entering, recorded_by=staff)
        escalating, _manager, _staff = migration("2027-04-06", "2027-04-13")
        ContactFactory(migration=escalating, role="icb")


def test_the_sweep_query_count_stays_the_same_with_every_kind_of_reminder_due(clock, suppliers):
    clock("2027-03-10 07:30")
    counts, rows = [], []
    for total in (2, 6):
        ReminderLog.objects.all().delete()
        _migrations_of_every_kind(total - (2 if counts else 0), suppliers)
        with CaptureQueriesContext(connection) as queries:
            reminders_sweep(enqueue=False)
        counts.append(len([q for q in queries.captured_queries if not q["sql"].startswith("INSERT")]))
        rows.append(dict(Counter(ReminderLog.objects.values_list("kind", flat=True))))
    assert counts[0] == counts[1]
    per_set = {"third_party_switch_off_ahead": 3, "reentry_backlog": 1, "planning_meeting_overdue": 2, "task_digest": 2}
    assert rows == [{kind: 2 * n for kind, n in per_set.items()}, {kind: 6 * n for kind, n in per_set.items()}]


def test_a_real_refused_broker_connection_does_not_break_saving_a_migration(
    fdp_today, clock, client, manager, monkeypatch, django_capture_on_commit_callbacks, caplog
):
    from cutover.celery import app

    from .conftest import Broker

    saved = app.conf.broker_url, app._pool, app.amqp._producer_pool
    # Nothing listens on port 1: publishing fails the way it does when Redis is down. Both pools
    # are rebuilt from the new address, and put back afterwards so later tests use the real broker.
    app.conf.broker_url = "redis://127.0.0.1:1/0"
    app._pool = app.amqp._producer_pool = None
    try:
        client.force_login(manager)
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(
                reverse("migration-edit", args=[fdp_today.pk]),
                {
                    "current_system": "EMIS Web",
                    "current_supplier": fdp_today.current_supplier_id,
                    "new_system": "TPP SystmOne",
                    "new_supplier": fdp_today.new_supplier_id,
                    "fdp_date": "2027-03-10",
                    "go_live_date": "2027-03-17",
                    "legacy_support_days": 120,
                    "planning_meeting_date": "2027-02-01",
                },
            )
    finally:
        for pool in (app.amqp._producer_pool, app._pool):
            if pool is not None:
                pool.force_close_all()
        app.conf.broker_url, app._pool, app.amqp._producer_pool = saved
    assert response.status_code == 302
    assert "Broker unavailable (OperationalError): 3 reminders left pending" in caplog.text
    fdp_today.refresh_from_db()
    assert fdp_today.legacy_support_days == 120
    assert ReminderLog.objects.filter(status="pending").count() == 3
    broker = Broker()
    monkeypatch.setattr(jobs.send_reminder, "delay", broker.delay)
    clock("2027-03-10 07:45")
    with django_capture_on_commit_callbacks(execute=True):
        reminders_sweep()
    assert len(broker.sent) == 3


def _practices_cutting_over(count: int, fdp: dt.date, suppliers) -> None:
    """``count`` practices with a manager and a member of staff, FDP on ``fdp`` (no planning
    meeting yet, so the escalations are worked out too), and their plans, some tasks assigned."""
    from tasks.models import Task
    from tasks.services import plans_create

    migrations = []
    for _ in range(count):
        manager = PracticeMembershipFactory(role="practice_manager")
        PracticeMembershipFactory(practice=manager.practice)
        migrations.append(
            MigrationFactory(
                practice=manager.practice,
                current_supplier=suppliers[0],
                new_supplier=suppliers[1],
                fdp_date=fdp,
                go_live_date=fdp + dt.timedelta(days=7),
            )
        )
        plans_create(migrations=migrations[-1:])
        Task.objects.filter(migration=migrations[-1], due_date__lte=fdp).update(assignee=manager.user)


def _queries_of_a_sweep() -> int:
    """Queries of a first sweep, less the batched INSERTs of the log (their number follows what is
    due and the database's batch size, not how many migrations were looked at)."""
    ReminderLog.objects.all().delete()
    with CaptureQueriesContext(connection) as queries:
        result = reminders_sweep()
    assert result.planned
    return sum(not query["sql"].startswith("INSERT") for query in queries.captured_queries)


def test_a_sweep_over_50_migrations_asks_the_database_as_often_as_one_over_5(clock, suppliers, broker):
    clock("2027-03-10 07:30")
    _practices_cutting_over(5, d("2027-03-10"), suppliers)
    over_5 = _queries_of_a_sweep()
    _practices_cutting_over(45, d("2027-03-10"), suppliers)
    assert _queries_of_a_sweep() == over_5
    kinds = Counter(ReminderLog.objects.values_list("kind", flat=True))
    assert kinds["fdp_day_team"] == 50 and kinds["task_digest"] == 50
