"""The third-party state machine: what may be recorded when, and how progress is counted."""

import datetime

import pytest
import time_machine
from django.db import IntegrityError, transaction

from practices.models import ThirdPartyState
from systems.system_rows import third_party_rows
from systems.third_party import (
    StepRefused,
    systems_not_switched_off,
    third_party_mark_applicable,
    third_party_mark_not_applicable,
    third_party_progress,
    third_party_progress_for,
    third_party_step_record,
    third_party_step_undo,
)

from ..factories import ThirdPartySystemFactory, at

pytestmark = pytest.mark.django_db
Step = ThirdPartyState.Step

BEFORE_WINDOW = datetime.date(2026, 12, 1)
IN_WINDOW = datetime.date(2026, 12, 3)
LAST_DAY_OF_WINDOW = datetime.date(2026, 12, 4)
FDP = datetime.date(2026, 12, 7)
AFTER_FDP = datetime.date(2026, 12, 8)
GO_LIVE = datetime.date(2026, 12, 14)


def record(migration, system, step, by, day):
    return third_party_step_record(migration=migration, system=system, step=step, by=by, at=at(day))


def test_each_step_is_recorded_with_who_and_when(dated_migration, docman, staff):
    with time_machine.travel(at(IN_WINDOW), tick=False):
        state = third_party_step_record(migration=dated_migration, system=docman, step=Step.NOTIFIED, by=staff)
    assert state.notified_by == staff
    assert state.notified_at == at(IN_WINDOW)
    assert state.history.latest().history_user == staff


def test_links_cannot_be_confirmed_back_on_before_go_live(dated_migration, docman, it_lead):
    record(dated_migration, docman, Step.SWITCHED_OFF, it_lead, IN_WINDOW)
    with pytest.raises(StepRefused, match="stays off until go-live on 14 Dec 2026"):
        record(dated_migration, docman, Step.BACK_ON, it_lead, GO_LIVE - datetime.timedelta(days=1))
    assert ThirdPartyState.objects.get().back_on_at is None


def test_links_can_be_confirmed_back_on_from_go_live_day(dated_migration, docman, it_lead):
    record(dated_migration, docman, Step.SWITCHED_OFF, it_lead, IN_WINDOW)
    state = record(dated_migration, docman, Step.BACK_ON, it_lead, GO_LIVE)
    assert state.back_on_by == it_lead


def test_links_cannot_be_back_on_before_they_were_switched_off(dated_migration, docman, it_lead):
    with pytest.raises(StepRefused, match="switched off before confirming"):
        record(dated_migration, docman, Step.BACK_ON, it_lead, GO_LIVE)


@pytest.mark.parametrize(
    ("day", "late"),
    [
        (IN_WINDOW, False),
        (LAST_DAY_OF_WINDOW, False),
        # Saturday and Sunday before FDP: the window has closed, the extract has not run yet.
        (datetime.date(2026, 12, 5), True),
        (FDP, True),
        (AFTER_FDP, True),
    ],
)
def test_a_switch_off_after_the_window_is_recorded_as_late(dated_migration, docman, it_lead, day, late):
    state = record(dated_migration, docman, Step.SWITCHED_OFF, it_lead, day)
    assert state.switched_off_at is not None
    assert state.switched_off_late is late


def test_the_window_moves_back_past_a_bank_holiday(practice, suppliers, docman, it_lead):
    from cutover.models import Migration

    # FDP Tuesday 29 Dec 2026: Monday 28 Dec (substitute Boxing Day) and Christmas Day are holidays,
    # so the window is Wednesday 23 and Thursday 24 Dec; Sunday 27 Dec is already late.
    migration = Migration.objects.create(
        practice=practice,
        current_system="EMIS Web",
        current_supplier=suppliers[0],
        new_system="TPP SystmOne",
        new_supplier=suppliers[1],
        fdp_date=datetime.date(2026, 12, 29),
        go_live_date=datetime.date(2027, 1, 5),
    )
    assert not record(migration, docman, Step.SWITCHED_OFF, it_lead, datetime.date(2026, 12, 24)).switched_off_late
    third_party_step_undo(migration=migration, system=docman, step=Step.SWITCHED_OFF, by=it_lead)
    assert record(migration, docman, Step.SWITCHED_OFF, it_lead, datetime.date(2026, 12, 27)).switched_off_late


def test_a_backup_is_refused_when_the_current_supplier_backs_the_system_up(dated_migration, pathology_link, staff):
    with pytest.raises(StepRefused, match="no separate backup is needed"):
        record(dated_migration, pathology_link, Step.BACKED_UP, staff, IN_WINDOW)


def test_a_step_is_recorded_once(dated_migration, docman, staff, it_lead):
    record(dated_migration, docman, Step.NOTIFIED, staff, BEFORE_WINDOW)
    with pytest.raises(StepRefused, match="already recorded"):
        record(dated_migration, docman, Step.NOTIFIED, it_lead, IN_WINDOW)
    assert ThirdPartyState.objects.get().notified_by == staff


def test_not_applicable_needs_a_reason_and_blocks_steps(dated_migration, docman, manager):
    with pytest.raises(StepRefused, match="Say why"):
        third_party_mark_not_applicable(migration=dated_migration, system=docman, reason="   ", by=manager)
    assert not ThirdPartyState.objects.exists()
    third_party_mark_not_applicable(migration=dated_migration, system=docman, reason="No longer used", by=manager)
    with pytest.raises(StepRefused, match="not applicable"):
        record(dated_migration, docman, Step.NOTIFIED, manager, IN_WINDOW)
    third_party_mark_applicable(migration=dated_migration, system=docman, by=manager)
    assert record(dated_migration, docman, Step.NOTIFIED, manager, IN_WINDOW).notified_at


def test_switch_off_cannot_be_taken_back_while_back_on_stands(dated_migration, docman, it_lead):
    record(dated_migration, docman, Step.SWITCHED_OFF, it_lead, FDP)
    record(dated_migration, docman, Step.BACK_ON, it_lead, GO_LIVE)
    with pytest.raises(StepRefused, match="Take back"):
        third_party_step_undo(migration=dated_migration, system=docman, step=Step.SWITCHED_OFF, by=it_lead)
    third_party_step_undo(migration=dated_migration, system=docman, step=Step.BACK_ON, by=it_lead)
    state = third_party_step_undo(migration=dated_migration, system=docman, step=Step.SWITCHED_OFF, by=it_lead)
    assert state.switched_off_at is None
    assert state.switched_off_late is False


def test_a_system_of_another_practice_is_refused(dated_migration, other_practice, staff):
    elsewhere = ThirdPartySystemFactory(practice=other_practice)
    with pytest.raises(ValueError, match="another practice"):
        record(dated_migration, elsewhere, Step.NOTIFIED, staff, IN_WINDOW)


@pytest.mark.parametrize(
    "fields",
    [
        {"back_on_at": at(GO_LIVE)},  # back on without ever being switched off
        {"switched_off_late": True},  # late without a switch-off
        {"not_applicable_reason": "Gone"},  # a reason with no one marking it
        {"notified_at": at(IN_WINDOW)},  # a step without who did it
    ],
)
def test_the_database_refuses_impossible_states(dated_migration, docman, fields):
    with pytest.raises(IntegrityError), transaction.atomic():
        ThirdPartyState.objects.create(migration=dated_migration, system=docman, **fields)


def test_progress_counts_done_and_not_applicable_and_is_complete_only_when_all_are(
    dated_migration, docman, pathology_link, practice, manager
):
    third = ThirdPartySystemFactory(practice=practice, name="Messaging", backed_up_by_current_supplier=False)
    record(dated_migration, docman, Step.NOTIFIED, manager, BEFORE_WINDOW)
    progress = third_party_progress(dated_migration, Step.NOTIFIED)
    assert (progress.done, progress.not_applicable, progress.total, progress.complete) == (1, 0, 3, False)

    record(dated_migration, pathology_link, Step.NOTIFIED, manager, BEFORE_WINDOW)
    third_party_mark_not_applicable(migration=dated_migration, system=third, reason="Replaced by email", by=manager)
    progress = third_party_progress(dated_migration, Step.NOTIFIED)
    assert (progress.done, progress.not_applicable, progress.total, progress.complete) == (2, 1, 3, True)


def test_backup_progress_counts_only_systems_the_supplier_does_not_back_up(
    dated_migration, docman, pathology_link, manager
):
    progress = third_party_progress(dated_migration, Step.BACKED_UP)
    assert (progress.done, progress.total, progress.complete) == (0, 1, False)
    record(dated_migration, docman, Step.BACKED_UP, manager, BEFORE_WINDOW)
    assert third_party_progress(dated_migration, Step.BACKED_UP).complete


def test_a_practice_with_no_systems_has_nothing_outstanding(dated_migration):
    progress = third_party_progress(dated_migration, Step.SWITCHED_OFF)
    assert (progress.total, progress.complete) == (0, True)


def test_progress_for_many_migrations_runs_two_queries(
    dated_migration, docman, pathology_link, manager, django_assert_num_queries
):
    from ..factories import MigrationFactory

    others = [MigrationFactory() for _ in range(4)]
    for other in others:
        ThirdPartySystemFactory(practice=other.practice)
    record(dated_migration, docman, Step.SWITCHED_OFF, manager, IN_WINDOW)
    with django_assert_num_queries(2):
        result = third_party_progress_for([dated_migration, *others], Step.SWITCHED_OFF)
    assert (result[dated_migration.pk].done, result[dated_migration.pk].total) == (1, 2)
    assert all((result[o.pk].done, result[o.pk].total) == (0, 1) for o in others)


def test_rows_show_who_did_each_step_and_what_is_refused(dated_migration, docman, pathology_link, it_lead):
    record(dated_migration, docman, Step.SWITCHED_OFF, it_lead, AFTER_FDP)
    rows = {row.system.name: row for row in third_party_rows(dated_migration, today=AFTER_FDP)}
    off = rows["Docman"].cells[2]
    assert (off.done, off.done_by, off.late, off.can_undo) == (True, it_lead, True, True)
    assert "go-live" in rows["Docman"].cells[3].refusal
    assert rows["Pathology results link"].cells[1].not_needed


def test_systems_not_switched_off_leaves_out_done_and_not_applicable(
    dated_migration, docman, pathology_link, practice, manager
):
    third = ThirdPartySystemFactory(practice=practice, name="Messaging")
    record(dated_migration, docman, Step.SWITCHED_OFF, manager, IN_WINDOW)
    third_party_mark_not_applicable(migration=dated_migration, system=third, reason="Not linked", by=manager)
    assert list(systems_not_switched_off(dated_migration)) == [pathology_link]
