"""The migration page's content, kept as HTML and keyed by a fingerprint of every row it could show.

The page gathers a dozen sections (plan summary, people, linked systems, key dates, sign-offs,
re-entry, reminders, close-out), each a query or two and their templates; most views of it find
nothing changed since the last. It is kept the way the plan's phases are (tasks/plan_cache.py, whose
docstring says why a fingerprint and not invalidation), with a wider fingerprint:

- the plan's own (its tasks and everything their rows show);
- every row of every table that points at the migration, and every row of every table that points
  at its practice (its migrations, members, linked systems, channels...), each with the rows its
  foreign keys point at (the person who signed, the organisation of a contact, the suppliers);
- the practice's row, with its ICB and delivery partner.

The tables are found from the models, not listed by hand, so a section added later that reads a new
table pointing at the migration is covered without anyone remembering it. Historical tables (the
audit history, shown only in the History section, which loads when opened) have no such relation.

The page differs by person (their controls, whether they may see patient details, whether they are
the clinical lead who signs off), so each person's view is kept under their own key.
"""

import functools
import hashlib

from django.core.cache import caches
from django.db import connection
from django.template.loader import render_to_string

from cutover.models import Migration
from practices.models import Practice
from tasks.models import Task
from tasks.plan_cache import CSRF_TOKEN_SLOT, plan_fingerprint_sql, row_version

# The plan's tasks are covered, with the rows their rows show, by the plan's own fingerprint.
COVERED_BY_PLAN = {Task}

ROWS = "(SELECT string_agg(concat_ws(':', x.{pk}, {versions}), ',' ORDER BY x.{pk}) FROM {table} x {joins} WHERE x.{column} = %({value})s)"  # noqa: E501
JOIN = "LEFT JOIN {table} {alias} ON {alias}.{pk} = x.{column}"
PAGE_FINGERPRINT = "SELECT ({plan}), md5(concat_ws('|', {parts}))"


def _rows(model, column: str, value: str) -> str:
    """Every row of `model` whose `column` is the given value, each with the rows its foreign keys name."""
    quote = connection.ops.quote_name
    joins, versions = [], [row_version("x")]
    for n, field in enumerate(f for f in model._meta.concrete_fields if f.is_relation):
        alias = f"j{n}"
        target = field.related_model._meta
        joins.append(
            JOIN.format(
                table=quote(target.db_table), alias=alias, pk=quote(target.pk.column), column=quote(field.column)
            )
        )
        versions.append(row_version(alias))
    return ROWS.format(
        pk=quote(model._meta.pk.column),
        versions=", ".join(versions),
        table=quote(model._meta.db_table),
        joins=" ".join(joins),
        column=quote(column),
        value=value,
    )


def _pointing_at(model) -> list:
    """(model, column) for every relation to `model` that a row of another table holds."""
    return sorted(
        (
            (relation.related_model, relation.field.column)
            for relation in model._meta.related_objects
            if relation.field.concrete and not relation.many_to_many
        ),
        key=lambda pair: (pair[0]._meta.label, pair[1]),
    )


@functools.cache
def page_fingerprint_sql() -> str:
    parts = [_rows(Practice, Practice._meta.pk.column, "practice")]
    parts += [
        _rows(model, column, "migration") for model, column in _pointing_at(Migration) if model not in COVERED_BY_PLAN
    ]
    parts += [_rows(model, column, "practice") for model, column in _pointing_at(Practice)]
    return PAGE_FINGERPRINT.format(plan=plan_fingerprint_sql(), parts=", ".join(parts))


def page_fingerprints(migration: Migration) -> tuple[str | None, str | None]:
    """The plan's fingerprint (for its phases) and the page's, read together before anything they
    cover; (None, None) on SQLite, which has no row versions."""
    if connection.vendor != "postgresql":
        return None, None
    with connection.cursor() as cursor:
        cursor.execute(page_fingerprint_sql(), {"migration": migration.pk, "practice": migration.practice_id})
        return cursor.fetchone()


def page_key(migration: Migration, fingerprints: tuple, *, request, today) -> str:
    """The rows (both fingerprints), the migration as this view read it, the day, and the person:
    who they are, what they may do at the practice, and the address they asked for (its filters)."""
    user = request.user
    migration_values = tuple(getattr(migration, field.attname) for field in migration._meta.concrete_fields)
    person = (user.pk, user.is_active, user.is_superuser, getattr(migration, "viewer_role", None))
    parts = (fingerprints, migration_values, today, person, request.get_full_path())
    return "migration-page:" + hashlib.sha256(repr(parts).encode()).hexdigest()


def kept_page(key: str | None) -> str | None:
    return caches["plans"].get(key) if key else None


def keep_page(key: str | None, request, context: dict, template: str) -> str:
    """Render the page's content with slots for the CSRF fields (tasks/plan_cache.py with_csrf fills
    them), and keep it under `key` if there is one."""
    html = render_to_string(template, {**context, "csrf_token": CSRF_TOKEN_SLOT}, request=request)
    if key:
        caches["plans"].set(key, html)
    return html
