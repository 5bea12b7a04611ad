"""Linked third-party systems through a cutover: notified, backed up, switched off, back on.

Each system of a practice has one ThirdPartyState per migration, created the first time
something is recorded for it. The order of the steps and when each may be recorded are
decided here; the parts the database can hold are constraints on ThirdPartyState.
"""

import contextlib
import datetime
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, models, transaction
from django.db.models import FilteredRelation
from django.utils import timezone

from cutover.timeline import local_today, switch_off_window
from cutover.workdays import add_working_days

from .models import PracticeMembership, ThirdPartyState, ThirdPartySystem

Step = ThirdPartyState.Step
STEPS = [Step.NOTIFIED, Step.BACKED_UP, Step.SWITCHED_OFF, Step.BACK_ON]
# A step cannot be undone while a later one that depends on it stands.
DEPENDS_ON = {Step.BACK_ON: Step.SWITCHED_OFF}


class StepRefused(Exception):
    """A step cannot be recorded (or undone) now; the message says why, for the page."""


def third_party_can_record(user, migration) -> bool:
    """Anyone who works at the practice may record a step: the IT lead often confirms links
    are off, and staff make the calls. Changing the list of systems stays with the manager."""
    if not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser:
        return True
    return PracticeMembership.objects.filter(user=user, practice_id=migration.practice_id).exists()


def _day(value: datetime.date) -> str:
    return f"{value:%-d %b %Y}"


# Reading -----------------------------------------------------------------------------------------


def _states_for(migrations: list) -> dict[int, list[ThirdPartyState]]:
    """{migration pk: a state for every system of its practice}, in two queries.

    Systems with nothing recorded yet get an unsaved state, so every reader sees the
    same list without a write on a GET.
    """
    practice_ids = {m.practice_id for m in migrations}
    systems_by_practice: dict[int, list[ThirdPartySystem]] = {}
    for system in ThirdPartySystem.objects.filter(practice_id__in=practice_ids).order_by("name", "pk"):
        systems_by_practice.setdefault(system.practice_id, []).append(system)
    saved = {
        (state.migration_id, state.system_id): state
        for state in ThirdPartyState.objects.filter(migration__in=migrations).select_related(
            "notified_by", "backed_up_by", "switched_off_by", "back_on_by", "not_applicable_by"
        )
    }
    result = {}
    for migration in migrations:
        states = []
        for system in systems_by_practice.get(migration.practice_id, []):
            state = saved.get((migration.pk, system.pk)) or ThirdPartyState(migration=migration, system=system)
            # Share the objects already loaded instead of one query per row.
            state.system = system
            state.migration = migration
            states.append(state)
        result[migration.pk] = states
    return result


STATE_DATES = ["notified_at", "backed_up_at", "switched_off_at", "switched_off_late", "back_on_at", "not_applicable_at"]


def third_party_states(migration, *, with_people: bool = False) -> list[ThirdPartyState]:
    """A state for every system of the migration's practice.

    By default in one query, with the dates of each step but not who recorded them:
    enough for progress and warnings. with_people=True also loads who did each step.
    """
    if with_people:
        return _states_for([migration])[migration.pk]
    systems = (
        ThirdPartySystem.objects.filter(practice_id=migration.practice_id)
        .annotate(
            this_migration=FilteredRelation("states", condition=models.Q(states__migration=migration)),
            **{f"state_{name}": models.F(f"this_migration__{name}") for name in STATE_DATES},
        )
        .order_by("name", "pk")
    )
    states = []
    for system in systems:
        values = {name: getattr(system, f"state_{name}") for name in STATE_DATES}
        values["switched_off_late"] = bool(values["switched_off_late"])
        states.append(ThirdPartyState(migration=migration, system=system, **values))
    return states


def step_refusal(state: ThirdPartyState, step: str, *, today: datetime.date) -> str:
    """Why `step` cannot be recorded for this system today, or "" if it can."""
    system, migration = state.system, state.migration
    if state.is_not_applicable:
        return f"{system} is marked as not applicable to this migration. Mark it as applicable again first."
    if state.is_done(step):
        return f"{Step(step).label} is already recorded for {system}."
    if step == Step.BACKED_UP and not state.needs_backup:
        return f"The current clinical system supplier backs up {system}, so no separate backup is needed."
    if step == Step.BACK_ON:
        if not state.is_done(Step.SWITCHED_OFF):
            return f"Record that links to {system} were switched off before confirming they are back on."
        if today < migration.go_live_date:
            return (
                f"{system} stays off until go-live on {_day(migration.go_live_date)}: "
                "it can only be confirmed back on from then."
            )
    return ""


@dataclass(frozen=True)
class StepCell:
    """One step of one system, ready for a table cell."""

    step: str
    label: str
    done_at: datetime.datetime | None
    done_by: object
    late: bool
    can_undo: bool
    not_needed: str  # why the step does not apply to this system, if it does not
    refusal: str  # why it cannot be recorded now, if it cannot

    @property
    def done(self) -> bool:
        return self.done_at is not None


@dataclass(frozen=True)
class SystemRow:
    state: ThirdPartyState
    cells: list[StepCell]

    @property
    def system(self) -> ThirdPartySystem:
        return self.state.system


def third_party_rows(migration, *, today: datetime.date | None = None) -> list[SystemRow]:
    today = today or local_today()
    return [_row(state, today) for state in third_party_states(migration, with_people=True)]


def third_party_row(migration, system: ThirdPartySystem, *, today: datetime.date | None = None) -> SystemRow:
    state = ThirdPartyState.objects.filter(migration=migration, system=system).first() or ThirdPartyState(
        migration=migration, system=system
    )
    state.system, state.migration = system, migration
    return _row(state, today or local_today())


def _row(state: ThirdPartyState, today: datetime.date) -> SystemRow:
    cells = []
    for step in STEPS:
        done = state.is_done(step)
        later = [s for s, needs in DEPENDS_ON.items() if needs == step]
        cells.append(
            StepCell(
                step=step,
                label=str(Step(step).label),
                done_at=state.done_at(step),
                done_by=state.done_by(step) if done else None,
                late=step == Step.SWITCHED_OFF and state.switched_off_late,
                can_undo=done and not state.is_not_applicable and not any(state.is_done(s) for s in later),
                not_needed="Backed up by the current supplier"
                if step == Step.BACKED_UP and not state.needs_backup
                else "",
                refusal="" if done else step_refusal(state, step, today=today),
            )
        )
    return SystemRow(state=state, cells=cells)


@dataclass(frozen=True)
class StepProgress:
    """How far one step has got across a migration's systems.

    Complete when every system that needs the step has it done or is marked not
    applicable (with a reason). With no systems at all it is complete and total is 0,
    so a page can say "No third-party systems recorded" rather than "0 of 0".
    """

    step: str
    done: int
    not_applicable: int
    total: int

    @property
    def outstanding(self) -> int:
        return self.total - self.done - self.not_applicable

    @property
    def complete(self) -> bool:
        return self.outstanding == 0


def step_progress(states: Iterable[ThirdPartyState], step: str) -> StepProgress:
    relevant = [s for s in states if step != Step.BACKED_UP or s.needs_backup]
    not_applicable = sum(1 for s in relevant if s.is_not_applicable)
    done = sum(1 for s in relevant if not s.is_not_applicable and s.is_done(step))
    return StepProgress(step=step, done=done, not_applicable=not_applicable, total=len(relevant))


def third_party_progress(migration, step: str) -> StepProgress:
    """Per-system progress of one step, for the plan's tasks "notify third parties"
    (NOTIFIED), "back up third-party systems" (BACKED_UP, counting only systems the
    current supplier does not back up), links switched off (SWITCHED_OFF) and "switch
    links back on" (BACK_ON). A task built on a step is complete when this is."""
    return step_progress(third_party_states(migration), step)


def third_party_progress_for(migrations: Iterable, step: str) -> dict[int, StepProgress]:
    """The same for many migrations in two queries (for the shared dashboard)."""
    migrations = list(migrations)
    return {pk: step_progress(states, step) for pk, states in _states_for(migrations).items()}


def third_party_warnings(
    migration, *, today: datetime.date | None = None, states: list[ThirdPartyState] | None = None
) -> list[str]:
    """What the migration page warns about, by date.

    From a few working days before FDP until go-live: every system not yet confirmed
    switched off, since anything it sends to the old system after FDP is lost. From
    go-live: every system not yet confirmed back on and working. Pass `states` when the
    caller has already loaded them.
    """
    if migration.status != migration.Status.ACTIVE:
        return []
    today = today or local_today()
    states = [s for s in (third_party_states(migration) if states is None else states) if not s.is_not_applicable]
    if today >= migration.go_live_date:
        return [
            f"{s.system} is not yet confirmed switched back on and working since go-live on "
            f"{_day(migration.go_live_date)}."
            for s in states
            if not s.is_done(Step.BACK_ON)
        ]
    warn_from = add_working_days(migration.fdp_date, -settings.THIRD_PARTY_WARNING_WORKING_DAYS_BEFORE_FDP)
    if today < warn_from:
        return []
    _, due = switch_off_window(migration.fdp_date)
    was = "were" if today > due else "are"
    return [
        f"Links to {s.system} are not yet confirmed switched off: they {was} due off by {_day(due)}."
        for s in states
        if not s.is_done(Step.SWITCHED_OFF)
    ]


# Changes -----------------------------------------------------------------------------------------


def _locked_state(migration, system: ThirdPartySystem, *, by) -> ThirdPartyState:
    """The state row, created if needed and locked until the transaction ends, so two people
    recording the same step at once cannot both win."""
    if system.practice_id != migration.practice_id:
        raise ValueError("This system belongs to another practice.")
    if not ThirdPartyState.objects.filter(migration=migration, system=system).exists():
        created = ThirdPartyState(migration=migration, system=system)
        # Not get_or_create: the history row of the creation must name the person, as every other does.
        created._history_user = by
        # A twin request may create it first; the savepoint keeps this transaction usable if so.
        with contextlib.suppress(IntegrityError), transaction.atomic():
            created.save()
    state = ThirdPartyState.objects.select_for_update().get(migration=migration, system=system)
    state.system, state.migration = system, migration
    return state


def third_party_step_record(
    *, migration, system: ThirdPartySystem, step: str, by, at: datetime.datetime | None = None
) -> ThirdPartyState:
    """Record that a step happened, now (or `at`, which only demo data uses).

    A switch-off recorded after the switch-off window is kept but flagged as late:
    the link may have sent something to the old system after FDP.
    """
    at = at or timezone.now()
    day = timezone.localdate(at)
    with transaction.atomic():
        state = _locked_state(migration, system, by=by)
        if refusal := step_refusal(state, step, today=day):
            raise StepRefused(refusal)
        setattr(state, f"{step}_at", at)
        setattr(state, f"{step}_by", by)
        if step == Step.SWITCHED_OFF:
            state.switched_off_late = day > switch_off_window(migration.fdp_date)[1]
        state._history_user = by
        state.save()
    return state


def third_party_step_undo(*, migration, system: ThirdPartySystem, step: str, by) -> ThirdPartyState:
    """Take back a step recorded by mistake. History keeps who recorded it and who took it back."""
    with transaction.atomic():
        state = _locked_state(migration, system, by=by)
        if not state.is_done(step):
            raise StepRefused(f"{Step(step).label} is not recorded for {system}.")
        for later, needs in DEPENDS_ON.items():
            if needs == step and state.is_done(later):
                raise StepRefused(f"Take back “{Step(later).label.lower()}” for {system} first.")
        setattr(state, f"{step}_at", None)
        setattr(state, f"{step}_by", None)
        if step == Step.SWITCHED_OFF:
            state.switched_off_late = False
        state._history_user = by
        state.save()
    return state


def third_party_mark_not_applicable(*, migration, system: ThirdPartySystem, reason: str, by) -> ThirdPartyState:
    reason = reason.strip()
    if not reason:
        raise StepRefused("Say why this system does not apply to this migration.")
    with transaction.atomic():
        state = _locked_state(migration, system, by=by)
        state.not_applicable_reason = reason
        state.not_applicable_at = timezone.now()
        state.not_applicable_by = by
        state._history_user = by
        state.save()
    return state


def third_party_mark_applicable(*, migration, system: ThirdPartySystem, by) -> ThirdPartyState:
    with transaction.atomic():
        state = _locked_state(migration, system, by=by)
        state.not_applicable_reason = ""
        state.not_applicable_at = None
        state.not_applicable_by = None
        state._history_user = by
        state.save()
    return state


def third_party_system_create(*, practice, by, **fields) -> ThirdPartySystem:
    system = ThirdPartySystem(practice=practice, **fields)
    system._history_user = by
    system.save()
    return system


def third_party_system_update(*, system: ThirdPartySystem, by, **changes) -> ThirdPartySystem:
    for name, value in changes.items():
        setattr(system, name, value)
    system._history_user = by
    system.save()
    return system


def systems_not_switched_off(migration) -> models.QuerySet[ThirdPartySystem]:
    """Systems whose links are not confirmed off (and not marked N/A): for reminders to their contacts."""
    settled = ThirdPartyState.objects.filter(migration=migration).filter(
        models.Q(switched_off_at__isnull=False) | models.Q(not_applicable_at__isnull=False)
    )
    return ThirdPartySystem.objects.filter(practice_id=migration.practice_id).exclude(
        pk__in=settled.values("system_id")
    )
