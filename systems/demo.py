"""Demo data for linked systems: the national services' progress as a practice would have it.
seed_demo (demo/people.py) and the dashboard's demo wave (dashboard/demo.py) both call it."""

import datetime

from django.utils import timezone

from cutover.timeline import switch_off_window
from practices.models import ThirdPartyState

from .national import national_rows
from .third_party import StepRefused, third_party_step_record

Step = ThirdPartyState.Step


def _at(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(10, 0)))


def national_services_demo_progress(*, migration, today: datetime.date, manager, it_lead) -> int:
    """The national services as a practice would have them: told on their notice date, off on the
    switch-off window's first day and back on at go-live, as far as those days have come. Before the
    cutover every third one is left untold, so the systems page shows a late notice."""
    created = 0
    window = switch_off_window(migration.fdp_date)[0]
    before_cutover = today < window
    for index, row in enumerate(national_rows(migration, today=today)):
        if before_cutover and index % 3 == 2:
            continue
        for step, day in [
            (Step.NOTIFIED, row.notice_date),
            (Step.SWITCHED_OFF, window),
            (Step.BACK_ON, migration.go_live_date),
        ]:
            if day > today:
                break
            try:
                third_party_step_record(
                    migration=migration,
                    system=row.system,
                    step=step,
                    by=it_lead if step == Step.SWITCHED_OFF else manager,
                    at=_at(day),
                )
            except StepRefused:
                continue  # already recorded by an earlier run
            created += 1
    return created
