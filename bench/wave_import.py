"""Wave import benchmark (not a test): how long checking and creating a large wave takes.

    .venv/bin/python bench/wave_import.py --rows 5000                      # SQLite
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/cutover_bench .venv/bin/python bench/wave_import.py

It runs the same service functions the Celery jobs run, on a throwaway test_ database, and prints
the seconds each step takes. Files of IMPORT_BACKGROUND_ROWS rows or more are checked and created
in the background, so these times are what a worker spends, not what a web request waits.
"""

import argparse
import datetime
import logging
import time

from _setup import require, throwaway_database

from cutover.models import Migration
from cutover.timeline import local_today
from dashboard import services
from dashboard.models import ImportBatch
from dashboard.wave_file import layout
from practices import jobs as practice_jobs
from practices.models import Invitation, Organisation, User
from tasks.models import Task

HEADERS = [column.header for column in layout.WAVE_COLUMNS]


def wave_rows(count: int, today: datetime.date) -> list[list]:
    """A header row and ``count`` valid rows, built by column key so a new column cannot shift the cells."""
    rows = [HEADERS]
    for n in range(1, count + 1):
        fdp = today + datetime.timedelta(days=40 + n % 90)
        cells = {
            "ods_code": f"W{n:05d}",
            "practice_name": f"Wave Practice {n}",
            "dispensing": "yes" if n % 10 == 0 else "no",
            "current_system": "EMIS Web",
            "current_supplier": "EMIS Health",
            "new_system": "TPP SystmOne",
            "new_supplier": "TPP",
            "fdp_date": fdp,
            "go_live_date": (fdp + datetime.timedelta(days=7)).strftime("%d/%m/%Y"),
            "manager_name": f"Manager {n}",
            "manager_email": f"manager{n}@wave.example",
        }
        rows.append([cells.get(column.key, "") for column in layout.WAVE_COLUMNS])
    return rows


def timed(label: str, action):
    started = time.perf_counter()
    result = action()
    print(f"  {label:<38}{time.perf_counter() - started:>8.2f} s")
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=5000)
    parser.add_argument("--format", choices=["xlsx", "csv"], default="xlsx")
    args = parser.parse_args()
    logging.getLogger("practices.invitations").setLevel(logging.WARNING)  # not a line per email sent
    with throwaway_database() as vendor:
        from dashboard import exports  # after setup: it imports models

        today = local_today()
        icb = Organisation.objects.create(name="Bench ICB", kind=Organisation.Kind.ICB)
        Organisation.objects.create(name="EMIS Health", kind=Organisation.Kind.SUPPLIER)
        Organisation.objects.create(name="TPP", kind=Organisation.Kind.SUPPLIER)
        user = User.objects.create_user(email="bench@icb.example")
        rows = wave_rows(args.rows, today)
        if args.format == "xlsx":
            content = exports.xlsx_bytes(rows, sheet="Wave")
        else:
            text = []
            exports.write_csv(type("Sink", (), {"write": lambda self, s: text.append(s)})(), rows)
            content = "".join(text).encode()

        print(f"Wave import of {args.rows:,} rows ({args.format}, {len(content) / 1024:,.0f} KB) on {vendor}")
        batch = timed(
            "upload (the web request)",
            lambda: services.import_batch_upload(
                organisation=icb, file_name=f"w.{args.format}", content=content, by=user
            ),
        )
        timed("check every row (a job)", lambda: services.import_batch_check(batch_id=batch.pk))
        batch.refresh_from_db()
        require(
            (batch.status, batch.error_count) == ("ready", 0),
            f"the check rejected rows (status {batch.status}, {batch.error_count} errors, {batch.problem!r})",
        )
        ImportBatch.objects.filter(pk=batch.pk).update(status=ImportBatch.Status.CREATING, confirmed_by=user)
        # The managers' invitations are emailed by a job of their own once the wave commits: kept
        # here and timed on their own line, as a worker would run them.
        handed = []
        practice_jobs.send_invitations.delay = handed.extend
        timed("check again and create all (a job)", lambda: services.import_batch_create(batch_id=batch.pk))
        sent = timed("email the invitations (a job)", lambda: practice_jobs.send_invitations(handed))
        batch.refresh_from_db()
        require(
            (batch.status, batch.migrations_created) == ("imported", args.rows),
            f"{batch.migrations_created} of {args.rows} migrations created (status {batch.status}, {batch.problem!r})",
        )
        require(
            Migration.objects.count() == args.rows and Task.objects.filter(migration__isnull=False).exists(),
            "the migrations or their plans are not in the database",
        )
        require(
            sent == args.rows == Invitation.objects.count(),
            f"{sent} invitations emailed for {args.rows} rows",
        )


if __name__ == "__main__":
    main()
