"""Demo data for a first run: an ICB, a delivery partner, three practices at different
stages of their migration, a demo user for each role, and a wave of eight more practices of
the ICB for the shared dashboard.

Dates are relative to the day it runs. Running it again changes nothing.
"""

import datetime
import os

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from coordinator import services
from cutover.models import Migration
from cutover.timeline import local_today
from cutover.workdays import working_day_on_or_after
from dashboard.demo import meeting_held_on, seed_wave
from demo.people import seed_people
from lifecycle.demo import seed_clinical_lead, seed_earlier_migration
from practices.models import Organisation, OrganisationMembership, Practice, PracticeMembership, User
from reentry.demo import seed_reentry
from tasks.demo import seed_plan
from tasks.local import local_item_create
from tasks.models import LocalPlanItem

DEFAULT_PASSWORD = "cutover-demo-2026"  # noqa: S105 (demo accounts only; seed_demo refuses to run with DEBUG off)

DEMO_PRACTICES = [
    # name, ODS code, dispensing, FDP offset from today, cutover length in days
    ("Riverside Medical Centre", "Y90001", False, 42, 7),
    ("Hillview Surgery", "Y90002", False, -3, 7),
    ("Moorland Dispensing Practice", "Y90003", True, -20, 8),
]


class Command(BaseCommand):
    help = "Load demo organisations, practices, migrations and users (safe to run twice)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--password", help=f"Password for every demo user (default: $DEMO_PASSWORD or {DEFAULT_PASSWORD})."
        )
        parser.add_argument("--force", action="store_true", help="Run even with DEBUG off.")

    def handle(self, *args, password=None, force=False, **options):
        if not settings.DEBUG and not force:
            raise CommandError(
                "Refusing to load demo data with DEBUG off: this looks like a real installation. "
                "Use --force if you really mean it."
            )
        password = password or os.environ.get("DEMO_PASSWORD") or DEFAULT_PASSWORD
        with transaction.atomic():
            created = seed(password=password, today=local_today())
        self.stdout.write(self.style.SUCCESS(f"Demo data ready ({created} new records)."))
        self.stdout.write("Sign in as manager@example.org, staff@example.org, itlead@example.org,")
        self.stdout.write("icb@example.org, partner@example.org or admin@example.org.")


DEMO_LOCAL_TASK = {
    "title": "Run the ICB's data-quality report and send it to the programme team",
    "guidance": (
        "Run the data-quality report from the ICB's reporting site for your practice, look at anything "
        "flagged red with your clinical lead, and email the report to the ICB's migration programme team."
    ),
    "phase": "preparation",
    "anchor": "idp",
    "direction": "before",
    "offset_days": 3,
    "default_owner_role": "practice_manager",
}


def seed(*, password: str, today: datetime.date) -> int:
    created = 0

    def org(name, kind, ods_code=""):
        nonlocal created
        obj, new = Organisation.objects.get_or_create(name=name, kind=kind, defaults={"ods_code": ods_code})
        created += new
        return obj

    def user(email, first, last, **extra):
        nonlocal created
        obj, new = User.objects.get_or_create(email=email, defaults={"first_name": first, "last_name": last, **extra})
        if new:
            obj.set_password(password)
            obj.save()
        created += new
        return obj

    icb = org("NHS Demo Integrated Care Board", Organisation.Kind.ICB, "QZZ")
    partner = org("Demo Commissioning Support Unit", Organisation.Kind.DELIVERY_PARTNER, "0ZZ")
    emis = org("EMIS Health", Organisation.Kind.SUPPLIER)
    tpp = org("TPP", Organisation.Kind.SUPPLIER)
    vision = org("Cegedim Healthcare Solutions", Organisation.Kind.SUPPLIER)
    org("Medicus Health", Organisation.Kind.SUPPLIER)

    manager = user("manager@example.org", "Priya", "Shah")
    staff = user("staff@example.org", "Tom", "Evans")
    it_lead = user("itlead@example.org", "Sam", "Okafor")
    icb_user = user("icb@example.org", "Helen", "Carter")
    partner_user = user("partner@example.org", "Dev", "Patel")
    user("admin@example.org", "Alex", "Admin", is_staff=True, is_superuser=True)
    for person, organisation in [(icb_user, icb), (partner_user, partner)]:
        _, new = OrganisationMembership.objects.get_or_create(
            user=person, organisation=organisation, defaults={"is_programme_lead": organisation == icb}
        )
        created += new
    # The ICB's own task, before the migrations are made, so their plans show "Added by" the ICB.
    if not LocalPlanItem.objects.filter(organisation=icb).exists():
        local_item_create(organisation=icb, by=icb_user, **DEMO_LOCAL_TASK)
        created += 1

    for name, ods_code, dispensing, fdp_offset, cutover_days in DEMO_PRACTICES:
        practice, new = Practice.objects.get_or_create(
            ods_code=ods_code,
            defaults={"name": name, "icb": icb, "delivery_partner": partner, "dispensing": dispensing},
        )
        created += new
        for person, role in [
            (manager, PracticeMembership.Role.PRACTICE_MANAGER),
            (staff, PracticeMembership.Role.PRACTICE_STAFF),
            (it_lead, PracticeMembership.Role.IT_LEAD),
        ]:
            _, new = PracticeMembership.objects.get_or_create(user=person, practice=practice, defaults={"role": role})
            created += new
        if Migration.objects.filter(practice=practice).exists():
            continue
        if ods_code == "Y90001":
            # Its earlier migration, completed, so the demo shows a closed one and the next after it.
            created += seed_earlier_migration(
                practice=practice, manager=manager, current_supplier=vision, new_supplier=emis, today=today
            )
        # Key dates on working days, as a practice would plan them (one wave practice keeps a
        # weekend go-live on purpose, to show the warning).
        fdp = working_day_on_or_after(today + datetime.timedelta(days=fdp_offset))
        migration = services.migration_create(
            practice=practice,
            current_system="EMIS Web",
            current_supplier=emis,
            new_system="TPP SystmOne",
            new_supplier=tpp,
            fdp_date=fdp,
            go_live_date=working_day_on_or_after(fdp + datetime.timedelta(days=cutover_days)),
            by=manager,
        )
        if fdp_offset < 28:
            services.migration_update(migration=migration, by=manager, planning_meeting_date=meeting_held_on(fdp))
        created += 1
    created += seed_clinical_lead(
        user=manager, practices=Practice.objects.filter(ods_code__in=[p[1] for p in DEMO_PRACTICES])
    )
    created += seed_people(today=today)
    created += seed_reentry(today=today, recorder=staff, checker=manager)
    created += seed_plan(
        migrations=Migration.objects.filter(practice__ods_code__in=[p[1] for p in DEMO_PRACTICES]), today=today
    )
    created += seed_wave(
        icb=icb, partner=partner, current_supplier=emis, new_supplier=tpp, password=password, today=today
    )
    return created
