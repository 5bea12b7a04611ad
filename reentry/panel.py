"""The re-entry section of the migration page: counts for everyone who sees the migration, links for members."""

from cutover.models import Migration
from cutover.timeline import local_today

from .access import can_see_entries
from .models import re_entry_open, recording_window
from .services import reentry_counts


def reentry_panel(migration: Migration, user) -> dict:
    today = local_today()
    window = recording_window(migration)
    return {
        "reentry": {
            "counts": reentry_counts(migration),
            "can_see_entries": can_see_entries(user, migration),
            "recording_open": window.is_open(today),
            "paper_only": window.paper_only(today),
            "re_entry_open": re_entry_open(migration, today),
        }
    }
