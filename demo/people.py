"""Demo people and third-party systems for the demo migrations (called by seed_demo).

Riverside (before FDP) is left for the manager to confirm who is involved; Hillview (in
cutover) has one system whose links are still on; Moorland (after go-live) has one not yet
back on. Running it again changes nothing.
"""

import datetime

from django.utils import timezone

from cutover.models import Migration
from cutover.timeline import switch_off_window
from practices.models import Practice, ThirdPartyState, ThirdPartySystem, User
from practices.stakeholders import stakeholders_confirm, stakeholders_suggest
from systems.demo import national_services_demo_progress
from systems.third_party import StepRefused, third_party_step_record

Step = ThirdPartyState.Step

DEMO_SYSTEMS = [
    {
        "name": "Docman",
        "category": ThirdPartySystem.Category.DOCUMENT_MANAGEMENT,
        "supplier_name": "Demo Document Services",
        "contact_name": "Chris Taylor",
        "contact_email": "chris.taylor@documents.example",
        "contact_phone": "0113 496 0101",
        "backed_up_by_current_supplier": False,
        "notes": "Scanned letters are filed from here into the clinical record. The practice keeps its own backup.",
    },
    {
        "name": "Online consultation tool",
        "category": ThirdPartySystem.Category.ONLINE_CONSULTATION,
        "supplier_name": "Demo Online Consult",
        "contact_name": "Sam Reid",
        "contact_email": "sam.reid@consult.example",
        "contact_phone": "0113 496 0102",
        "backed_up_by_current_supplier": True,
        "notes": "Patients' requests arrive in the clinical system's inbox while the link is on.",
    },
    {
        "name": "Pathology results link",
        "category": ThirdPartySystem.Category.PATHOLOGY_LINK,
        "supplier_name": "Demo Pathology Services",
        "contact_name": "Jo Bennett",
        "contact_email": "jo.bennett@pathology.example",
        "contact_phone": "0113 496 0103",
        "backed_up_by_current_supplier": True,
        "notes": "Results come back electronically; during cutover the lab sends paper copies.",
    },
]

# (ODS code, confirm people?, {system name: steps done, each with a day offset from a key date})
DEMO_PROGRESS = {
    "Y90001": (False, {"Docman": [(Step.NOTIFIED, "today", -2)]}),
    "Y90002": (
        True,
        {
            "Docman": [
                (Step.NOTIFIED, "fdp", -20),
                (Step.BACKED_UP, "fdp", -3),
                (Step.SWITCHED_OFF, "window", 0),
            ],
            "Online consultation tool": [(Step.NOTIFIED, "fdp", -20)],
            "Pathology results link": [(Step.NOTIFIED, "fdp", -20), (Step.SWITCHED_OFF, "window", 0)],
        },
    ),
    "Y90003": (
        True,
        {
            "Docman": [
                (Step.NOTIFIED, "fdp", -21),
                (Step.BACKED_UP, "fdp", -4),
                (Step.SWITCHED_OFF, "window", 0),
                (Step.BACK_ON, "go_live", 0),
            ],
            "Online consultation tool": [
                (Step.NOTIFIED, "fdp", -21),
                (Step.SWITCHED_OFF, "window", 0),
                (Step.BACK_ON, "go_live", 1),
            ],
            "Pathology results link": [(Step.NOTIFIED, "fdp", -21), (Step.SWITCHED_OFF, "window", 0)],
        },
    ),
}


def _at(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(10, 0)))


def seed_people(*, today: datetime.date) -> int:
    """Add the demo systems, people and third-party progress. Returns how many records were new."""
    created = 0
    manager = User.objects.filter(email="manager@example.org").first()
    it_lead = User.objects.filter(email="itlead@example.org").first() or manager
    if manager is None:
        return 0
    for ods_code, (confirm, progress) in DEMO_PROGRESS.items():
        practice = Practice.objects.filter(ods_code=ods_code).first()
        migration = Migration.objects.active().filter(practice=practice).first() if practice else None
        if migration is None:
            continue
        systems = {}
        for fields in DEMO_SYSTEMS:
            systems[fields["name"]], new = ThirdPartySystem.objects.get_or_create(
                practice=practice, name=fields["name"], defaults=fields
            )
            created += new
        if confirm:
            created += len(
                stakeholders_confirm(migration=migration, chosen=stakeholders_suggest(migration), by=manager)
            )
        anchors = {
            "today": today,
            "fdp": migration.fdp_date,
            "window": switch_off_window(migration.fdp_date)[0],
            "go_live": migration.go_live_date,
        }
        for name, steps in progress.items():
            for step, anchor, offset in steps:
                day = anchors[anchor] + datetime.timedelta(days=offset)
                if day > today:
                    continue
                try:
                    third_party_step_record(
                        migration=migration,
                        system=systems[name],
                        step=step,
                        by=it_lead if step == Step.SWITCHED_OFF else manager,
                        at=_at(day),
                    )
                except StepRefused:
                    continue  # already recorded by an earlier run
                created += 1
        created += national_services_demo_progress(migration=migration, today=today, manager=manager, it_lead=it_lead)
    return created
