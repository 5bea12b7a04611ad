"""Dashboard benchmark (not a test): the median time and query count of the dashboard at 20, 200
and 2,000 migrations.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/cutover_bench .venv/bin/python bench/dashboard.py

It creates (and drops) its own test_ database on that server. Goals from the issue: the query
count is the same at every size, and the median at 2,000 is at most 3x the median at 20.

Each migration carries what the dashboard's annotations count: 40 plan tasks (some done,
some not applicable, some overdue), a few task notes, reminder log rows, three linked
third-party systems with their states, and re-entry entries once FDP has passed.
"""

import argparse
import datetime
import statistics
import time
import uuid

from _setup import require, throwaway_database
from allauth.mfa.totp.internal.auth import TOTP
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cutover.models import Migration
from cutover.timeline import local_today
from dashboard.columns import COLUMN_BY_KEY
from practices.models import (
    Organisation,
    OrganisationMembership,
    Practice,
    ThirdPartyState,
    ThirdPartySystem,
    User,
    name_key,
)
from reentry.models import Entry, Kind
from reentry.nhs_number import demo_nhs_numbers
from reminders.models import ReminderLog
from tasks.models import Anchor, Phase, Task, TaskNote

SIZES = (20, 200, 2000)
TASKS_PER_PHASE = {Phase.PREPARATION: 20, Phase.DURING_CUTOVER: 10, Phase.AFTER_GO_LIVE: 10}
NHS_NUMBERS = demo_nhs_numbers(50)
PAGES = {
    "dashboard": "/dashboard/",
    "dashboard, red only, sorted by legacy end": "/dashboard/?rag=red&sort=-legacy",
    "wave calendar": "/dashboard/calendar/",
    "wave timeline": "/dashboard/timeline/",
    "dashboard, every column": "/dashboard/?" + "&".join(f"cols={key}" for key in COLUMN_BY_KEY),
}


def add_migrations(*, start: int, count: int, icb, partner, suppliers, today: datetime.date) -> None:
    """Practices and migrations spread over eight months around today, a third without a meeting."""
    # Audit: benchmark set-up in a throwaway database, not anyone's change, so no history is wanted.
    practices = Practice.objects.bulk_create(
        Practice(name=f"Bench Practice {n}", ods_code=f"B{n:05d}", icb=icb, delivery_partner=partner)
        for n in range(start, start + count)
    )
    migrations = []
    for n, practice in enumerate(practices, start=start):
        fdp = today + datetime.timedelta(days=(n * 7) % 240 - 120)
        migrations.append(
            Migration(
                practice=practice,
                current_system="EMIS Web",
                current_supplier=suppliers[n % 2],
                new_system="TPP SystmOne",
                new_supplier=suppliers[(n + 1) % 2],
                fdp_date=fdp,
                go_live_date=fdp + datetime.timedelta(days=7),
                planning_meeting_date=None if n % 3 == 0 else fdp - datetime.timedelta(days=35),
            )
        )
    # Audit: benchmark set-up, as above.
    Migration.objects.bulk_create(migrations)
    add_related_rows(migrations, today=today)


def _moment(day: datetime.date, hour: int = 10) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


def add_related_rows(migrations: list[Migration], *, today: datetime.date) -> None:
    """What each migration's dashboard row counts, in bulk (a few thousand rows a second)."""
    person = User.objects.get(email="bench@icb.example")
    tasks, reminders, systems, entries = [], [], [], []
    for n, migration in enumerate(migrations):
        for phase, count in TASKS_PER_PHASE.items():
            anchor = migration.go_live_date if phase == Phase.AFTER_GO_LIVE else migration.fdp_date
            for k in range(count):
                due = anchor + datetime.timedelta(days=k - count // 2)
                # Most past tasks are done; every seventh is forgotten (overdue), every eleventh does not apply.
                status = Task.Status.OPEN
                if k % 11 == 0:
                    status = Task.Status.NOT_APPLICABLE
                elif due < today and (n + k) % 7:
                    status = Task.Status.DONE
                tasks.append(
                    Task(
                        migration=migration,
                        title=f"{phase.label} task {k}",
                        phase=phase,
                        anchor=Anchor.FIXED,
                        fixed_date=due,
                        due_date=due,
                        status=status,
                        not_applicable_reason="Does not apply here." if status == Task.Status.NOT_APPLICABLE else "",
                        status_changed_at=None if status == Task.Status.OPEN else _moment(today),
                    )
                )
        for k in range(3):
            reminders.append(
                ReminderLog(
                    migration=migration,
                    kind="task_due",
                    recipient_email=f"person{k}@bench.example",
                    due_date=migration.fdp_date - datetime.timedelta(days=k),
                    status=ReminderLog.Status.SENT,
                    sent_at=_moment(today),
                )
            )
        for k in range(3):
            systems.append(
                ThirdPartySystem(
                    practice_id=migration.practice_id,
                    name=f"Linked system {k}",
                    name_key=name_key(f"Linked system {k}"),  # bulk_create skips save(), which sets it
                    category="document_management",
                )
            )
        if migration.fdp_date <= today:
            for k in range(10):
                moment = _moment(min(migration.fdp_date + datetime.timedelta(days=k % 7), today), 9)
                entries.append(
                    Entry(
                        migration=migration,
                        kind=Kind.CONSULTATION,
                        nhs_number=NHS_NUMBERS[k],
                        summary="Seen in clinic",
                        occurred_at=moment,
                        recorded_at=moment,
                        recorded_by=person,
                        re_entered_at=_moment(today, 8) if k % 3 == 0 and migration.go_live_date <= today else None,
                        re_entered_by=person if k % 3 == 0 and migration.go_live_date <= today else None,
                        idempotency_token=uuid.uuid4(),
                    )
                )
    notes = [TaskNote(task=task, text="Chased the supplier.", author=person) for task in tasks[::10]]
    for model, rows in ((Task, tasks), (ReminderLog, reminders), (ThirdPartySystem, systems), (Entry, entries)):
        # Audit: benchmark set-up in a throwaway database, not anyone's change, so no history is wanted.
        model.objects.bulk_create(rows, batch_size=2000)
    # Audit: benchmark set-up, as above (notes are never edited and keep no history anyway).
    TaskNote.objects.bulk_create(notes, batch_size=2000)
    by_practice = {m.practice_id: m for m in migrations}
    states = []
    for k, system in enumerate(systems):
        migration = by_practice[system.practice_id]
        off = migration.fdp_date <= today + datetime.timedelta(days=1) and k % 3 != 1
        states.append(
            ThirdPartyState(
                migration=migration,
                system=system,
                notified_at=_moment(today),
                notified_by=person,
                switched_off_at=_moment(today) if off else None,
                switched_off_by=person if off else None,
            )
        )
    # Audit: benchmark set-up, as above.
    ThirdPartyState.objects.bulk_create(states, batch_size=2000)


def measure(client: Client, url: str, repeat: int) -> tuple[float, int]:
    client.get(url)  # warm caches and connections
    timings = []
    for _ in range(repeat):
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            response = client.get(url)
            timings.append(time.perf_counter() - started)
        require(response.status_code == 200, f"{url} answered {response.status_code}")
        if url == "/dashboard/":  # the filtered pages may rightly show none at a tiny size
            require(b"Bench Practice" in response.content, f"{url} shows no migration")
    return statistics.median(timings) * 1000, len(queries.captured_queries)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=15, help="requests per page and size (default 15)")
    parser.add_argument("--sizes", type=int, nargs="+", default=SIZES, help="migrations, rising (default 20 200 2000)")
    args = parser.parse_args()
    sizes = sorted(args.sizes)
    with throwaway_database() as vendor:
        today = local_today()
        icb = Organisation.objects.create(name="Bench ICB", kind=Organisation.Kind.ICB)
        partner = Organisation.objects.create(name="Bench CSU", kind=Organisation.Kind.DELIVERY_PARTNER)
        suppliers = [
            Organisation.objects.create(name="EMIS Health", kind=Organisation.Kind.SUPPLIER),
            Organisation.objects.create(name="TPP", kind=Organisation.Kind.SUPPLIER),
        ]
        user = User.objects.create_user(email="bench@icb.example")
        OrganisationMembership.objects.create(user=user, organisation=icb)
        # ICB users must have two-factor authentication before any page answers them.
        TOTP.activate(user, "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP")
        client = Client()
        client.force_login(user)

        print(f"Dashboard benchmark on {vendor}, median of {args.repeat} requests")
        print(f"{'page':<44}{'migrations':>11}{'median ms':>11}{'queries':>9}")
        results: dict[str, dict[int, tuple[float, int]]] = {page: {} for page in PAGES}
        created = 0
        for size in sizes:
            add_migrations(
                start=created, count=size - created, icb=icb, partner=partner, suppliers=suppliers, today=today
            )
            created = size
            if vendor == "postgresql":
                # Autovacuum analyses a table soon after a load this size; without fresh statistics the
                # planner would still think the tables hold the previous size's rows.
                with connection.cursor() as cursor:
                    cursor.execute("ANALYZE")
            for page, url in PAGES.items():
                results[page][size] = measure(client, url, args.repeat)
                median, queries = results[page][size]
                print(f"{page:<44}{size:>11}{median:>11.1f}{queries:>9}")
        print()
        for page, by_size in results.items():
            smallest, largest = by_size[sizes[0]], by_size[sizes[-1]]
            same_queries = len({queries for _, queries in by_size.values()}) == 1
            print(
                f"{page}: {largest[0] / smallest[0]:.2f}x slower at {sizes[-1]} than at {sizes[0]}; "
                f"query count {'the same' if same_queries else 'CHANGES'} at every size"
            )


if __name__ == "__main__":
    main()
