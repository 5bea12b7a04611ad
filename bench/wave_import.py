"""Wave import benchmark (not a test): how long checking and creating a large wave takes.

    .venv/bin/python bench/wave_import.py --rows 5000                      # SQLite
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/cutover_bench .venv/bin/python bench/wave_import.py

It runs the same service functions the Celery jobs run, on a throwaway test_ database, and prints
the seconds each step takes. Files of IMPORT_BACKGROUND_ROWS rows or more are checked and created
in the background, so these times are what a worker spends, not what a web request waits.
"""

import argparse
import datetime
import time

from _setup import throwaway_database

from cutover.timeline import local_today
from dashboard import services, wave
from dashboard.models import ImportBatch
from practices.models import Organisation, User

HEADERS = [column.header for column in wave.WAVE_COLUMNS]


def wave_rows(count: int, today: datetime.date) -> list[list]:
    rows = [HEADERS]
    for n in range(1, count + 1):
        fdp = today + datetime.timedelta(days=40 + n % 90)
        rows.append(
            [
                f"W{n:05d}",
                f"Wave Practice {n}",
                "yes" if n % 10 == 0 else "no",
                "EMIS Web",
                "EMIS Health",
                "TPP SystmOne",
                "TPP",
                fdp,
                (fdp + datetime.timedelta(days=7)).strftime("%d/%m/%Y"),
                f"Manager {n}",
                f"manager{n}@wave.example",
            ]
        )
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
        assert (batch.status, batch.error_count) == ("ready", 0), (batch.status, batch.error_count, batch.problem)
        ImportBatch.objects.filter(pk=batch.pk).update(status=ImportBatch.Status.CREATING, confirmed_by=user)
        timed("check again and create all (a job)", lambda: services.import_batch_create(batch_id=batch.pk))
        batch.refresh_from_db()
        assert (batch.status, batch.migrations_created) == ("imported", args.rows), batch.problem


if __name__ == "__main__":
    main()
