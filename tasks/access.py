"""Who may do what with a migration's plan, decided in one place.

Everyone who can see the migration can read its plan (the ICB and delivery partner included);
outsiders get a 404 from `get_migration_for_user`. Among the practice's own people:
- practice manager, practice staff and IT lead tick, untick, mark not applicable and add notes;
- the practice manager and the IT lead assign tasks (the IT lead runs the technical half of a
  cutover and hands out that work);
- only the practice manager adds tasks and changes due dates, because the dates are the plan.
Superusers may do everything, as they may change the migration itself.
"""

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404

from cutover.access import MIGRATION_RELATED, get_migration_for_user, refuse_if_closed, viewer_role
from cutover.models import Migration
from practices.models import PracticeMembership

from .models import Task

Role = PracticeMembership.Role


@dataclass(frozen=True)
class PlanAccess:
    can_update: bool = False  # tick, untick, not applicable, notes
    can_assign: bool = False
    can_manage: bool = False  # add tasks, change due dates


DENIED_MESSAGES = {
    "can_update": "Only people who work at the practice can update its plan.",
    "can_assign": "Only the practice manager or IT lead can assign tasks.",
    "can_manage": "Only the practice manager can add tasks or change due dates.",
}


def plan_access(user, migration: Migration) -> PlanAccess:
    if migration.is_closed:
        return PlanAccess()  # a closed migration's plan is read-only for everyone
    if user.is_superuser:
        return PlanAccess(can_update=True, can_assign=True, can_manage=True)
    role = viewer_role(user, migration)
    if role is None:
        return PlanAccess()
    return PlanAccess(
        can_update=True,
        can_assign=role in {Role.PRACTICE_MANAGER, Role.IT_LEAD},
        can_manage=role == Role.PRACTICE_MANAGER,
    )


def get_plan_for_user(
    request, pk: int, *, need: str | None = None, related: tuple[str, ...] = MIGRATION_RELATED
) -> tuple[Migration, PlanAccess]:
    """The migration and what the user may do with its plan.

    404 for anyone who cannot see the migration; 403 when `need` names a permission they lack.
    """
    migration = get_migration_for_user(request, pk, related=related)
    access = plan_access(request.user, migration)
    if need:
        refuse_if_closed(migration)
    if need and not getattr(access, need):
        raise PermissionDenied(DENIED_MESSAGES[need])
    return migration, access


def get_task_for_user(request, pk: int, task_pk: int, *, need: str | None = None):
    """As `get_plan_for_user`, plus the task, which must belong to that migration (404 otherwise)."""
    migration, access = get_plan_for_user(request, pk, need=need)
    task = get_object_or_404(
        Task.objects.select_related(
            "assignee", "assigned_contact__organisation", "assigned_contact__user", "status_changed_by"
        ),
        pk=task_pk,
        migration=migration,
    )
    task.migration = migration
    return migration, task, access
