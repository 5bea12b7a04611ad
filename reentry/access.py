"""Who may see the re-entry log. It holds patient identifiers, so the rule is narrower than for a migration.

- Members of the practice (manager, staff, IT lead) see and work on its entries.
- The practice's ICB and IT delivery partner see the migration, and so the counts on its page, but get a
  403 on every page of the log: they already know the migration exists, so refusing hides nothing, and it
  tells them plainly that the log is the practice's alone. Superusers who are not members are treated
  the same way: running the service is no reason to read patient details.
- Everyone else gets a 404, as for the migration itself.
"""

from django.shortcuts import get_object_or_404

from cutover.access import PatientDetailsRefused, get_migration_for_user, viewer_role
from cutover.models import Migration

from .models import Entry

REFUSAL = "Only members of the practice can see its re-entry log, because it holds patient details."


def can_see_entries(user, migration: Migration) -> bool:
    if not user.is_authenticated or not user.is_active:
        return False
    # Read with the migration when get_migration_for_user loaded it (no query); asked otherwise.
    return viewer_role(user, migration) is not None


def get_migration_for_reentry(request, pk: int) -> Migration:
    """The migration whose log the user may work on: 404 for outsiders, 403 for ICB and partner users."""
    migration = get_migration_for_user(request, pk)
    if not can_see_entries(request.user, migration):
        raise PatientDetailsRefused(REFUSAL)
    return migration


def get_entry_for_user(request, pk: int, entry_pk: int) -> Entry:
    migration = get_migration_for_reentry(request, pk)
    entry = get_object_or_404(
        Entry.objects.visible_to(request.user).select_related(
            "recorded_by", "re_entered_by", "checked_by", "voided_by"
        ),
        migration=migration,
        pk=entry_pk,
    )
    # The migration was fetched with its practice and suppliers; reuse it rather than query again.
    entry.migration = migration
    return entry
