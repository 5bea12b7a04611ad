"""A demo wave for `seed_demo`: more practices of the demo ICB, each at a point of its cutover that
gives the shared dashboard something to show: every stage, and a row for each red, amber and
green rule.

Each practice has its own practice manager (who does the ticking), so the three practices of the
demo practice users stay the only ones they see.
"""

import contextlib
import datetime
from dataclasses import dataclass

from django.utils import timezone

from coordinator import services
from cutover.models import Migration
from cutover.workdays import add_working_days, working_day_on_or_after
from practices.models import Practice, PracticeMembership, ThirdPartySystem, User
from systems.demo import national_services_demo_progress
from systems.third_party import third_party_system_create
from tasks.models import Phase, Task
from tasks.services import TaskNotReady, task_set_status


@dataclass(frozen=True)
class WavePractice:
    name: str
    ods_code: str
    manager: tuple[str, str]  # first and last name
    fdp_in: int  # days from today
    meeting: bool  # planning meeting recorded (5 weeks before FDP)
    up_to_date: bool  # every task due before today is done
    linked_system_on: bool = False  # a linked system nobody has confirmed switched off
    keep_open: str = ""  # a phase whose first past-due task stays open
    saturday_go_live: bool = False  # a weekend switch-over, so the non-working-day warning shows


WAVE = (
    # Planning, FDP far off: green.
    WavePractice("Oakfield Health Centre", "Y90004", ("Jo", "Bennett"), 90, False, True),
    # No planning meeting and FDP under four weeks away: red.
    WavePractice("Brookside Surgery", "Y90005", ("Marcus", "Lee"), 20, False, True),
    # Preparation with tasks left behind: amber.
    WavePractice("Castle Street Practice", "Y90006", ("Aisha", "Khan"), 14, True, False),
    # Preparation on track: green. Its go-live is a Saturday, which the migration page warns about.
    WavePractice("Elmwood Family Practice", "Y90007", ("Gareth", "Price"), 30, True, True, saturday_go_live=True),
    # FDP tomorrow with a linked system still on: red.
    WavePractice("Harbour View Medical Group", "Y90008", ("Nina", "Rossi"), 1, True, True, linked_system_on=True),
    # In cutover with a preparation task still open: red.
    WavePractice("Queensway Surgery", "Y90009", ("Owen", "Hughes"), -4, True, True, keep_open=Phase.PREPARATION),
    # After go-live with an overdue task: amber.
    WavePractice("Willow Bank Surgery", "Y90010", ("Ruth", "Adeyemi"), -21, True, True, keep_open=Phase.AFTER_GO_LIVE),
    # After go-live, everything done so far: green.
    WavePractice("St Anne's Medical Practice", "Y90011", ("Tom", "Fletcher"), -40, True, True),
)


def meeting_held_on(fdp: datetime.date) -> datetime.date:
    """A demo planning meeting: on a working day about five weeks before FDP."""
    return add_working_days(fdp - datetime.timedelta(days=35), 0)


def seed_wave(*, icb, partner, current_supplier, new_supplier, password: str, today: datetime.date) -> int:
    """Create the wave's practices, managers and migrations; a practice with a migration is left alone."""
    created = 0
    for spec in WAVE:
        practice, new = Practice.objects.get_or_create(
            ods_code=spec.ods_code, defaults={"name": spec.name, "icb": icb, "delivery_partner": partner}
        )
        created += new
        manager = _manager(practice, spec, password)
        if Migration.objects.filter(practice=practice).exists():
            continue
        fdp = working_day_on_or_after(today + datetime.timedelta(days=spec.fdp_in))
        go_live = working_day_on_or_after(fdp + datetime.timedelta(days=7))
        if spec.saturday_go_live:
            go_live = fdp + datetime.timedelta(days=(5 - fdp.weekday()) % 7 or 7)
        migration = services.migration_create(
            practice=practice,
            current_system="EMIS Web",
            current_supplier=current_supplier,
            new_system="TPP SystmOne",
            new_supplier=new_supplier,
            fdp_date=fdp,
            go_live_date=go_live,
            by=manager,
        )
        if spec.meeting:
            services.migration_update(migration=migration, by=manager, planning_meeting_date=meeting_held_on(fdp))
        if spec.linked_system_on:
            third_party_system_create(
                practice=practice,
                by=manager,
                name="Docman",
                category=ThirdPartySystem.Category.DOCUMENT_MANAGEMENT,
                supplier_name="Docman Ltd",
            )
        # The national services as far as their days have come, so the wave's colours are its own.
        national_services_demo_progress(migration=migration, today=today, manager=manager, it_lead=manager)
        if spec.up_to_date:
            _tick_past_due(migration, by=manager, today=today, keep_open=spec.keep_open)
        created += 1
    return created


def _manager(practice: Practice, spec: WavePractice, password: str) -> User:
    first, last = spec.manager
    manager, new = User.objects.get_or_create(
        email=f"manager.{spec.ods_code.lower()}@example.org", defaults={"first_name": first, "last_name": last}
    )
    if new:
        manager.set_password(password)
        manager.save()
    PracticeMembership.objects.get_or_create(
        user=manager, practice=practice, defaults={"role": PracticeMembership.Role.PRACTICE_MANAGER}
    )
    return manager


def _tick_past_due(migration: Migration, *, by, today: datetime.date, keep_open: str) -> None:
    """Tick every task due before today, as the manager would have, except the first of `keep_open`."""
    left_open = False
    open_tasks = Task.objects.filter(migration=migration, status=Task.Status.OPEN, due_date__lt=today)
    for task in open_tasks.order_by("due_date", "position"):
        if task.phase == keep_open and not left_open:
            left_open = True
            continue
        when = timezone.make_aware(datetime.datetime.combine(task.due_date, datetime.time(11, 0)))
        # Tasks that wait on the re-entry log or linked systems stay open, as they would in life.
        with contextlib.suppress(TaskNotReady):
            task_set_status(task=task, status=Task.Status.DONE, by=by, version=task.version, at=when)
