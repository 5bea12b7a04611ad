"""Reminder sweep benchmark (not a test): one sweep over 1,000 and then 10,000 active migrations.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/cutover_bench .venv/bin/python bench/sweep.py

It creates (and drops) its own test_ database on that server. Each migration has its practice
manager, a member of staff and an IT lead, its plan (the template's tasks, some assigned and
some overdue), and by its place in the timeline a missing planning meeting with a named ICB
stakeholder, linked third-party systems not yet switched off, or entries still to re-enter, so
every kind of reminder is due for some of them on the measured day.

For each size it prints the time of the first sweep, its queries (INSERTs of the reminder log
counted apart: they come in batches, so they grow with what is due, not with what is looked
at), the rows it logged, and the same for a second sweep straight after, which must log and
hand over nothing. Goal from the issue: the non-INSERT query count is the same at both sizes.
"""

import argparse
import datetime
import time
from collections import Counter

from _setup import require, throwaway_database
from django.contrib.auth.hashers import make_password
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cutover.models import Migration
from practices.models import (
    Organisation,
    Practice,
    PracticeMembership,
    Stakeholder,
    StakeholderRole,
    ThirdPartySystem,
    User,
    name_key,
)
from reentry.models import Entry, Kind
from reminders import jobs
from reminders.models import ReminderLog
from reminders.sweep import reminders_sweep
from tasks.models import PlanTemplateItem, Task
from tasks.services import task_from_plan_item

SIZES = (1_000, 10_000)
# A valid NHS number (mod 11) from the published test range: the sweep only counts entries.
NHS_NUMBER = "9434765919"


def add_migrations(*, start: int, count: int, icb, suppliers, today: datetime.date) -> None:
    """``count`` practices with their people, migrations, plans, systems and entries."""
    # Audit: benchmark set-up in a throwaway database, not anyone's change, so no history is wanted.
    practices = Practice.objects.bulk_create(
        Practice(name=f"Bench Practice {n}", ods_code=f"B{n:05d}", icb=icb) for n in range(start, start + count)
    )
    unusable = make_password(None)  # nobody signs in to the benchmark
    # Audit: benchmark set-up in a throwaway database, as above.
    users = User.objects.bulk_create(
        User(email=f"{role}{n}@bench.example.org", first_name=role.title(), last_name=str(n), password=unusable)
        for n in range(start, start + count)
        for role in ("manager", "staff", "itlead")
    )
    roles = (
        PracticeMembership.Role.PRACTICE_MANAGER,
        PracticeMembership.Role.PRACTICE_STAFF,
        PracticeMembership.Role.IT_LEAD,
    )
    # Audit: benchmark set-up in a throwaway database, as above.
    PracticeMembership.objects.bulk_create(
        PracticeMembership(practice=practice, user=users[3 * i + j], role=role)
        for i, practice in enumerate(practices)
        for j, role in enumerate(roles)
    )
    migrations = []
    for n, practice in enumerate(practices, start=start):
        # FDP from 60 days ago to 60 days ahead, so every stage and lead time is somebody's today.
        fdp = today + datetime.timedelta(days=n % 121 - 60)
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
    # Audit: benchmark set-up in a throwaway database, as above.
    migrations = Migration.objects.bulk_create(migrations)

    items = list(PlanTemplateItem.objects.filter(active=True, dispensing_only=False))
    now = timezone.now()
    tasks = []
    for i, migration in enumerate(migrations):
        manager, staff = users[3 * i], users[3 * i + 1]
        for position, item in enumerate(items):
            task = task_from_plan_item(migration=migration, item=item, at=now)
            task.assignee = (manager, staff, None)[position % 3]
            tasks.append(task)
    # Audit: benchmark set-up in a throwaway database, as above.
    Task.objects.bulk_create(tasks, batch_size=5_000)

    systems, stakeholders, entries = [], [], []
    for i, migration in enumerate(migrations):
        if migration.planning_meeting_date is None:
            stakeholders.append(
                Stakeholder(
                    migration=migration, role=StakeholderRole.ICB, name="Programme lead", email=f"icb{i}@nhs.example"
                )
            )
        for s in range(2):
            systems.append(
                ThirdPartySystem(
                    practice=migration.practice,
                    name=f"Linked system {s}",
                    name_key=name_key(f"Linked system {s}"),  # bulk_create skips save(), which sets it
                    category=ThirdPartySystem.Category.DOCUMENT_MANAGEMENT,
                    supplier_name="Bench Supplies Ltd",
                    contact_name="Support desk",
                    contact_email=f"support{s}@supplier.example",
                )
            )
        if migration.go_live_date <= today:
            entries += [
                Entry(
                    migration=migration,
                    kind=Kind.CONSULTATION,
                    nhs_number=NHS_NUMBER,
                    summary="Consultation during cutover",
                    recorded_by=users[3 * i + 1],
                )
                for _ in range(3)
            ]
    # Audit: benchmark set-up in a throwaway database, as above (all three).
    Stakeholder.objects.bulk_create(stakeholders, batch_size=5_000)
    ThirdPartySystem.objects.bulk_create(systems, batch_size=5_000)
    Entry.objects.bulk_create(entries, batch_size=5_000)


def sweep(now: datetime.datetime) -> dict:
    before = ReminderLog.objects.count()
    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        reminders_sweep(now=now)
        seconds = time.perf_counter() - started
    inserts = sum(1 for query in queries.captured_queries if query["sql"].startswith("INSERT"))
    handed = ReminderLog.objects.filter(enqueued_at=now).count()
    return {
        "seconds": seconds,
        "queries": len(queries.captured_queries) - inserts,
        "inserts": inserts,
        "logged": ReminderLog.objects.count() - before,
        "handed": handed,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--sizes", type=int, nargs="+", default=SIZES, help="active migrations, rising (default 1000 10000)"
    )
    args = parser.parse_args()
    # Sending is measured by the tests; here the sender is left out so only the sweep is timed.
    sent: list[int] = []
    jobs.enqueue_sends = sent.extend
    with throwaway_database() as vendor:
        now = timezone.make_aware(datetime.datetime(2027, 3, 10, 8, 0), timezone.get_default_timezone())
        today = timezone.localdate(now)
        icb = Organisation.objects.create(name="Bench ICB", kind=Organisation.Kind.ICB)
        suppliers = [
            Organisation.objects.create(name="Optum (EMIS)", kind=Organisation.Kind.SUPPLIER),
            Organisation.objects.create(name="TPP", kind=Organisation.Kind.SUPPLIER),
        ]
        print(f"Reminder sweep on {vendor}, {today:%A %-d %B %Y} after the send time")
        done = 0
        for size in sorted(args.sizes):
            started = time.perf_counter()
            add_migrations(start=done, count=size - done, icb=icb, suppliers=suppliers, today=today)
            done = size
            ReminderLog.objects.all().delete()
            with connection.cursor() as cursor:
                # Planner statistics, as autovacuum keeps them on a live database: straight after a bulk
                # load PostgreSQL still believes the tables are empty and picks plans for ten rows.
                cursor.execute("ANALYZE")
            print(
                f"\n{size:,} migrations, {Task.objects.count():,} tasks, {Entry.objects.count():,} entries "
                f"(set up in {time.perf_counter() - started:.0f} s)"
            )
            first = sweep(now)
            kinds = Counter(ReminderLog.objects.values_list("kind", flat=True))
            second = sweep(now + datetime.timedelta(minutes=5))
            require(first["logged"] > 0 and first["handed"] > 0, "the first sweep found no reminder due")
            require(sent, "the first sweep handed nothing to the sender")
            for name, result in (("first sweep", first), ("second sweep", second)):
                print(
                    f"  {name:<13} {result['seconds']:7.2f} s  {result['queries']:3d} queries "
                    f"(+{result['inserts']} batched INSERTs)  logged {result['logged']:,}  "
                    f"handed to the sender {result['handed']:,}"
                )
            print("  logged by kind: " + ", ".join(f"{kind} {n:,}" for kind, n in sorted(kinds.items())))


if __name__ == "__main__":
    main()
