"""Object access in one place: outsiders get a 404 so a record's existence is never confirmed."""

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404

from .models import Migration


def get_migration_for_user(request, pk: int, *, edit: bool = False) -> Migration:
    """The migration if the user may see it; 404 otherwise.

    With edit=True, a user who may see it but not change it (staff, ICB) gets a 403:
    they already know it exists, so saying "not allowed" hides nothing.
    """
    migration = get_object_or_404(
        Migration.objects.visible_to(request.user).select_related(
            "practice", "practice__icb", "practice__delivery_partner", "current_supplier", "new_supplier"
        ),
        pk=pk,
    )
    if edit and not can_edit_migration(request.user, migration):
        raise PermissionDenied("Only the practice manager can change this migration.")
    return migration


def can_edit_migration(user, migration: Migration) -> bool:
    return Migration.objects.editable_by(user).filter(pk=migration.pk).exists()
