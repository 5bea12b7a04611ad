"""Recording, re-entering, checking and voiding, through the functions every page and job calls."""

import datetime
import uuid
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from reentry import services
from reentry.models import Entry, Kind

from ..factories import at
from .conftest import FDP, GO_LIVE, travel
from .factories import EntryFactory, RegistrationEntryFactory

pytestmark = pytest.mark.django_db

VALID = "943 476 5919"


def record(migration, by, **fields):
    values = {
        "kind": Kind.CONSULTATION,
        "occurred_at": at(FDP, 9),
        "nhs_number": VALID,
        "summary": "Reviewed asthma",
        "token": uuid.uuid4(),
    }
    return services.entry_record(migration=migration, by=by, **(values | fields))


# Recording window -----------------------------------------------------------------------------


def test_recording_is_refused_before_fdp_day(cutover, staff):
    with travel(at(FDP - datetime.timedelta(days=1), 17)), pytest.raises(services.ReentryActionRefused) as caught:
        record(cutover, staff, occurred_at=at(FDP - datetime.timedelta(days=1), 16))
    assert "Recording opens on FDP day, 23 Nov 2026" in str(caught.value)
    assert not Entry.objects.exists()


def test_recording_opens_at_the_start_of_fdp_day(cutover, staff):
    with travel(at(FDP, 0, 5)):
        entry, created = record(cutover, staff, occurred_at=at(FDP, 0, 1))
    assert created
    assert entry.nhs_number == "9434765919"
    assert entry.recorded_by == staff
    assert not entry.from_paper


def test_an_activity_before_fdp_is_refused(cutover, staff, during_cutover):
    with pytest.raises(ValidationError) as caught:
        record(cutover, staff, occurred_at=at(FDP - datetime.timedelta(days=1), 23, 59))
    assert "must have happened during the cutover" in caught.value.message_dict["occurred_at"][0]


def test_go_live_day_is_still_part_of_the_window(cutover, staff):
    with travel(at(GO_LIVE, 12)):
        entry, _ = record(cutover, staff, occurred_at=at(GO_LIVE, 8, 30))
    assert not entry.from_paper


def test_an_activity_after_go_live_day_is_refused(cutover, staff, after_go_live):
    with pytest.raises(ValidationError) as caught:
        record(cutover, staff, occurred_at=at(GO_LIVE + datetime.timedelta(days=1), 0, 0))
    assert "occurred_at" in caught.value.message_dict


def test_an_activity_in_the_future_is_refused(cutover, staff, during_cutover):
    with pytest.raises(ValidationError) as caught:
        record(cutover, staff, occurred_at=at(FDP + datetime.timedelta(days=2), 10, 31))
    assert caught.value.message_dict["occurred_at"] == ["The date and time cannot be in the future."]


def test_a_paper_entry_keyed_in_after_go_live_keeps_its_date_and_is_marked_from_paper(cutover, staff, after_go_live):
    written = at(FDP + datetime.timedelta(days=3), 14, 20)
    entry, _ = record(cutover, staff, occurred_at=written, from_paper=False)
    assert entry.occurred_at == written
    assert entry.from_paper


def test_the_window_follows_british_summer_time(practice, suppliers, staff):
    from tests.factories import MigrationFactory

    # Clocks go forward on 28 Mar 2027: 00:30 on FDP day in BST is 23:30 UTC the day before.
    migration = MigrationFactory(
        practice=practice,
        current_supplier=suppliers[0],
        new_supplier=suppliers[1],
        fdp_date=datetime.date(2027, 3, 29),
        go_live_date=datetime.date(2027, 4, 5),
    )
    with travel(at(datetime.date(2027, 3, 29), 9)):
        entry, _ = record(migration, staff, occurred_at=at(datetime.date(2027, 3, 29), 0, 30))
        with pytest.raises(ValidationError):
            record(migration, staff, occurred_at=at(datetime.date(2027, 3, 28), 23, 59))
    assert entry.occurred_at.astimezone(datetime.UTC).date() == datetime.date(2027, 3, 28)


# Kinds ------------------------------------------------------------------------------------------


def test_a_bad_nhs_number_is_refused_and_nothing_saved(cutover, staff, during_cutover):
    with pytest.raises(ValidationError) as caught:
        record(cutover, staff, nhs_number="943 476 5918")
    assert "last digit does not match" in caught.value.message_dict["nhs_number"][0]
    assert not Entry.objects.exists()


def test_a_new_registration_keeps_name_birth_date_and_address_and_no_nhs_number(cutover, staff, during_cutover):
    entry, _ = record(
        cutover,
        staff,
        kind=Kind.NEW_REGISTRATION,
        nhs_number="943 476 5919",
        patient_name=" Jordan Fletcher ",
        patient_date_of_birth=datetime.date(1988, 4, 12),
        patient_address="14 Mill Lane\nDemo Town",
        summary="",
    )
    assert (entry.nhs_number, entry.patient_name) == ("", "Jordan Fletcher")
    assert entry.needs_gms_registration
    assert entry.status == "To re-register"


def test_a_new_registration_without_an_address_is_refused(cutover, staff, during_cutover):
    with pytest.raises(ValidationError, match="name, date of birth and address"):
        record(
            cutover,
            staff,
            kind=Kind.NEW_REGISTRATION,
            patient_name="Jordan Fletcher",
            patient_date_of_birth=datetime.date(1988, 4, 12),
        )
    assert not Entry.objects.exists()


def test_a_dispensing_practice_records_stock_without_a_patient(dispensing_cutover, staff, during_cutover):
    entry, _ = record(
        dispensing_cutover,
        staff,
        kind=Kind.DISPENSARY_STOCK,
        stock_item="Amoxicillin 500 mg capsules",
        stock_quantity=Decimal("300"),
        stock_unit="capsules",
        summary="",
    )
    assert entry.nhs_number == ""
    assert entry.subject == "Amoxicillin 500 mg capsules: 300 capsules"


def test_a_practice_that_does_not_dispense_cannot_record_stock(cutover, staff, during_cutover):
    with pytest.raises(ValidationError) as caught:
        record(
            cutover,
            staff,
            kind=Kind.DISPENSARY_STOCK,
            stock_item="Amoxicillin",
            stock_quantity=Decimal("1"),
            stock_unit="packs",
        )
    assert caught.value.message_dict["kind"] == ["Dispensary stock is only recorded by dispensing practices."]


# Double submit ----------------------------------------------------------------------------------


def test_the_same_token_twice_records_one_entry(cutover, staff, during_cutover):
    token = uuid.uuid4()
    first, created_first = record(cutover, staff, token=token)
    second, created_second = record(cutover, staff, token=token, summary="Changed on the retry")
    assert (created_first, created_second) == (True, False)
    assert first.pk == second.pk
    assert Entry.objects.get().summary == "Reviewed asthma"


def test_someone_elses_token_is_not_taken_for_a_double_submit(cutover, staff, colleague, during_cutover):
    token = uuid.uuid4()
    record(cutover, staff, token=token)
    with pytest.raises(services.ReentryActionRefused, match="already been used"):
        record(cutover, colleague, token=token)
    assert Entry.objects.count() == 1


# Re-entering, checking, voiding -----------------------------------------------------------------


def test_re_entry_waits_for_go_live(cutover, staff, during_cutover):
    entry = EntryFactory(migration=cutover, recorded_by=staff)
    with pytest.raises(services.ReentryActionRefused, match="Re-entry starts at go-live, on 30 Nov 2026"):
        services.entry_mark_re_entered(entry=entry, by=staff)
    entry.refresh_from_db()
    assert not entry.is_re_entered


def test_marking_re_entered_records_who_and_when_once(cutover, staff, colleague, after_go_live):
    entry = EntryFactory(migration=cutover, recorded_by=staff)
    services.entry_mark_re_entered(entry=entry, by=staff)
    services.entry_mark_re_entered(entry=entry, by=colleague)
    entry.refresh_from_db()
    assert entry.re_entered_by == staff
    assert entry.re_entered_at == at(GO_LIVE + datetime.timedelta(days=2), 9, 15)
    assert [h.history_user for h in entry.history.order_by("history_id")] == [None, staff]


def test_a_check_needs_a_second_person_after_re_entry(cutover, staff, colleague, after_go_live):
    entry = EntryFactory(migration=cutover, recorded_by=staff)
    with pytest.raises(services.ReentryActionRefused, match="Mark the entry re-entered first"):
        services.entry_mark_checked(entry=entry, by=colleague)
    services.entry_mark_re_entered(entry=entry, by=staff)
    with pytest.raises(services.ReentryActionRefused, match="second person"):
        services.entry_mark_checked(entry=entry, by=staff)
    checked = services.entry_mark_checked(entry=entry, by=colleague)
    assert (checked.checked_by, checked.status) == (colleague, "Re-entered and checked")


def test_voiding_needs_a_reason(cutover, staff, during_cutover):
    entry = EntryFactory(migration=cutover, recorded_by=staff)
    with pytest.raises(ValidationError) as caught:
        services.entry_void(entry=entry, reason="   ", by=staff)
    assert "reason" in caught.value.message_dict
    entry.refresh_from_db()
    assert not entry.is_voided


def test_a_voided_entry_stays_with_its_reason_and_cannot_be_re_entered(cutover, staff, after_go_live):
    entry = EntryFactory(migration=cutover, recorded_by=staff)
    services.entry_void(entry=entry, reason="Duplicate of entry 1", by=staff)
    with pytest.raises(services.ReentryActionRefused, match="void"):
        services.entry_mark_re_entered(entry=entry, by=staff)
    entry.refresh_from_db()
    assert (entry.status, entry.void_reason, entry.voided_by) == ("Voided", "Duplicate of entry 1", staff)
    assert Entry.objects.filter(pk=entry.pk).exists()


def test_a_re_entered_entry_cannot_be_voided(cutover, staff, after_go_live):
    entry = EntryFactory(migration=cutover, recorded_by=staff)
    services.entry_mark_re_entered(entry=entry, by=staff)
    with pytest.raises(services.ReentryActionRefused, match="already in the new system"):
        services.entry_void(entry=entry, reason="Oops", by=staff)


def test_bulk_marking_records_history_for_each_entry_and_skips_the_rest(
    cutover, other_practice, suppliers, staff, colleague, after_go_live
):
    from tests.factories import MigrationFactory

    pending = EntryFactory.create_batch(3, migration=cutover, recorded_by=staff)
    done = EntryFactory(migration=cutover, recorded_by=staff)
    services.entry_mark_re_entered(entry=done, by=colleague)
    void = EntryFactory(migration=cutover, recorded_by=staff)
    services.entry_void(entry=void, reason="Duplicate", by=staff)
    elsewhere = EntryFactory(
        migration=MigrationFactory(
            practice=other_practice, current_supplier=suppliers[0], new_supplier=suppliers[1], fdp_date=FDP
        ),
        recorded_by=staff,
    )
    ids = [e.pk for e in [*pending, done, void, elsewhere]]
    assert services.entries_mark_re_entered(migration=cutover, entry_ids=ids, by=staff) == 3
    for entry in pending:
        entry.refresh_from_db()
        assert entry.re_entered_by == staff
        assert entry.history.latest().history_user == staff
    done.refresh_from_db()
    elsewhere.refresh_from_db()
    assert done.re_entered_by == colleague
    assert not elsewhere.is_re_entered


# Counts -------------------------------------------------------------------------------------------


def test_counts_by_kind_in_one_query(cutover, staff, django_assert_num_queries, after_go_live):
    EntryFactory.create_batch(3, migration=cutover, recorded_by=staff)
    services.entry_mark_re_entered(entry=EntryFactory(migration=cutover, recorded_by=staff), by=staff)
    RegistrationEntryFactory.create_batch(2, migration=cutover, recorded_by=staff)
    services.entry_void(entry=EntryFactory(migration=cutover, recorded_by=staff), reason="Duplicate", by=staff)
    with django_assert_num_queries(1):
        counts = services.reentry_counts(cutover)
    assert (counts.recorded, counts.to_re_enter, counts.registrations_to_re_register, counts.voided) == (6, 5, 2, 1)
    assert counts.re_entered == 1
    assert [(c.kind, c.recorded, c.to_re_enter, c.voided) for c in counts.by_kind] == [
        ("consultation", 4, 3, 1),
        ("new_registration", 2, 2, 0),
    ]
    with django_assert_num_queries(1):
        assert services.reentry_backlog(cutover) == 5


def test_the_backlog_reaches_zero_when_everything_is_re_entered_or_void(cutover, staff, after_go_live):
    entries = EntryFactory.create_batch(2, migration=cutover, recorded_by=staff)
    assert services.reentry_backlog(cutover) == 2
    services.entry_mark_re_entered(entry=entries[0], by=staff)
    services.entry_void(entry=entries[1], reason="Entered in error", by=staff)
    assert services.reentry_backlog(cutover) == 0


def test_counts_of_an_empty_log_are_zero(cutover):
    counts = services.reentry_counts(cutover)
    assert (counts.recorded, counts.to_re_enter, counts.by_kind) == (0, 0, [])


def test_a_patient_entry_recorded_without_an_nhs_number_is_refused_and_nothing_saved(cutover, staff, during_cutover):
    with pytest.raises(ValidationError) as caught:
        record(cutover, staff, nhs_number=" ")
    assert caught.value.message_dict["nhs_number"] == ["Enter the patient's NHS number (10 digits)."]
    assert not Entry.objects.exists()


def test_the_entry_itself_checks_its_nhs_number_whoever_saves_it(cutover, staff):
    entry = EntryFactory.build(migration=cutover, recorded_by=staff, nhs_number="9434765918")
    with pytest.raises(ValidationError) as caught:
        entry.full_clean(exclude=["migration", "recorded_by", "idempotency_token"])
    assert "last digit does not match" in caught.value.message_dict["nhs_number"][0]
