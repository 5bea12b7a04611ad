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

from cutover.formatting import day_text
from cutover.models import Migration
from cutover.timeline import local_today, switch_off_window
from cutover.workdays import add_working_days
from practices.models import PracticeMembership, ThirdPartyState, ThirdPartySystem, name_key

Step = ThirdPartyState.Step
STEPS = [Step.NOTIFIED, Step.BACKED_UP, Step.SWITCHED_OFF, Step.BACK_ON]
# A step cannot be undone while a later one that depends on it stands.
DEPENDS_ON = {Step.BACK_ON: Step.SWITCHED_OFF}


class DuplicateSystemName(Exception):
    """The practice already has a system by this name (compared by models.name_key)."""

    def __init__(self, existing: ThirdPartySystem):
        self.existing = existing
        super().__init__(f"The practice already has a system called {existing.name}.")


class StepRefused(Exception):
    """A step cannot be recorded (or undone) now; the message says why, for the page."""


class EarlyReasonNeeded(StepRefused):
    """Links confirmed off before the switch-off window opens need a reason; the message says so."""


def switch_off_is_early(migration, day: datetime.date) -> bool:
    """Before the switch-off window opens the practice still works on the current system, so a link
    switched off then stops what it sends (results, letters) reaching the practice that way."""
    return day < switch_off_window(migration.fdp_date)[0]


def early_reason_refusal(system, migration) -> str:
    first, last = switch_off_window(migration.fdp_date)
    return (
        f"Links to {system} are due off between {day_text(first)} and {day_text(last)}. Say why they are being "
        "switched off before then, and how what they send will reach the practice in the meantime."
    )


def third_party_can_record(user, migration) -> bool:
    """Anyone who works at the practice may record a step: the IT lead often confirms links
    are off, and staff make the calls. Changing the list of systems stays with the manager."""
    if not user.is_authenticated or not user.is_active or migration.is_closed:
        return False
    if user.is_superuser:
        return True
    return PracticeMembership.objects.filter(user=user, practice_id=migration.practice_id).exists()


# Reading -----------------------------------------------------------------------------------------


def _states_for(migrations: list) -> dict[int, list[ThirdPartyState]]:
    """{migration pk: a state for every system of its practice}, in two queries.

    Systems with nothing recorded yet get an unsaved state, so every reader sees the
    same list without a write on a GET.
    """
    practice_ids = {m.practice_id for m in migrations}
    systems_by_practice: dict[int, list[ThirdPartySystem]] = {}
    # national_service joined in: the systems page shows each national service's description.
    systems = ThirdPartySystem.objects.filter(practice_id__in=practice_ids).select_related("national_service")
    for system in systems.order_by("name", "pk"):
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


STATE_DATES = [
    "notified_at",
    "backed_up_at",
    "switched_off_at",
    "switched_off_late",
    "switched_off_early",
    "back_on_at",
    "not_applicable_at",
]


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
        values["switched_off_early"] = bool(values["switched_off_early"])
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
                f"{system} stays off until go-live on {day_text(migration.go_live_date)}: "
                "it can only be confirmed back on from then."
            )
    return ""


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


def no_linked_systems_amber_from(migration) -> datetime.date:
    """The day from which a migration with no linked systems recorded (or confirmed none) is amber on
    the dashboard. dashboard/rag.py asks the same question the other way round, in SQL."""
    return no_linked_systems_amber_from_fdp(migration.fdp_date)


def no_linked_systems_amber_from_fdp(fdp: datetime.date) -> datetime.date:
    return add_working_days(fdp, -settings.NO_LINKED_SYSTEMS_WORKING_DAYS)


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
            f"{day_text(migration.go_live_date)}."
            for s in states
            if not s.is_done(Step.BACK_ON)
        ]
    warn_from = add_working_days(migration.fdp_date, -settings.THIRD_PARTY_WARNING_WORKING_DAYS_BEFORE_FDP)
    if today < warn_from:
        return []
    _, due = switch_off_window(migration.fdp_date)
    was = "were" if today > due else "are"
    return [
        f"Links to {s.system} are not yet confirmed switched off: they {was} due off by {day_text(due)}."
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
    *, migration, system: ThirdPartySystem, step: str, by, at: datetime.datetime | None = None, reason: str = ""
) -> ThirdPartyState:
    """Record that a step happened, now (or `at`, which only demo data uses).

    A switch-off recorded after the switch-off window is kept but flagged as late:
    the link may have sent something to the old system after FDP. One recorded before the
    window opens needs a `reason` (EarlyReasonNeeded without one) and is flagged as early:
    the practice still works on the current system, and the dashboard shows it.
    """
    at = at or timezone.now()
    day = timezone.localdate(at)
    reason = reason.strip()
    early = step == Step.SWITCHED_OFF and switch_off_is_early(migration, day)
    if early and not reason:
        raise EarlyReasonNeeded(early_reason_refusal(system, migration))
    with transaction.atomic():
        state = _locked_state(migration, system, by=by)
        if refusal := step_refusal(state, step, today=day):
            raise StepRefused(refusal)
        setattr(state, f"{step}_at", at)
        setattr(state, f"{step}_by", by)
        if step == Step.SWITCHED_OFF:
            state.switched_off_late = day > switch_off_window(migration.fdp_date)[1]
            state.switched_off_early = early
            state.switched_off_early_reason = reason if early else ""
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
            state.switched_off_early = False
            state.switched_off_early_reason = ""
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


def third_party_system_with_name(*, practice, name: str, exclude_pk: int | None = None) -> ThirdPartySystem | None:
    """The practice's system that counts as having this name, if any: the rule the database holds."""
    return ThirdPartySystem.objects.filter(practice=practice, name_key=name_key(name)).exclude(pk=exclude_pk).first()


def _save_unless_name_taken(system: ThirdPartySystem) -> None:
    """Save, or raise DuplicateSystemName when another request took the name since the form checked."""
    try:
        with transaction.atomic():
            system.save()
    except IntegrityError:
        existing = third_party_system_with_name(practice=system.practice, name=system.name, exclude_pk=system.pk)
        if existing is None:
            raise
        raise DuplicateSystemName(existing) from None


def third_party_system_create(*, practice, by, **fields) -> ThirdPartySystem:
    """Add a linked system. It withdraws any word that the practice has none (see third_party_confirm_none)."""
    system = ThirdPartySystem(practice=practice, **fields)
    system._history_user = by
    with transaction.atomic():
        _save_unless_name_taken(system)
        confirmed = Migration.objects.select_for_update().filter(
            practice=practice, status=Migration.Status.ACTIVE, no_linked_systems_at__isnull=False
        )
        for migration in confirmed:
            _set_no_linked_systems(migration, reason="", at=None, by=by, why=f"{system} added: a linked system")
    return system


def _set_no_linked_systems(migration, *, reason: str, at, by, why: str) -> None:
    migration.no_linked_systems_reason = reason
    migration.no_linked_systems_at = at
    migration.no_linked_systems_by = by if at else None
    migration.updated_by = by
    migration._history_user = by
    migration._change_reason = why
    migration.save(
        update_fields=[
            "no_linked_systems_reason",
            "no_linked_systems_at",
            "no_linked_systems_by",
            "updated_by",
            "updated_at",
        ]
    )


def third_party_confirm_none(*, migration, reason: str, by) -> Migration:
    """The manager's word, with a reason, that the practice has no linked systems for this migration.

    Without it (or a system recorded), the dashboard turns the migration amber as FDP nears
    (NO_LINKED_SYSTEMS_WORKING_DAYS): almost every practice has prescribing and pathology links,
    so an empty list is far more often a list nobody has filled in. Adding a system withdraws it.
    """
    reason = reason.strip()
    if not reason:
        raise StepRefused("Say why the practice has no linked systems.")
    with transaction.atomic():
        locked = Migration.objects.select_for_update().get(pk=migration.pk)
        # The national services every migration starts with are not the practice's own systems.
        if ThirdPartySystem.objects.filter(practice_id=locked.practice_id, national_service__isnull=True).exists():
            raise StepRefused(f"{locked.practice.name} has linked systems recorded: record each one's steps instead.")
        _set_no_linked_systems(
            locked, reason=reason, at=timezone.now(), by=by, why="The practice has no linked systems"
        )
    migration.no_linked_systems_reason = locked.no_linked_systems_reason
    migration.no_linked_systems_at = locked.no_linked_systems_at
    migration.no_linked_systems_by = locked.no_linked_systems_by
    return migration


def third_party_system_update(*, system: ThirdPartySystem, by, **changes) -> ThirdPartySystem:
    for name, value in changes.items():
        setattr(system, name, value)
    system._history_user = by
    _save_unless_name_taken(system)
    return system


def systems_not_switched_off(migration) -> models.QuerySet[ThirdPartySystem]:
    """Systems whose links are not confirmed off (and not marked N/A): for reminders to their contacts."""
    settled = ThirdPartyState.objects.filter(migration=migration).settled()
    return ThirdPartySystem.objects.filter(practice_id=migration.practice_id).exclude(
        pk__in=settled.values("system_id")
    )
