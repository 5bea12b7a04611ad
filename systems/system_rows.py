"""The systems page's table: each linked system as a row of step cells, ready to show.

The rules for recording a step (and why one is refused) are in third_party.py; this module only
reads them to say what each cell shows.
"""

import datetime
from dataclasses import dataclass

from cutover.timeline import local_today, switch_off_window
from practices.models import ThirdPartyState, ThirdPartySystem

from .third_party import DEPENDS_ON, STEPS, Step, step_refusal, switch_off_is_early, third_party_states


@dataclass(frozen=True)
class StepCell:
    """One step of one system, ready for a table cell."""

    step: str
    label: str
    done_at: datetime.datetime | None
    done_by: object
    late: bool
    early: bool
    early_reason: str
    needs_reason: bool  # recording it today would be early: the form asks why
    opens_on: datetime.date | None  # the first day of the switch-off window, for the switch-off step
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
    # A refused early switch-off: shown beside the reason field, with what was typed.
    reason_error: str = ""
    reason_value: str = ""

    @property
    def system(self) -> ThirdPartySystem:
        return self.state.system


def third_party_rows(migration, *, today: datetime.date | None = None) -> list[SystemRow]:
    today = today or local_today()
    return [_row(state, today) for state in third_party_states(migration, with_people=True)]


def third_party_row(
    migration,
    system: ThirdPartySystem,
    *,
    today: datetime.date | None = None,
    reason_error: str = "",
    reason_value: str = "",
) -> SystemRow:
    state = ThirdPartyState.objects.filter(migration=migration, system=system).first() or ThirdPartyState(
        migration=migration, system=system
    )
    state.system, state.migration = system, migration
    return _row(state, today or local_today(), reason_error=reason_error, reason_value=reason_value)


def _row(state: ThirdPartyState, today: datetime.date, *, reason_error: str = "", reason_value: str = "") -> SystemRow:
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
                early=step == Step.SWITCHED_OFF and state.switched_off_early,
                early_reason=state.switched_off_early_reason if step == Step.SWITCHED_OFF else "",
                needs_reason=step == Step.SWITCHED_OFF and not done and switch_off_is_early(state.migration, today),
                opens_on=switch_off_window(state.migration.fdp_date)[0] if step == Step.SWITCHED_OFF else None,
                can_undo=done and not state.is_not_applicable and not any(state.is_done(s) for s in later),
                not_needed=_backup_not_needed(state) if step == Step.BACKED_UP else "",
                refusal="" if done else step_refusal(state, step, today=today),
            )
        )
    return SystemRow(state=state, cells=cells, reason_error=reason_error, reason_value=reason_value)


def _backup_not_needed(state: ThirdPartyState) -> str:
    if state.needs_backup:
        return ""
    if state.system.national_service_id is not None:
        return "Nothing to back up: a national service"
    return "Backed up by the current supplier"
