"""The database itself keeps each entry's shape and life cycle honest, whatever code writes to it."""

import datetime
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from reentry.models import AccessEvent, DeletionRefused, Entry, Kind

from ..factories import at
from .conftest import FDP
from .factories import EntryFactory, RegistrationEntryFactory

pytestmark = pytest.mark.django_db


def _violates(name: str, **fields):
    with pytest.raises(IntegrityError, match=name), transaction.atomic():
        EntryFactory(**fields)


def test_a_consultation_needs_a_ten_digit_nhs_number(cutover, staff):
    _violates("patient_kinds_have_nhs_number", migration=cutover, recorded_by=staff, nhs_number="")
    _violates("patient_kinds_have_nhs_number", migration=cutover, recorded_by=staff, nhs_number="94347659")
    _violates("patient_kinds_have_nhs_number", migration=cutover, recorded_by=staff, nhs_number="943476591X")


def test_a_consultation_holds_no_registration_or_stock_details(cutover, staff):
    _violates("patient_kinds_have_nhs_number", migration=cutover, recorded_by=staff, patient_name="Ann Other")
    _violates("patient_kinds_have_nhs_number", migration=cutover, recorded_by=staff, stock_item="Paracetamol")


def test_a_new_registration_needs_name_date_of_birth_and_address_and_no_nhs_number(cutover, staff):
    RegistrationEntryFactory(migration=cutover, recorded_by=staff)
    for missing in [{"patient_name": ""}, {"patient_date_of_birth": None}, {"patient_address": ""}]:
        with pytest.raises(IntegrityError, match="registration_has_name_dob_address"), transaction.atomic():
            RegistrationEntryFactory(migration=cutover, recorded_by=staff, **missing)
    with pytest.raises(IntegrityError, match="registration_has_name_dob_address"), transaction.atomic():
        RegistrationEntryFactory(migration=cutover, recorded_by=staff, nhs_number="9434765919")


def test_a_stock_entry_needs_item_a_positive_quantity_and_unit(cutover, staff):
    stock = {"kind": Kind.DISPENSARY_STOCK, "nhs_number": "", "summary": ""}
    EntryFactory(
        migration=cutover,
        recorded_by=staff,
        **stock,
        stock_item="Amoxicillin 500 mg",
        stock_quantity=Decimal("21"),
        stock_unit="capsules",
    )
    for fields in [
        {"stock_item": "", "stock_quantity": Decimal("21"), "stock_unit": "capsules"},
        {"stock_item": "Amoxicillin", "stock_quantity": Decimal("0"), "stock_unit": "capsules"},
        {"stock_item": "Amoxicillin", "stock_quantity": None, "stock_unit": "capsules"},
        {"stock_item": "Amoxicillin", "stock_quantity": Decimal("21"), "stock_unit": ""},
    ]:
        _violates("stock_has_item_quantity_unit", migration=cutover, recorded_by=staff, **stock, **fields)
    _violates(
        "stock_has_item_quantity_unit",
        migration=cutover,
        recorded_by=staff,
        **(stock | {"nhs_number": "9434765919"}),
        stock_item="Amoxicillin",
        stock_quantity=Decimal("21"),
        stock_unit="capsules",
    )


def test_a_summary_is_required_except_for_registrations_and_stock(cutover, staff):
    _violates("summary_required", migration=cutover, recorded_by=staff, summary="")


def test_an_unknown_kind_is_refused(cutover, staff):
    _violates("kind_known", migration=cutover, recorded_by=staff, kind="gossip")


def test_an_activity_cannot_be_recorded_before_it_happened(cutover, staff):
    when = at(FDP, 11)
    _violates(
        "occurred_before_recorded",
        migration=cutover,
        recorded_by=staff,
        occurred_at=when,
        recorded_at=when - datetime.timedelta(minutes=1),
    )


def test_the_same_form_token_is_stored_once(cutover, staff):
    first = EntryFactory(migration=cutover, recorded_by=staff)
    _violates("token", migration=cutover, recorded_by=staff, idempotency_token=first.idempotency_token)


def test_a_check_is_by_someone_other_than_the_person_who_re_entered(cutover, staff, colleague):
    now = timezone.now()
    with pytest.raises(IntegrityError, match="checked_by_a_second_person"), transaction.atomic():
        EntryFactory(
            migration=cutover,
            recorded_by=staff,
            re_entered_by=staff,
            re_entered_at=now,
            checked_by=staff,
            checked_at=now,
        )
    with pytest.raises(IntegrityError, match="checked_by_a_second_person"), transaction.atomic():
        EntryFactory(migration=cutover, recorded_by=staff, checked_by=colleague, checked_at=now)
    EntryFactory(
        migration=cutover,
        recorded_by=staff,
        re_entered_by=staff,
        re_entered_at=now,
        checked_by=colleague,
        checked_at=now,
    )


def test_a_void_needs_a_reason_and_excludes_re_entry(cutover, staff):
    now = timezone.now()
    _violates("void_has_reason", migration=cutover, recorded_by=staff, voided_by=staff, voided_at=now, void_reason="")
    _violates(
        "not_both_voided_and_re_entered",
        migration=cutover,
        recorded_by=staff,
        voided_by=staff,
        voided_at=now,
        void_reason="Duplicate",
        re_entered_by=staff,
        re_entered_at=now,
    )


def test_an_entry_refuses_to_be_deleted(cutover, staff):
    entry = EntryFactory(migration=cutover, recorded_by=staff)
    with pytest.raises(DeletionRefused, match="Void the entry instead"):
        entry.delete()
    with pytest.raises(DeletionRefused):
        Entry.objects.filter(pk=entry.pk).delete()
    with pytest.raises(DeletionRefused):
        Entry.objects.all().delete()
    assert Entry.objects.filter(pk=entry.pk).exists()


def test_a_migration_with_entries_cannot_be_deleted(cutover, staff):
    from django.db.models import ProtectedError

    EntryFactory(migration=cutover, recorded_by=staff)
    with pytest.raises(ProtectedError):
        cutover.delete()


def test_access_events_refuse_to_be_deleted(cutover, staff):
    event = AccessEvent.objects.create(user=staff, action=AccessEvent.Action.VIEWED_LOG, migration=cutover)
    with pytest.raises(DeletionRefused):
        event.delete()
    with pytest.raises(DeletionRefused):
        AccessEvent.objects.all().delete()


def test_an_entry_describes_itself_without_patient_details(cutover, staff):
    entry = EntryFactory(migration=cutover, recorded_by=staff)
    assert entry.nhs_number not in str(entry)
    assert str(entry) == f"Re-entry log entry {entry.pk} (Consultation)"
