"""A migration's life around its cutover: closing it (completed or cancelled) and reopening it.

A closed migration is read-only for everyone: `cutover.access.get_migration_for_user` refuses every
change to it, so each app's write paths are refused in one place. `closing.py` holds the rules.
"""
