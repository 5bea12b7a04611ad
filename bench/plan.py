"""Benchmark (not a test): the plan page against a bare login-required view.

Both go through the same stack (middleware, session, auth, Django test Client) on PostgreSQL,
so the ratio shows what the plan itself costs. The migration has 40 tasks with 3 notes
each, and the manager (who sees every control) asks for it. The page is timed as most views find
it (its phases kept from the view before, tasks/plan_cache.py) and built afresh (nothing kept, as
the first view after a change).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/cutover_plan /work/main/.venv/bin/python bench/plan.py

It creates its own throw-away database (test_<name>) and drops it afterwards, so the database
named in DATABASE_URL is never touched.
"""

import argparse
import os
import statistics
import sys
import time
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cutover.settings")
warnings.filterwarnings("ignore", message="No directory at")  # whitenoise: no collectstatic here, as in tests

import django  # noqa: E402

django.setup()

from django.core.cache import caches  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client, override_settings  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402
from django.urls import reverse  # noqa: E402


def build_plan():
    import datetime

    from coordinator import services
    from practices.models import Organisation, Practice, PracticeMembership, User
    from tasks.models import Task, TaskNote
    from tasks.services import task_create_custom

    icb = Organisation.objects.create(name="Bench ICB", kind=Organisation.Kind.ICB)
    supplier = Organisation.objects.create(name="Bench supplier", kind=Organisation.Kind.SUPPLIER)
    practice = Practice.objects.create(name="Bench Surgery", ods_code="Z99999", icb=icb, dispensing=True)
    people = []
    for n, role in enumerate(["practice_manager", "practice_staff", "it_lead", "practice_staff"]):
        user = User.objects.create_user(f"bench{n}@example.org", first_name="Bench", last_name=f"Person {n}")
        PracticeMembership.objects.create(user=user, practice=practice, role=role)
        people.append(user)
    manager = people[0]
    fdp = datetime.date.today() + datetime.timedelta(days=30)
    migration = services.migration_create(
        practice=practice,
        current_system="EMIS Web",
        current_supplier=supplier,
        new_system="TPP SystmOne",
        new_supplier=supplier,
        fdp_date=fdp,
        go_live_date=fdp + datetime.timedelta(days=7),
        by=manager,
    )
    # At least 40 tasks, and always a few of the practice's own (the template alone now has more than 40).
    for n in range(max(40 - migration.tasks.count(), 3)):
        task_create_custom(
            migration=migration,
            title=f"Practice task {n}",
            guidance="Something the practice decided to add.",
            phase="preparation",
            anchor="fdp",
            offset_days=n % 15,
            direction="before",
            fixed_date=None,
            by=manager,
        )
    tasks = list(Task.objects.filter(migration=migration))
    for n, task in enumerate(tasks):
        # Audit: benchmark set-up in a throwaway database, not anyone's change, so no history is wanted.
        Task.objects.filter(pk=task.pk).update(assignee=people[n % len(people)])
        TaskNote.objects.bulk_create(
            TaskNote(task=task, text=f"Note {k} on {task.title}", author=people[k % len(people)]) for k in range(3)
        )
    return migration, manager, len(tasks)


def counted(client, url) -> tuple[list[str], bytes]:
    """The queries of one view and its content. Counted by a wrapper, not CaptureQueriesContext:
    the connection closes after each request."""
    queries = []
    with connection.execute_wrapper(lambda execute, sql, *rest: queries.append(sql) or execute(sql, *rest)):
        content = client.get(url).content
    return queries, content


def timed(client, url, runs, before=None):
    times = []
    for _ in range(runs):
        if before:
            before()
        start = time.perf_counter()
        response = client.get(url)
        times.append(time.perf_counter() - start)
        if response.status_code != 200:
            # Not assert (python -O drops it): figures for an error page would mean nothing.
            sys.exit(f"BENCHMARK FAILED: {url} answered {response.status_code}")
    return times


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=200, help="timed requests per page (default 200)")
    parser.add_argument(
        "--any-database", action="store_true", help="also run on SQLite (the test that keeps this script working)"
    )
    args = parser.parse_args()
    if connection.vendor != "postgresql" and not args.any_database:
        sys.exit("Set DATABASE_URL to a PostgreSQL database, e.g. postgres://postgres@127.0.0.1:5432/cutover_plan")

    setup_test_environment()
    # The reminder sent when the plan is created runs here, not in a developer's broker.
    from cutover.celery import app

    app.conf.task_always_eager = True
    name = connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    try:
        with override_settings(ROOT_URLCONF="_urls"):  # the app plus the bare view (bench/_urls.py)
            migration, manager, task_count = build_plan()
            client = Client()
            client.force_login(manager)
            page, bare_url = reverse("plan", args=[migration.pk]), reverse("bench-bare")
            queries, content = counted(client, page)  # built afresh, then kept
            kept_queries, _ = counted(client, page)
            size = len(content)
            if b"Practice task 0" not in content:
                sys.exit("BENCHMARK FAILED: the plan page does not show the plan's tasks")
            timed(client, page, 10), timed(client, bare_url, 10)  # warm caches and connections
            # Afresh: as the first view after a change, with nothing kept (tasks/plan_cache.py).
            forget = caches["plans"].clear
            page_times, afresh_times, bare_times = [], [], []
            for _ in range(args.runs // 10):  # interleaved, so drift hits all alike
                page_times += timed(client, page, 10)
                afresh_times += timed(client, page, 10, before=forget)
                bare_times += timed(client, bare_url, 10)
    finally:
        connection.creation.destroy_test_db(name, verbosity=0)

    page_ms, bare_ms = statistics.median(page_times) * 1000, statistics.median(bare_times) * 1000
    afresh_ms = statistics.median(afresh_times) * 1000
    print(f"database:           {connection.vendor} ({name}, dropped afterwards)")
    print(f"plan page:          {task_count} tasks, {3 * task_count} notes, {size // 1024} KiB of HTML")
    print(f"runs:               {len(page_times)} of each, interleaved")
    print(f"plan page median:   {page_ms:.1f} ms (p90 {statistics.quantiles(page_times, n=10)[-1] * 1000:.1f} ms)")
    print(f"bare view median:   {bare_ms:.1f} ms (p90 {statistics.quantiles(bare_times, n=10)[-1] * 1000:.1f} ms)")
    print(f"built afresh:       {afresh_ms:.1f} ms (p90 {statistics.quantiles(afresh_times, n=10)[-1] * 1000:.1f} ms)")
    print(f"ratio:              {page_ms / bare_ms:.1f}x (built afresh {afresh_ms / bare_ms:.1f}x)")
    print(f"plan page queries:  {len(queries)} built afresh, {len(kept_queries)} when kept")


if __name__ == "__main__":
    main()
