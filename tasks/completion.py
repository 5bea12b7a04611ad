"""When a plan task may be ticked off: the tasks whose "done" is decided by other records.

- The third-party tasks are done when every linked system has the matching step recorded
  (or is marked not applicable with a reason), as practices/third_party.py counts it. With
  no systems recorded there is nothing to wait for, and the plan says so.
- The re-entry tasks are done when the matching part of the re-entry log is empty: nothing
  left to re-enter. Voided entries never count.
- The planning-meeting task is done when the migration records the day the meeting was held:
  marking it done asks for that day and records it; recording it on the migration ticks it.

The rule is checked by `task_set_status` whenever someone ticks a task. Re-entering the last
item ticks its task automatically (reentry/services.py calls `following.tasks_follow_reentry`); the
last third-party step does not, because a practice may not have listed all its systems yet,
so a person ticks the task once they know the list is complete.

Read by template key: tasks the practice added itself are never gated.
"""

from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Count
from django.urls import reverse

from cutover.formatting import day_text
from practices.models import ThirdPartyState
from reentry.models import PATIENT_KINDS, Entry, Kind
from systems.third_party import step_progress, third_party_states

Step = ThirdPartyState.Step

THIRD_PARTY_TASKS = {
    "notify-third-parties": Step.NOTIFIED,
    "backup-third-party-systems": Step.BACKED_UP,
    "links-back-on": Step.BACK_ON,
}
STEP_DONE_WORDS = {
    Step.NOTIFIED: "notified",
    Step.BACKED_UP: "backed up",
    Step.BACK_ON: "back on and checked",
}

# Registrations and dispensary stock have tasks of their own, so "everything recorded during
# cutover" is every other kind: the ones about a patient who already has an NHS number.
REENTRY_TASKS = {
    "re-enter-cutover-records": frozenset(PATIENT_KINDS),
    "re-register-new-patients": frozenset({Kind.NEW_REGISTRATION}),
    "re-enter-dispensary-stock": frozenset({Kind.DISPENSARY_STOCK}),
}
REENTRY_WORDS = {
    "re-enter-cutover-records": ("item", "items", "to re-enter"),
    "re-register-new-patients": ("new patient", "new patients", "to re-register"),
    "re-enter-dispensary-stock": ("stock entry", "stock entries", "to re-enter"),
}

PLANNING_MEETING_TASK = "planning-meeting"


@dataclass(frozen=True)
class Gate:
    """What a gated task shows on the plan, and why it cannot be ticked yet."""

    summary: str  # "3 of 5 systems notified", "12 items still to re-enter"
    link_text: str
    link_url: str
    refusal: str  # empty when the task may be ticked

    @property
    def ready(self) -> bool:
        return not self.refusal


def _plural(count: int, one: str, many: str) -> str:
    return f"{count} {one if count == 1 else many}"


def third_party_gate(task_title: str, step: str, states: list[ThirdPartyState], *, migration_pk: int) -> Gate:
    """The same count as `systems.third_party.third_party_progress`, from states already loaded."""
    url = reverse("systems", args=[migration_pk])
    words = STEP_DONE_WORDS[step]
    progress = step_progress(states, step)
    if not states:
        return Gate(
            summary="No third-party systems recorded", link_text="Third-party systems", link_url=url, refusal=""
        )
    if progress.total == 0:
        summary = "No system needs its own backup: the current supplier backs them all up"
        return Gate(summary=summary, link_text="Third-party systems", link_url=url, refusal="")
    # Systems marked not applicable are set aside, not counted as done.
    summary = f"{progress.done} of {_plural(progress.total - progress.not_applicable, 'system', 'systems')} {words}"
    if progress.not_applicable:
        summary += f"; {progress.not_applicable} not applicable"
    refusal = ""
    if not progress.complete:
        refusal = (
            f"“{task_title}” can be marked done once every third-party system is {words} or marked not "
            f"applicable with a reason: {summary}. Record the other {progress.outstanding} on the "
            "third-party systems page first."
        )
    return Gate(summary=summary, link_text="Third-party systems", link_url=url, refusal=refusal)


def reentry_gate(task_title: str, key: str, left: int, *, migration_pk: int) -> Gate:
    one, many, still = REENTRY_WORDS[key]
    url = reverse("reentry-worklist", args=[migration_pk])
    if left == 0:
        return Gate(summary=f"Nothing left {still}", link_text="Re-entry worklist", link_url=url, refusal="")
    summary = f"{_plural(left, one, many)} still {still}"
    refusal = (
        f"“{task_title}” can be marked done once the re-entry log has nothing left for it: {summary}. "
        "It is ticked automatically when the last one is marked done."
    )
    return Gate(summary=summary, link_text="Re-entry worklist", link_url=url, refusal=refusal)


def reentry_backlog_by_task(migration) -> dict[str, int]:
    """Entries still to re-enter for each re-entry task, in one grouped query."""
    by_kind = dict(
        Entry.objects.filter(migration=migration)
        .to_re_enter()
        .order_by()
        .values("kind")
        .annotate(left=Count("pk"))
        .values_list("kind", "left")
    )
    return {key: sum(by_kind.get(kind, 0) for kind in kinds) for key, kinds in REENTRY_TASKS.items()}


def planning_meeting_gate(task_title: str, migration) -> Gate:
    """The planning-meeting task is done when the migration records the day the meeting was held.

    The plan's "Mark done" asks for that day and records it (tasks.meeting
    .planning_meeting_mark_held), so the refusal only stops a tick that would leave the task done
    while the stage, dashboard and reminders still say no meeting was held.
    """
    url = reverse("migration-detail", args=[migration.pk])
    held = migration.planning_meeting_date
    if held is not None:
        return Gate(summary=f"Meeting held on {day_text(held)}", link_text="Key dates", link_url=url, refusal="")
    return Gate(
        summary="No meeting date recorded",
        link_text="Key dates",
        link_url=url,
        refusal=f"“{task_title}” is marked done with the date the meeting was held: enter it beside “Mark done”.",
    )


def task_gate(task, *, key: str | None) -> Gate | None:
    """The gate of one task, read fresh (for ticking); None for tasks nobody else decides."""
    migration = task.migration
    if key == PLANNING_MEETING_TASK:
        return planning_meeting_gate(task.title, migration)
    if key in THIRD_PARTY_TASKS:
        return third_party_gate(
            task.title, THIRD_PARTY_TASKS[key], third_party_states(migration), migration_pk=migration.pk
        )
    if key in REENTRY_TASKS:
        left = reentry_backlog_by_task(migration)[key]
        return reentry_gate(task.title, key, left, migration_pk=migration.pk)
    return None


def plan_gates(migration, tasks: Iterable, *, states: list[ThirdPartyState] | None = None) -> dict[int, Gate]:
    """{task pk: Gate} for the gated tasks among `tasks` (each carrying `template_key`).

    At most two queries whatever the number of tasks or systems, and none for a plan without
    gated tasks. `states`: the migration's third-party states, when the caller has them already.
    """
    gated = {*THIRD_PARTY_TASKS, *REENTRY_TASKS, PLANNING_MEETING_TASK}
    tasks = [task for task in tasks if task.template_key in gated]
    gates: dict[int, Gate] = {}
    backlog = None
    for task in tasks:
        key = task.template_key
        if key == PLANNING_MEETING_TASK:
            gates[task.pk] = planning_meeting_gate(task.title, migration)
        elif key in THIRD_PARTY_TASKS:
            if states is None:
                states = third_party_states(migration)
            gates[task.pk] = third_party_gate(task.title, THIRD_PARTY_TASKS[key], states, migration_pk=migration.pk)
        else:
            if backlog is None:
                backlog = reentry_backlog_by_task(migration)
            gates[task.pk] = reentry_gate(task.title, key, backlog[key], migration_pk=migration.pk)
    return gates
