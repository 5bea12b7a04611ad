"""The daily task digest: one email a working day per person, overdue tasks and those due in the
next three working days, across all their migrations; nothing if there is nothing to say."""

import pytest
from django.core import mail

from practices.models import PracticeMembership, StakeholderRole
from reminders.models import ReminderLog, ReminderOptOut
from reminders.optout import unsubscribe_email
from reminders.send import reminder_send
from reminders.sweep import reminders_refresh, reminders_sweep

from ..factories import ContactFactory, MigrationFactory, PracticeFactory, PracticeMembershipFactory
from ..tasks.factories import TaskFactory
from .conftest import by_address, d, due_today, send_due

pytestmark = pytest.mark.django_db

STAFF = "staff@riverside.example"
LAB = "alex@citylab.example"
DIGEST = "task_digest"


@pytest.fixture
def riverside(people, make_migration):
    return make_migration("2027-03-22", "2027-03-29", planning_meeting_date=d("2027-02-01"))


@pytest.fixture
def lab_contact(riverside):
    return ContactFactory(
        migration=riverside, role=StakeholderRole.PATHOLOGY_LAB, name="Alex Green", email="Alex@CityLab.example"
    )


def task(migration, due: str, **fields):
    return TaskFactory(migration=migration, due_date=d(due), **fields)


def test_one_email_per_person_with_overdue_and_soon_due_tasks_across_migrations(
    clock, riverside, staff, suppliers, settings
):
    settings.SITE_URL = "https://cutover.example.org"
    # Staff also works at a second practice with its own migration.
    elsewhere = PracticeFactory(name="Hillside Surgery", ods_code="C83003")
    PracticeMembershipFactory(practice=elsewhere, user=staff, role=PracticeMembership.Role.PRACTICE_STAFF)
    other = MigrationFactory(
        practice=elsewhere,
        current_supplier=suppliers[0],
        new_supplier=suppliers[1],
        fdp_date=d("2027-04-14"),
        go_live_date=d("2027-04-21"),
    )
    overdue = task(riverside, "2027-03-01", assignee=staff, title="Clear the workflow inbox")
    due_friday = task(riverside, "2027-03-05", assignee=staff, title="Check smartcards")
    due_wednesday = task(other, "2027-03-10", assignee=staff, title="Book the trainers")
    task(other, "2027-03-11", assignee=staff, title="Too far off")  # the 4th working day
    task(riverside, "2027-03-02", assignee=staff, title="Done already", status="done", status_changed_at=dt_now())
    task(riverside, "2027-03-04", title="Nobody's task")
    clock("2027-03-05 07:30")  # Friday: the next three working days run to Wednesday 10 Mar
    [email] = send_due_of(DIGEST)
    assert email.to[0].endswith(f"<{STAFF}>")
    assert email.subject == "Your cutover tasks: 1 overdue, 2 due by 10 Mar 2027"
    body = email.body
    assert body.index("Overdue:") < body.index("Clear the workflow inbox") < body.index("Due by 10 Mar 2027:")
    assert "- Check smartcards, Riverside Medical Centre (A81001), due 5 Mar 2027" in body
    assert "- Book the trainers, Hillside Surgery (C83003), due 10 Mar 2027" in body
    assert "Too far off" not in body and "Done already" not in body and "Nobody's task" not in body
    for item in (overdue, due_friday):
        assert f"https://cutover.example.org/migrations/{riverside.pk}/plan/tasks/{item.pk}/" in body
    assert (
        f'href="https://cutover.example.org/migrations/{other.pk}/plan/tasks/{due_wednesday.pk}/"'
        in (email.alternatives[0][0])
    )
    assert "Stop these emails" not in email.alternatives[0][0], "people of the practice cannot opt out here"
    row = ReminderLog.objects.get(kind=DIGEST)
    assert (row.migration_id, row.recipient_user_id, row.due_date) == (None, staff.pk, d("2027-03-05"))


def dt_now():
    from django.utils import timezone

    return timezone.now()


def send_due_of(kind_name):
    return [
        m for m in send_due() if ReminderLog.objects.get(pk=m.extra_headers["X-Cutover-Reminder"]).kind == kind_name
    ]


def test_the_three_working_days_skip_easter(clock, riverside, staff):
    # Thursday 25 Mar 2027: Good Friday (26) and Easter Monday (29) do not count, so the three
    # working days are 30 Mar, 31 Mar and 1 Apr.
    task(riverside, "2027-04-01", assignee=staff, title="Inside")
    task(riverside, "2027-04-02", assignee=staff, title="Outside")
    clock("2027-03-25 07:30")
    [email] = send_due_of(DIGEST)
    assert "Inside" in email.body and "Outside" not in email.body
    assert "Due by 1 Apr 2027:" in email.body


def test_no_digest_at_weekends_or_on_bank_holidays(clock, riverside, staff):
    task(riverside, "2027-03-24", assignee=staff)
    for moment in ["2027-03-20 07:30", "2027-03-21 07:30", "2027-03-26 07:30", "2027-03-29 07:30"]:
        clock(moment)  # Saturday, Sunday, Good Friday, Easter Monday
        assert DIGEST not in due_today()
    clock("2027-03-30 07:30")
    assert due_today() == {DIGEST: [STAFF]}


def test_nothing_is_sent_to_someone_with_nothing_due(clock, riverside, staff, manager):
    task(
        riverside,
        "2027-03-11",  # inside the three working days: left out because it is not applicable
        assignee=staff,
        status="not_applicable",
        not_applicable_reason="No",
        status_changed_at=dt_now(),
    )
    task(riverside, "2027-04-20", assignee=manager)
    clock("2027-03-10 07:30")
    assert DIGEST not in due_today()


def test_once_a_day_however_often_the_sweep_runs(clock, riverside, staff):
    task(riverside, "2027-03-10", assignee=staff)
    clock("2027-03-10 07:30")
    send_due()
    clock("2027-03-10 12:00")
    send_due()
    assert ReminderLog.objects.filter(kind=DIGEST).count() == 1
    assert len([m for m in mail.outbox if "Your cutover tasks" in m.subject]) == 1
    clock("2027-03-11 07:30")
    assert due_today() == {DIGEST: [STAFF]}, "the next working day brings the next digest"


def test_an_outside_contact_gets_the_tasks_without_app_links_and_with_an_unsubscribe_link(
    clock, riverside, lab_contact, settings
):
    settings.SITE_URL = "https://cutover.example.org"
    task(riverside, "2027-03-09", assigned_contact=lab_contact, title="Confirm the lab link is tested")
    clock("2027-03-08 07:30")
    [email] = send_due_of(DIGEST)
    assert email.to == ["Alex Green <alex@citylab.example>"]
    assert "- Confirm the lab link is tested, Riverside Medical Centre (A81001), due 9 Mar 2027\n" in email.body
    assert "/plan/" not in email.body and "/migrations/" not in email.body
    unsubscribe = email.extra_headers["List-Unsubscribe"].strip("<>")
    assert unsubscribe.startswith("https://cutover.example.org/reminders/stop/")
    assert email.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert f"To stop these emails: {unsubscribe}" in email.body
    assert f'href="{unsubscribe}"' in email.alternatives[0][0]
    token = unsubscribe.rstrip("/").rsplit("/", 1)[-1]
    assert unsubscribe_email(token) == LAB
    row = ReminderLog.objects.get(kind=DIGEST)
    assert (row.recipient_user_id, row.recipient_name) == (None, "Alex Green")


def test_an_outside_contact_who_opted_out_gets_no_digest_but_still_gets_deadlines(clock, riverside, lab_contact):
    ReminderOptOut.objects.create(email=LAB)
    task(riverside, "2027-03-09", assigned_contact=lab_contact)
    clock("2027-03-08 07:30")
    assert DIGEST not in due_today()


def test_opting_out_after_the_row_was_logged_stops_the_email(clock, riverside, lab_contact):
    task(riverside, "2027-03-09", assigned_contact=lab_contact)
    clock("2027-03-08 07:30")
    [row_id] = reminders_sweep(enqueue=False).ready_ids
    ReminderOptOut.objects.create(email=LAB)
    assert reminder_send(reminder_id=row_id) == "cancelled"
    assert mail.outbox == []


def test_tasks_done_before_the_digest_goes_cancel_it(clock, riverside, staff):
    item = task(riverside, "2027-03-09", assignee=staff)
    clock("2027-03-08 07:30")
    [row_id] = reminders_sweep(enqueue=False).ready_ids
    item.status, item.status_changed_at = "done", dt_now()
    item.save()
    assert reminder_send(reminder_id=row_id) == "cancelled"


def test_people_who_left_the_practice_or_were_switched_off_get_nothing(clock, riverside, staff, it_lead):
    task(riverside, "2027-03-09", assignee=staff)
    task(riverside, "2027-03-09", assignee=it_lead)
    PracticeMembership.objects.filter(user=staff).delete()
    it_lead.is_active = False
    it_lead.save()
    clock("2027-03-08 07:30")
    assert DIGEST not in due_today()


def test_tasks_of_closed_migrations_are_left_out(clock, riverside, staff):
    task(riverside, "2027-03-09", assignee=staff)
    riverside.status = "completed"
    riverside.save()
    clock("2027-03-08 07:30")
    assert DIGEST not in due_today()


def test_a_person_who_is_both_assignee_and_named_contact_gets_one_digest(clock, riverside, staff, manager):
    stakeholder_of_staff = ContactFactory(migration=riverside, role=StakeholderRole.PRACTICE_STAFF, email=STAFF)
    task(riverside, "2027-03-09", assignee=staff, title="As a member")
    task(riverside, "2027-03-09", assigned_contact=stakeholder_of_staff, title="As a contact")
    clock("2027-03-08 07:30")
    [email] = send_due_of(DIGEST)
    assert "As a member" in email.body and "As a contact" in email.body


def test_saving_a_migration_does_not_send_digests_early(clock, riverside, staff):
    task(riverside, "2027-03-09", assignee=staff)
    clock("2027-03-08 07:30")
    reminders_refresh(migration=riverside)
    assert not ReminderLog.objects.filter(kind=DIGEST).exists(), "digests are the full sweep's, across migrations"
    assert by_address(send_due_of(DIGEST))[STAFF]
