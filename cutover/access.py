"""Object access in one place: outsiders get a 404 so a record's existence is never confirmed."""

import functools

from django.core.exceptions import PermissionDenied
from django.db import connection
from django.http import Http404
from django.shortcuts import get_object_or_404

from practices.models import PracticeMembership, User

from .models import Migration
from .prepared import PreparedQuery

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class MigrationClosed(PermissionDenied):
    """A change was asked of a completed or cancelled migration, which is read-only for everyone."""


class PatientDetailsRefused(PermissionDenied):
    """The user may see the migration but not the patient details recorded for it (the re-entry log):
    the error page explains that those are for the practice only."""


def closed_refusal(migration: Migration) -> str:
    return (
        f"This migration is closed ({migration.get_status_display().lower()}), so nothing in it can be changed. "
        "A system administrator can reopen it if it must change."
    )


def refuse_if_closed(migration: Migration) -> None:
    if migration.is_closed:
        raise MigrationClosed(closed_refusal(migration))


# What most pages about one migration show of it: its practice, that practice's ICB and partner, the suppliers.
MIGRATION_RELATED = ("practice", "practice__icb", "practice__delivery_partner", "current_supplier", "new_supplier")


def get_migration_for_user(
    request, pk: int, *, edit: bool = False, allow_closed: bool = False, related: tuple[str, ...] = MIGRATION_RELATED
) -> Migration:
    """The migration if the user may see it; 404 otherwise.

    With edit=True, a user who may see it but not change it (staff, ICB) gets a 403:
    they already know it exists, so saying "not allowed" hides nothing.
    `related`: what to load with it; a page that shows less asks for less (each join costs building).
    A closed migration refuses every change (any POST, and every edit page) with a 403 here, so
    every write path of every app is refused in one place; only reopening passes allow_closed.
    """
    migration = _visible_migration(request.user, pk, related)
    if not allow_closed and (edit or request.method not in SAFE_METHODS):
        refuse_if_closed(migration)
    if edit and not can_manage_migration(request.user, migration):
        raise PermissionDenied("Only the practice manager can change this migration.")
    return migration


def _stand_in(user_id: int):
    """A signed-in, active member of staff who is not a superuser: the only kind of person whose
    visibility rule (visible_with_role_of) has one shape whoever they are."""
    return User(pk=user_id, is_active=True, is_superuser=False)


@functools.cache
def _visible_query(related: tuple[str, ...]) -> PreparedQuery:
    """The access check of every page about a migration, for one set of related rows: built and
    compiled once per process instead of on every request (cutover/prepared.py)."""
    return PreparedQuery(
        lambda user_id, pk: (
            Migration.objects.visible_with_role_of(_stand_in(user_id)).select_related(*related).filter(pk=pk)
        )
    )


def _visible_migration(user, pk: int, related: tuple[str, ...]) -> Migration:
    if not user.is_authenticated or not user.is_active or user.is_superuser:
        return get_object_or_404(Migration.objects.visible_with_role_of(user).select_related(*related), pk=pk)
    # What the ORM does for a key that is not a number, or one out of the column's range: no row,
    # so a 404, not a database error.
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise Http404("No such migration") from None
    low, high = connection.ops.integer_field_range(Migration._meta.pk.get_internal_type())
    if not (low is None or low <= pk) or not (high is None or pk <= high):
        raise Http404("No such migration")
    found = _visible_query(related).all(user_id=user.pk, pk=pk)
    if not found:
        raise Http404("No such migration")
    return found[0]


def viewer_role(user, migration: Migration) -> str | None:
    """`user`'s role at the migration's practice (None if not a member): read with the migration
    when get_migration_for_user loaded it for them (Migration.objects.with_role_of), asked otherwise."""
    if not user.is_authenticated:
        return None
    if getattr(migration, "viewer_pk", None) == user.pk:
        return migration.viewer_role
    return (
        PracticeMembership.objects.filter(user=user, practice_id=migration.practice_id)
        .values_list("role", flat=True)
        .first()
    )


def can_manage_migration(user, migration: Migration) -> bool:
    """The practice manager (or a superuser), whether or not the migration is closed."""
    if not user.is_authenticated or not user.is_active:
        return False
    return user.is_superuser or viewer_role(user, migration) == PracticeMembership.Role.PRACTICE_MANAGER


def can_edit_migration(user, migration: Migration) -> bool:
    """May change the migration now: its manager, while it is open."""
    return not migration.is_closed and can_manage_migration(user, migration)
