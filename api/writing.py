"""The API's two writes, each through the service the page calls, with the page's own checks:
ticking or unticking a task (tasks/writes.py under tasks.services and the planning meeting's
services) and recording a linked system's step (systems/third_party.py)."""

from collections.abc import Callable
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.shortcuts import get_object_or_404
from rest_framework.exceptions import ValidationError

from cutover.access import refuse_if_closed
from cutover.models import Migration
from cutover.text import control_characters, control_characters_message, text_from_user
from practices.models import ThirdPartyState, ThirdPartySystem
from systems import third_party
from tasks import services as task_services
from tasks.access import DENIED_MESSAGES, plan_access
from tasks.forms import TaskStatusForm
from tasks.meeting import planning_meeting_mark_held, planning_meeting_reopen
from tasks.models import Task

from .problems import conflict
from .serializers import SystemStepSerializer, TaskStatusSerializer


def _stale(task: Task):
    return conflict(
        "stale-task",
        "The task changed",
        f"“{task.title}” changed after you read it (it is now {task.get_status_display().lower()}, version "
        f"{task.version}). Nothing was saved. Read the task again and send its current version if you still "
        "need to change it.",
        errors={"version": [f"The task is now at version {task.version}."]},
        current_version=task.version,
    )


def _valid(serializer_class, read_body: Callable[[], Any]) -> dict:
    # The body is read only now, after the checks that do not depend on it.
    serializer = serializer_class(data=read_body())
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


def task_status_change(*, user, migration: Migration, task: Task, read_body: Callable[[], Any]) -> Task:
    """Tick or untick `task` as the plan's button does. Who may comes first, then whether the
    migration is open, then what was sent: a refusal never depends on a body its sender could fix."""
    if not plan_access(user, migration).can_update:
        raise PermissionDenied(DENIED_MESSAGES["can_update"])
    refuse_if_closed(migration)
    data = _valid(TaskStatusSerializer, read_body)
    meeting_task = task.is_planning_meeting
    if not meeting_task and ({"held_on", "clear_meeting"} & set(data)):
        raise ValidationError(
            {
                name: ["Only the planning-meeting task takes this field."]
                for name in {"held_on", "clear_meeting"} & set(data)
            }
        )
    # The page's own form decides what else is needed (the meeting's day, keep or clear it).
    form = TaskStatusForm(
        {
            "status": data["status"],
            "version": data["version"],
            "held_on": data.get("held_on") or "",
            "clear_meeting": {True: TaskStatusForm.CLEAR, False: TaskStatusForm.KEEP}.get(
                data.get("clear_meeting"), ""
            ),
        },
        planning_meeting=meeting_task,
        meeting_recorded=task.is_done and migration.planning_meeting_date is not None,
    )
    if not form.is_valid():
        raise ValidationError({field: list(messages) for field, messages in form.errors.items()})
    status, version = form.cleaned_data["status"], form.cleaned_data["version"]
    task.migration = migration
    try:
        if meeting_task and status == Task.Status.DONE:
            planning_meeting_mark_held(task=task, held_on=form.cleaned_data["held_on"], by=user, version=version)
        elif meeting_task:
            planning_meeting_reopen(task=task, by=user, version=version, clear_meeting=form.clears_meeting)
        else:
            task_services.task_set_status(task=task, status=status, by=user, version=version)
    except task_services.StaleTask as stale:
        raise _stale(stale.task) from None
    except task_services.TaskNotReady as not_ready:
        raise conflict("task-not-ready", "The task cannot be ticked yet", str(not_ready)) from None
    except DjangoValidationError as exc:  # a meeting day the service refuses (in the future, years ago)
        raise ValidationError(exc.message_dict) from None
    return task


def system_step_change(*, user, migration: Migration, system_pk: int, read_body: Callable[[], Any]) -> ThirdPartyState:
    """Record or take back one step of a linked system, as the systems page's buttons do."""
    system = get_object_or_404(ThirdPartySystem, practice_id=migration.practice_id, pk=system_pk)
    if not third_party.third_party_can_record(user, migration):
        raise PermissionDenied("Only people of the practice can record third-party steps.")
    refuse_if_closed(migration)
    data = _valid(SystemStepSerializer, read_body)
    reason = data["reason"]
    if found := control_characters(reason):  # the one text rule every form follows (cutover/text.py)
        raise ValidationError({"reason": [control_characters_message(found)]})
    reason = text_from_user(reason, multiline=True)
    try:
        if data["action"] == "record":
            third_party.third_party_step_record(
                migration=migration, system=system, step=data["step"], by=user, reason=reason
            )
        else:
            third_party.third_party_step_undo(migration=migration, system=system, step=data["step"], by=user)
    except third_party.EarlyReasonNeeded as exc:
        raise ValidationError({"reason": [str(exc)]}) from None
    except third_party.StepRefused as exc:
        raise conflict("step-refused", "The step cannot be changed now", str(exc)) from None
    return next(state for state in third_party.third_party_states(migration) if state.system.pk == system.pk)
