"""National services' notice: the practice manager is reminded on each notice date, once, of every
service not yet recorded as told."""

import datetime as dt

import pytest

from cutover.timeline import local_today
from cutover.workdays import add_working_days
from reminders.models import ReminderLog
from systems.national import national_rows, national_services_add
from systems.third_party import third_party_mark_not_applicable, third_party_step_record

from .conftest import due_today, send_due, walk

pytestmark = pytest.mark.django_db

KIND = "national_service_notice"
EPS = "Electronic Prescription Service (EPS)"


@pytest.fixture
def planned(people, make_migration, manager):
    """FDP 40 working days ahead, a meeting held, and the national services catalogue."""
    fdp = add_working_days(local_today(), 40)
    migration = make_migration(str(fdp), planning_meeting_date=local_today())
    national_services_add(migrations=[migration], by=manager)
    return migration


def notice_days(migration) -> list[dt.date]:
    return sorted({row.notice_date for row in national_rows(migration, today=local_today())})


def national_only(logged: dict) -> dict:
    return {day: kinds[KIND] for day, kinds in logged.items() if KIND in kinds}


def test_the_manager_hears_on_each_notice_date_and_only_then(clock, planned, manager):
    days = notice_days(planned)
    assert len(days) >= 2  # EPS five weeks ahead, most others two weeks ahead
    logged = national_only(walk(clock, str(local_today()), str(planned.fdp_date)))
    assert logged == {str(day): [manager.email] for day in days}


def test_a_second_sweep_on_the_notice_date_sends_nothing_more(clock, planned):
    first = notice_days(planned)[0]
    clock(f"{first} 07:30")
    assert KIND in due_today()
    clock(f"{first} 16:00")
    assert KIND not in due_today()
    assert ReminderLog.objects.filter(kind=KIND).count() == 1


def test_the_email_names_the_services_still_to_be_told(clock, planned, manager):
    first = notice_days(planned)[0]
    clock(f"{first} 07:30")
    (email,) = [message for message in send_due() if "national services" in message.subject]
    assert EPS in email.body
    assert f"/migrations/{planned.pk}/systems/" in email.body


def test_services_told_or_not_applicable_are_not_reminded(clock, planned, manager):
    for row in national_rows(planned, today=local_today()):
        if row.system.name == EPS:
            third_party_step_record(migration=planned, system=row.system, step="notified", by=manager)
        else:
            third_party_mark_not_applicable(migration=planned, system=row.system, reason="Not used", by=manager)
    assert national_only(walk(clock, str(local_today()), str(planned.fdp_date))) == {}


def test_a_migration_planned_late_is_reminded_on_the_next_working_day(clock, people, make_migration, manager):
    """Created after its notice dates: the one latest reminder goes, listing every service, until FDP eve."""
    fdp = add_working_days(local_today(), 5)
    migration = make_migration(str(fdp), planning_meeting_date=local_today())
    national_services_add(migrations=[migration], by=manager)
    clock(f"{local_today()} 09:00")
    assert due_today()[KIND] == [manager.email]
    clock(f"{add_working_days(local_today(), 1)} 09:00")
    assert KIND not in due_today()
