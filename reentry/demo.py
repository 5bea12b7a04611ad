"""Demo entries for seed_demo, so the log and its counts show something from the first run.

NHS numbers come from the 999 range, which is never issued to patients, and pass the check digit.
Each entry has a fixed idempotency token, so running the seed again records nothing twice.
"""

import datetime
import uuid
from decimal import Decimal

from django.utils import timezone

from cutover.models import Migration

from . import services
from .models import Entry, Kind, re_entry_open, recording_window
from .nhs_number import demo_nhs_numbers

TOKEN_NAMESPACE = uuid.UUID("6f1c3a52-8d0e-4c4e-9b7a-0d3f5e2a9c11")

# (day of the cutover, time, kind, summary, extra fields); NHS numbers are added in order.
DURING_CUTOVER = [
    (0, "09:10", Kind.CONSULTATION, "Blood pressure review: amlodipine increased to 10 mg once daily.", {}),
    (0, "11:40", Kind.TELEPHONE_CALL, "Asked to extend fit note by two weeks; GP agreed, note issued.", {}),
    (1, "08:30", Kind.PRESCRIPTION_REQUEST, "Repeat issued: salbutamol 100 micrograms inhaler, 2 inhalers.", {}),
    (
        1,
        "14:05",
        Kind.NEW_REGISTRATION,
        "",
        {
            "patient_name": "Jordan Fletcher",
            "patient_date_of_birth": datetime.date(1988, 4, 12),
            "patient_address": "14 Mill Lane\nDemo Town\nDT1 2AB",
            "from_paper": True,
        },
    ),
    (2, "10:15", Kind.PATHOLOGY_RESULT, "HbA1c 52 mmol/mol received; reviewed, no action, recall in 6 months.", {}),
    (2, "16:20", Kind.HOME_VISIT, "Home visit: chest infection, doxycycline 100 mg for 5 days started.", {}),
]

AFTER_GO_LIVE = [
    (0, "09:30", Kind.CONSULTATION, "Asthma review: inhaler technique checked, plan updated.", {}),
    (0, "12:10", Kind.REFERRAL, "Two-week-wait referral to dermatology sent by email.", {}),
    (1, "10:00", Kind.SCANNED_DOCUMENT, "Hospital discharge letter scanned, to attach to record.", {}),
    (2, "08:15", Kind.CORRESPONDENCE, "111 message: attended urgent treatment centre for sprained ankle.", {}),
    (3, "07:50", Kind.OUT_OF_HOURS_REPORT, "Out-of-hours visit overnight: antibiotics started for UTI.", {}),
    (3, "11:00", Kind.TELEPHONE_CALL, "Medication query about new statin; advice given.", {}),
    (3, "11:02", Kind.TELEPHONE_CALL, "Medication query about new statin; advice given.", {"void": True}),
    (
        4,
        "15:30",
        Kind.NEW_REGISTRATION,
        "Also booked a new patient health check.",
        {
            "patient_name": "Amira Haddad",
            "patient_date_of_birth": datetime.date(1975, 9, 30),
            "patient_address": "3 Station Road\nDemo Village\nDV4 7QT",
            "from_paper": True,
        },
    ),
    (
        5,
        "13:00",
        Kind.DISPENSARY_STOCK,
        "Delivery received from wholesaler.",
        {"stock_item": "Amoxicillin 500 mg capsules", "stock_quantity": Decimal("300"), "stock_unit": "capsules"},
    ),
    (
        6,
        "09:05",
        Kind.DISPENSARY_STOCK,
        "Delivery received from wholesaler.",
        {
            "stock_item": "Paracetamol 120 mg/5 ml oral suspension",
            "stock_quantity": Decimal("2"),
            "stock_unit": "bottles of 500 ml",
        },
    ),
]
# After go-live, this many entries (oldest first, voided ones skipped) are already re-entered ...
RE_ENTERED = 6
# ... and this many of those also checked by a second person.
CHECKED = 2


def seed_reentry(*, today: datetime.date, recorder, checker) -> int:
    """Record demo entries for every demo migration in cutover or after go-live. Returns how many records changed."""
    created = 0
    migrations = Migration.objects.active().filter(practice__memberships__user=recorder).select_related("practice")
    for migration in migrations:
        window = recording_window(migration)
        if not window.is_open(today):
            continue
        plan = AFTER_GO_LIVE if re_entry_open(migration, today) else DURING_CUTOVER
        entries = []
        nhs_numbers = iter(demo_nhs_numbers(len(plan), start=999_000_000 + (migration.practice_id % 9000) * 100))
        for index, (day, time, kind, summary, extra) in enumerate(plan):
            extra = dict(extra)
            void = extra.pop("void", False)
            occurred_at = timezone.make_aware(
                datetime.datetime.combine(window.fdp + datetime.timedelta(days=day), datetime.time.fromisoformat(time))
            )
            nhs_number = next(nhs_numbers)
            if not window.contains(occurred_at) or occurred_at > timezone.now():
                continue
            if kind == Kind.DISPENSARY_STOCK and not migration.practice.dispensing:
                continue
            if kind not in (Kind.NEW_REGISTRATION, Kind.DISPENSARY_STOCK):
                # The duplicate call is about the same patient as the call before it.
                extra["nhs_number"] = entries[-1][0].nhs_number if void else nhs_number
            entry, new = services.entry_record(
                migration=migration,
                kind=kind,
                occurred_at=occurred_at,
                summary=summary,
                token=uuid.uuid5(TOKEN_NAMESPACE, f"{migration.practice.ods_code}-{index}"),
                by=recorder,
                **extra,
            )
            if new:
                # Audit: demo data only. Staff log each item as it happens, so the demo's entries are
                # recorded at their own time rather than the moment the demo was loaded.
                Entry.objects.filter(pk=entry.pk).update(recorded_at=occurred_at)
            created += new
            entries.append((entry, void))
        if re_entry_open(migration, today):
            created += _work_through(entries, recorder=recorder, checker=checker)
    return created


def _work_through(entries: list[tuple[Entry, bool]], *, recorder, checker) -> int:
    changed = 0
    live = []
    for entry, void in entries:
        if void:
            if not entry.is_voided:
                services.entry_void(
                    entry=entry, reason="Duplicate of the call recorded two minutes earlier.", by=checker
                )
                changed += 1
        else:
            live.append(entry)
    for position, entry in enumerate(live[:RE_ENTERED]):
        if not entry.is_re_entered:
            entry = services.entry_mark_re_entered(entry=entry, by=recorder)
            changed += 1
        if position < CHECKED and not entry.is_checked:
            services.entry_mark_checked(entry=entry, by=checker)
            changed += 1
    return changed
