"""Dashboard benchmark (not a test): the median time and query count of the dashboard at 20, 200
and 2,000 migrations.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/cutover_bench .venv/bin/python bench/dashboard.py

It creates (and drops) its own test_ database on that server. Goals from the issue: the query
count is the same at every size, and the median at 2,000 is at most 3x the median at 20.

When the plan, people, re-entry and reminders work is merged, `add_migrations()` gains their
rows (~40 tasks, notes, reminders and re-entry items per migration) so the annotations that
count them are measured too.
"""

import argparse
import datetime
import statistics
import time

from _setup import throwaway_database
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from cutover.models import Migration
from cutover.timeline import local_today
from practices.models import Organisation, OrganisationMembership, Practice, User

SIZES = (20, 200, 2000)
PAGES = {
    "dashboard": "/dashboard/",
    "dashboard, red only, sorted by legacy end": "/dashboard/?rag=red&sort=-legacy",
    "wave calendar": "/dashboard/calendar/",
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


def measure(client: Client, url: str, repeat: int) -> tuple[float, int]:
    client.get(url)  # warm caches and connections
    timings = []
    for _ in range(repeat):
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            response = client.get(url)
            timings.append(time.perf_counter() - started)
        assert response.status_code == 200, (url, response.status_code)
    return statistics.median(timings) * 1000, len(queries.captured_queries)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=15, help="requests per page and size (default 15)")
    args = parser.parse_args()
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
        client = Client()
        client.force_login(user)

        print(f"Dashboard benchmark on {vendor}, median of {args.repeat} requests")
        print(f"{'page':<44}{'migrations':>11}{'median ms':>11}{'queries':>9}")
        results: dict[str, dict[int, tuple[float, int]]] = {page: {} for page in PAGES}
        created = 0
        for size in SIZES:
            add_migrations(
                start=created, count=size - created, icb=icb, partner=partner, suppliers=suppliers, today=today
            )
            created = size
            for page, url in PAGES.items():
                results[page][size] = measure(client, url, args.repeat)
                median, queries = results[page][size]
                print(f"{page:<44}{size:>11}{median:>11.1f}{queries:>9}")
        print()
        for page, by_size in results.items():
            smallest, largest = by_size[SIZES[0]], by_size[SIZES[-1]]
            same_queries = len({queries for _, queries in by_size.values()}) == 1
            print(
                f"{page}: {largest[0] / smallest[0]:.2f}x slower at {SIZES[-1]} than at {SIZES[0]}; "
                f"query count {'the same' if same_queries else 'CHANGES'} at every size"
            )


if __name__ == "__main__":
    main()
