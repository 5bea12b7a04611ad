"""The plan page's phases, kept as HTML and keyed by a fingerprint of every row they are built from.

Building and rendering a plan (51 tasks with their people, the third-party systems and the re-entry
backlog behind its gated tasks) is most of what the plan page costs, and most views of a plan find
it as the last view left it. So the page reads a fingerprint first: one query that digests the
PostgreSQL row version (`xmin`, new on every insert and update, whatever wrote it) of each row the
phases show. The same fingerprint, day, viewer's controls, filters and migration mean the same HTML.

Why a fingerprint and not invalidation: nothing has to remember to forget. A change made by any
path (a form, the API, a worker, the admin, a bulk write, another server) changes a row version,
so the next view builds the plan afresh. Each server process keeps its own entries (caches["plans"],
in memory): an entry is only ever found by the key of the data it was built from, so processes never
need to agree. SQLite has no row versions, so there (the embedded first run) every view builds it.

The fingerprint is read before anything it covers, so a change that commits in between makes the
stored entry's key one that no later view asks for, never an entry newer views would take as fresh.
"""

import functools
import hashlib
from dataclasses import dataclass

from django.core.cache import caches
from django.db import connection
from django.template.backends.utils import csrf_input
from django.template.loader import render_to_string
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from practices.models import Organisation, Stakeholder, ThirdPartyState, ThirdPartySystem, User
from reentry.models import Entry

from .models import PlanTemplateItem, Task
from .selectors import PlanSummary, Progress, plan_summary

# A kept page's CSRF fields hold this token, and each view puts its own there (with_csrf): the rows
# are given CSRF_SLOT as their field, and `{% csrf_token %}` writes the same field when rendered with
# csrf_token=CSRF_TOKEN_SLOT (coordinator/page_cache.py). Page text is escaped (autoescape), so no
# value shown on a page can contain it.
CSRF_TOKEN_SLOT = "kept-page-csrf-slot"  # noqa: S105 - a marker, replaced by each view's token
CSRF_SLOT = format_html('<input type="hidden" name="csrfmiddlewaretoken" value="{}">', CSRF_TOKEN_SLOT)


@dataclass(frozen=True)
class KeptPlan:
    """What the plan and migration pages show of a plan they kept: the attributes their templates read
    of a Checklist, the phases as HTML, and the migration page's summary of the plan."""

    overall: Progress
    shown: int
    total: int
    phases_html: SafeString  # as rendered, with CSRF_SLOT where each row form's token goes
    summary: PlanSummary


def row_version(alias: str) -> str:
    """A row version: xmin (the transaction that wrote it) and ctid (where it lies). Every UPDATE
    writes a new version elsewhere, so two updates in one transaction still differ by ctid, and a
    ctid freed and reused later comes with another transaction's xmin. A missing row (a LEFT JOIN
    finding nothing) gives "-", so where each row's parts sit never shifts."""
    return f"coalesce({alias}.xmin::text || '@' || {alias}.ctid::text, '-')"


# Every row a plan row reads: the task, who holds it (a member, or a contact with their organisation or
# account), who last changed it and its template item; the practice's systems with this migration's
# state of each (third-party gates); the entries still to re-enter (re-entry gates). The braces take
# table names and row versions (plan_fingerprint_sql); the values are parameters.
FINGERPRINT = """
    SELECT md5(concat_ws('|',
      (SELECT string_agg(concat_ws(':', t.id, {task_versions}), ',' ORDER BY t.id)
         FROM {task} t
         LEFT JOIN {user} a ON a.id = t.assignee_id
         LEFT JOIN {user} s ON s.id = t.status_changed_by_id
         LEFT JOIN {contact} c ON c.id = t.assigned_contact_id
         LEFT JOIN {user} cu ON cu.id = c.user_id
         LEFT JOIN {org} co ON co.id = c.organisation_id
         LEFT JOIN {item} i ON i.id = t.template_item_id
        WHERE t.migration_id = %(migration)s),
      (SELECT string_agg(concat_ws(':', y.id, {system_version}, {state_version}), ',' ORDER BY y.id)
         FROM {system} y
         LEFT JOIN {state} st ON st.system_id = y.id AND st.migration_id = %(migration)s
        WHERE y.practice_id = %(practice)s),
      (SELECT string_agg(concat_ws(':', e.id, {entry_version}), ',' ORDER BY e.id)
         FROM {entry} e
        WHERE e.migration_id = %(migration)s AND e.voided_at IS NULL AND e.re_entered_at IS NULL)
    ))
"""


@functools.cache
def plan_fingerprint_sql() -> str:
    return FINGERPRINT.format(
        task=Task._meta.db_table,
        user=User._meta.db_table,
        org=Organisation._meta.db_table,
        contact=Stakeholder._meta.db_table,
        item=PlanTemplateItem._meta.db_table,
        system=ThirdPartySystem._meta.db_table,
        state=ThirdPartyState._meta.db_table,
        entry=Entry._meta.db_table,
        task_versions=", ".join(row_version(alias) for alias in ("t", "a", "s", "c", "cu", "co", "i")),
        system_version=row_version("y"),
        state_version=row_version("st"),
        entry_version=row_version("e"),
    )


def plan_fingerprint(migration) -> str | None:
    """A digest that changes whenever a row the migration's plan rows show changes; None on SQLite."""
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute(plan_fingerprint_sql(), {"migration": migration.pk, "practice": migration.practice_id})
        return cursor.fetchone()[0]


def plan_key(migration, fingerprint: str, page: dict, *, user) -> str:
    """Everything else the phases depend on: the migration as this view read it (the meeting date
    its rows show, its dates), and from the page's context (tasks/views.py plan_page_context) the
    day (overdue, due soon), whether the viewer gets the row controls, the filters (and whose tasks
    "mine" means) and where a tick without JavaScript returns to."""
    migration_values = tuple(getattr(migration, field.attname) for field in migration._meta.concrete_fields)
    filters = page["filters"]
    parts = (
        fingerprint,
        migration_values,
        page["today"],
        page["access"].can_update,
        filters["mine"] and user.pk,
        filters["overdue"],
        filters["phase"],
        page["next_url"],
    )
    return "plan:" + hashlib.sha256(repr(parts).encode()).hexdigest()


def kept_plan(key: str | None) -> KeptPlan | None:
    return caches["plans"].get(key) if key else None


def keep_plan(key: str | None, request, context: dict, page: str) -> KeptPlan:
    """Render the phases (with a slot for the CSRF field) and keep them under `key`, if there is one."""
    html = render_to_string(f"{page}#phases", {**context, "row_csrf": CSRF_SLOT}, request=request)
    plan = context["plan"]
    summary = plan_summary(plan.tasks, today=context["today"])
    kept = KeptPlan(overall=plan.overall, shown=plan.shown, total=plan.total, phases_html=html, summary=summary)
    if key:
        caches["plans"].set(key, kept)
    return kept


def with_csrf(request, html: SafeString) -> SafeString:
    """Kept HTML with this view's CSRF field in every form."""
    # Safe: rendered by the templates (autoescaped); only our own slot is replaced.
    return mark_safe(html.replace(CSRF_SLOT, str(csrf_input(request))))  # noqa: S308  # nosec B308 B703
