"""The national services catalogue, in our own words, and the services added to every active migration.

Self-contained on purpose: a data migration must not import the app's code, which will change after
it. systems/national.py (national_services_add) does the same for migrations created from now on.
"""

from django.db import migrations
from django.utils import timezone

# (name, what it is, notice in working days, counted back from, task lines)
CATALOGUE = [
    (
        "Electronic Prescription Service (EPS)",
        "Sends prescriptions from the practice straight to the pharmacy each patient has chosen.",
        25,
        "fdp",
        [
            "Tell the EPS team the FDP and go-live dates at least five weeks ahead.",
            "Before FDP, list the repeat-dispensing batches still outstanding on the current system.",
            "After go-live, cancel those outstanding repeat-dispensing issues and issue them again from the new system.",
            "After go-live, send a test prescription and check a pharmacy receives it.",
        ],
    ),
    (
        "Primary Care Support England (PCSE)",
        "Handles patient registrations, the movement of paper records and the practice's registration links.",
        10,
        "fdp",
        [
            "Give PCSE at least two weeks' notice of the switch.",
            "Process every outstanding FP69 flag before FDP.",
            "Submit every pending registration before FDP.",
            "Ask PCSE to pause the GP links over the cutover and to start them again from go-live.",
            "Set up the new system's mailbox for PCSE messages and give PCSE its address.",
        ],
    ),
    (
        "GP2GP record transfers",
        "Moves a patient's electronic record from their old practice when they register somewhere new.",
        10,
        "fdp",
        [
            "Before FDP, send and accept the record transfers still waiting.",
            "After go-live, check records move both in and out from the new system.",
        ],
    ),
    (
        "Summary Care Record",
        "The national summary of each patient's medicines, allergies and reactions, kept up to date from the "
        "practice's record.",
        10,
        "fdp",
        [
            "Tell the Summary Care Record team the dates of the switch.",
            "After go-live, check the new system updates Summary Care Records.",
        ],
    ),
    (
        "Screening programmes",
        "Cervical, bowel, breast, abdominal aortic aneurysm and diabetic eye screening, which send invitations, "
        "results and prior-notification lists to the practice.",
        10,
        "fdp",
        [
            "Tell each screening programme the dates of the switch.",
            "Ask them to stop sending messages to the practice about two working days before FDP.",
            "From go-live, ask them to start again, and check nothing sent in between was lost.",
        ],
    ),
    (
        "NHS App and online services",
        "Lets patients book appointments, order repeat prescriptions and read their record online.",
        15,
        "go_live",
        [
            "Tell patients when online services will stop and start again: website, posters, text message.",
            "Check with the new supplier how patients' online IDs and NHS login linkage move across.",
            "After go-live, check patients can sign in, and help those who must register again.",
        ],
    ),
    (
        "SMS and appointment-booking providers",
        "Text-message reminders and online booking services that read from or write to the clinical system.",
        10,
        "fdp",
        [
            "Tell each provider the dates and pause automatic messages over the cutover.",
            "After go-live, connect them to the new system and send a test message or booking.",
        ],
    ),
    (
        "Pathology",
        "Test requests sent to the laboratories and results sent back to the practice.",
        10,
        "fdp",
        [
            "Agree with the laboratories how results reach the practice during the cutover.",
            "After go-live, send a test request and check the result files in the new system.",
        ],
    ),
]


def _history(apps, model_name, row, now):
    """The creation row django-simple-history would have written, so the audit trail starts here."""
    historical = apps.get_model("practices", f"Historical{model_name}")
    values = {field.attname: getattr(row, field.attname) for field in row._meta.concrete_fields}
    historical.objects.create(
        **values, history_date=now, history_type="+", history_change_reason="National services catalogue"
    )


def seed(apps, schema_editor):
    NationalService = apps.get_model("practices", "NationalService")
    ThirdPartySystem = apps.get_model("practices", "ThirdPartySystem")
    ThirdPartyState = apps.get_model("practices", "ThirdPartyState")
    Migration = apps.get_model("cutover", "Migration")
    now = timezone.now()
    services = []
    for position, (name, description, days, counted_from, lines) in enumerate(CATALOGUE, start=1):
        service = NationalService.objects.create(
            name=name,
            description=description,
            notice_working_days=days,
            notice_counted_from=counted_from,
            task_lines="\n".join(lines),
            position=position,
        )
        _history(apps, "NationalService", service, now)
        services.append(service)
    for migration in Migration.objects.filter(status="active"):
        for service in services:
            system = ThirdPartySystem.objects.filter(
                practice_id=migration.practice_id, national_service=service
            ).first()
            if system is None:
                name = service.name
                key = " ".join(name.casefold().split())
                if ThirdPartySystem.objects.filter(practice_id=migration.practice_id, name_key=key).exists():
                    name = f"{service.name} (national service)"
                    key = " ".join(name.casefold().split())
                system = ThirdPartySystem.objects.create(
                    practice_id=migration.practice_id,
                    name=name,
                    name_key=key,
                    category="national_service",
                    backed_up_by_current_supplier=True,
                    national_service=service,
                    created_at=now,
                )
                _history(apps, "ThirdPartySystem", system, now)
            if not ThirdPartyState.objects.filter(migration=migration, system=system).exists():
                state = ThirdPartyState.objects.create(
                    migration=migration,
                    system=system,
                    notice_working_days=service.notice_working_days,
                    notice_counted_from=service.notice_counted_from,
                    task_lines=service.task_lines,
                )
                _history(apps, "ThirdPartyState", state, now)


class Migration(migrations.Migration):
    dependencies = [
        ("practices", "0010_national_services"),
    ]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
