"""The lifecycle before the cutover: order, kick-off, IDP and the data-checking sign-off, and their tasks."""

import datetime as dt

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse

from coordinator import services
from cutover.models import Migration
from cutover.timeline import lifecycle_default, local_today
from cutover.workdays import add_working_days
from tasks.models import Task, TaskDueDateChange

from ..conftest import SUITE_NOW
from ..factories import MigrationFactory, at, working_day_in
from ..tasks.factories import load_plan_template

pytestmark = pytest.mark.django_db

# FDP on Wednesday 6 Jan 2027: counting back crosses New Year's Day (Fri 1 Jan), Christmas Day
# (Fri 25 Dec) and the Boxing Day holiday moved to Monday 28 Dec 2026.
FDP = dt.date(2027, 1, 6)
GO_LIVE = dt.date(2027, 1, 13)


@pytest.fixture
def planned(practice, suppliers, manager, suite_clock):
    """A migration planned with FDP and go-live only, as today's form does, in good time: in
    September, so every lifecycle date keeps its lead time back from FDP."""
    load_plan_template()
    suite_clock.move_to(at(dt.date(2026, 9, 1)))
    try:
        return _create(practice, suppliers, manager)
    finally:
        suite_clock.move_to(SUITE_NOW)


def _create(practice, suppliers, manager, *, fdp=FDP, go_live=GO_LIVE):
    return services.migration_create(
        practice=practice,
        current_system="EMIS Web",
        current_supplier=suppliers[0],
        new_system="TPP SystmOne",
        new_supplier=suppliers[1],
        fdp_date=fdp,
        go_live_date=go_live,
        by=manager,
    )


def due(migration, key) -> dt.date:
    return Task.objects.get(migration=migration, template_item__key=key).due_date


def test_dates_left_empty_are_worked_back_from_fdp_in_working_days_across_christmas(planned):
    assert planned.idp_on == dt.date(2026, 12, 11)  # 15 working days back, skipping 1 Jan, 28 and 25 Dec
    assert planned.data_signoff_due_on == dt.date(2026, 12, 29)  # not Monday 28 Dec, a bank holiday
    assert planned.kickoff_on == dt.date(2026, 10, 30)
    assert planned.order_on == dt.date(2026, 10, 9)


def test_each_new_phase_has_its_tasks_dated_from_its_anchor(planned):
    assert due(planned, "order-new-system") == dt.date(2026, 10, 9)
    assert due(planned, "kickoff-meeting") == dt.date(2026, 10, 30)
    assert due(planned, "technical-survey") == dt.date(2026, 11, 6)  # 5 working days after kick-off
    assert due(planned, "data-clean-up") == dt.date(2026, 12, 4)  # 5 working days before IDP
    assert due(planned, "idp-loaded") == dt.date(2026, 12, 11)
    assert due(planned, "compare-test-patients") == dt.date(2026, 12, 18)
    # One working day before the sign-off deadline of Tue 29 Dec is Thursday 24 Dec: the 25th and 28th are holidays.
    assert due(planned, "recheck-data-issues") == dt.date(2026, 12, 24)
    assert due(planned, "data-signoff") == dt.date(2026, 12, 29)
    assert due(planned, "update-tracking-database") == dt.date(2027, 1, 27)  # 10 working days after go-live


def test_setting_a_lifecycle_date_moves_its_open_tasks_with_the_reason(client, manager, planned):
    client.force_login(manager)
    response = client.post(
        reverse("migration-lifecycle-dates", args=[planned.pk]),
        {"order_date": "", "kickoff_date": "", "idp_date": "2026-12-04", "data_signoff_due": ""},
    )
    assert response.status_code == 302
    planned.refresh_from_db()
    assert planned.idp_date == dt.date(2026, 12, 4)
    assert due(planned, "idp-loaded") == dt.date(2026, 12, 4)
    assert due(planned, "compare-test-patients") == dt.date(2026, 12, 11)
    assert due(planned, "data-signoff") == dt.date(2026, 12, 29)  # still worked from FDP
    change = TaskDueDateChange.objects.get(task__template_item__key="idp-loaded")
    assert change.reason == "Initial data production (IDP) set to 4 Dec 2026"


def test_moving_fdp_moves_the_dates_left_to_it_and_their_tasks(manager, planned):
    services.migration_update(
        migration=planned, by=manager, fdp_date=dt.date(2027, 1, 13), go_live_date=dt.date(2027, 1, 20)
    )
    assert planned.data_signoff_due_on == dt.date(2027, 1, 6)
    assert due(planned, "data-signoff") == dt.date(2027, 1, 6)


@pytest.mark.parametrize(
    ("dates", "field", "message"),
    [
        (
            {"kickoff_date": "2026-12-14", "idp_date": "2026-12-11"},
            "idp_date",
            "The kick-off meeting (14 Dec 2026) must come before IDP (11 Dec 2026).",
        ),
        ({"idp_date": "2027-01-07"}, "idp_date", "IDP (7 Jan 2027) must come before the data-checking sign-off"),
        ({"data_signoff_due": "2027-01-06"}, "data_signoff_due", "must come before FDP (6 Jan 2027)."),
        ({"order_date": "2026-11-02"}, "order_date", "The order (2 Nov 2026) must come before the kick-off meeting"),
    ],
)
def test_dates_out_of_order_are_refused_beside_the_field_and_nothing_is_saved(
    client, manager, planned, dates, field, message
):
    client.force_login(manager)
    data = {"order_date": "", "kickoff_date": "", "idp_date": "", "data_signoff_due": "", **dates}
    response = client.post(reverse("migration-lifecycle-dates", args=[planned.pk]), data)
    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors[field])
    planned.refresh_from_db()
    assert planned.lifecycle_given == dict.fromkeys(planned.lifecycle_given)


def test_fdp_cannot_move_before_a_lifecycle_date_the_practice_set(client, manager, planned):
    services.migration_update(migration=planned, by=manager, idp_date=dt.date(2026, 12, 11))
    client.force_login(manager)
    response = client.post(
        reverse("migration-edit", args=[planned.pk]),
        {
            "current_system": "EMIS Web",
            "current_supplier": planned.current_supplier.pk,
            "new_system": "TPP SystmOne",
            "new_supplier": planned.new_supplier.pk,
            "fdp_date": "2026-12-16",
            "go_live_date": "2026-12-23",
            "legacy_support_days": 90,
        },
    )
    assert response.status_code == 200
    assert "Change the lifecycle dates first" in " ".join(response.context["form"].errors["fdp_date"])
    assert Migration.objects.get(pk=planned.pk).fdp_date == FDP


def test_the_database_refuses_lifecycle_dates_out_of_order(practice, suppliers):
    with pytest.raises(IntegrityError), transaction.atomic():
        MigrationFactory(
            practice=practice,
            current_supplier=suppliers[0],
            new_supplier=suppliers[1],
            idp_date=dt.date(2026, 12, 11),
            data_signoff_due=dt.date(2026, 12, 10),
        )


def test_the_migration_page_shows_the_lifecycle_among_the_key_dates(client, staff, planned):
    client.force_login(staff)
    page = client.get(planned.get_absolute_url()).content.decode()
    assert "Initial data production (IDP)" in page
    assert "Worked out as 15 working days before FDP." in page
    assert page.index("System ordered") < page.index("Final data production (FDP)")


def test_only_the_manager_changes_lifecycle_dates(client, staff, planned):
    client.force_login(staff)
    url = reverse("migration-lifecycle-dates", args=[planned.pk])
    assert client.post(url, {"idp_date": "2026-12-04"}).status_code == 403
    planned.refresh_from_db()
    assert planned.idp_date is None


# A migration planned late --------------------------------------------------------------------------
# Planned six weeks before FDP, the order (12 weeks ahead) and the kick-off (9 weeks) are already
# behind. Left to their defaults they are due on the day the migration was planned, not weeks ago:
# nothing can be overdue on the first day. Dates the practice gives are kept, in the past too.


@pytest.fixture
def planned_late(practice, suppliers, manager):
    load_plan_template()
    fdp = working_day_in(42)
    return _create(practice, suppliers, manager, fdp=fdp, go_live=fdp + dt.timedelta(days=7))


def overdue_titles(migration) -> list[str]:
    today = local_today()
    return list(
        Task.objects.filter(migration=migration, status=Task.Status.OPEN, due_date__lt=today).values_list(
            "title", flat=True
        )
    )


def test_a_migration_planned_six_weeks_before_fdp_has_no_overdue_task_on_its_first_day(planned_late):
    today = local_today()
    assert overdue_titles(planned_late) == []
    assert planned_late.order_on == planned_late.kickoff_on == today
    assert due(planned_late, "order-new-system") == today
    assert due(planned_late, "kickoff-meeting") == today
    assert due(planned_late, "technical-survey") == add_working_days(today, 5)
    # The phases still ahead keep their usual lead times.
    assert planned_late.idp_on == lifecycle_default("idp_date", planned_late.fdp_date)
    assert planned_late.data_signoff_due_on == lifecycle_default("data_signoff_due", planned_late.fdp_date)


def test_the_key_dates_say_a_late_phase_counts_from_the_day_the_migration_was_planned(client, staff, planned_late):
    kickoff = {item.key: item for item in planned_late.key_dates()}["kickoff_date"]
    assert "before this migration was planned, so it is due from the day it was planned" in kickoff.explanation
    client.force_login(staff)
    page = client.get(planned_late.get_absolute_url()).content.decode()
    assert "set the real date if it is known" in page


def test_past_dates_the_practice_gives_still_count_as_overdue(manager, planned_late):
    kickoff = add_working_days(local_today(), -10)
    services.migration_update(migration=planned_late, by=manager, kickoff_date=kickoff)
    assert due(planned_late, "kickoff-meeting") == kickoff
    assert "Hold the kick-off meeting" in overdue_titles(planned_late)


def test_the_catch_up_does_not_follow_the_clock_once_the_migration_is_planned(planned_late, suite_clock):
    planned_on = local_today()
    suite_clock.shift(dt.timedelta(days=14))
    planned_late.refresh_from_db()
    assert planned_late.kickoff_on == planned_on
    assert "Hold the kick-off meeting" in overdue_titles(planned_late)


def test_a_migration_planned_after_its_lifecycle_could_fit_keeps_the_dates_in_order(practice, suppliers, manager):
    load_plan_template()
    fdp = working_day_in(3)
    late = _create(practice, suppliers, manager, fdp=fdp, go_live=fdp + dt.timedelta(days=7))
    dates = list(late.lifecycle_dates.values())
    assert dates[0] <= dates[1] < dates[2] < dates[3] < fdp
