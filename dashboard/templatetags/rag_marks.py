"""`{% rag_mark migrations %}`: the dashboard's RAG colour and reasons on each migration of a list.

The migration list lives in `coordinator`, below `dashboard`, so it cannot import the RAG rules;
its template asks for them here instead, as the migration page asks `lifecycle` for its panels.
One query for the whole list, through the same annotations and rules as the dashboard.
"""

from django import template

from cutover.models import Migration
from cutover.timeline import local_today

from ..annotations import annotate_dashboard
from ..rag import RAG_LABELS, rag_status

register = template.Library()


@register.simple_tag
def rag_mark(migrations) -> str:
    """Set `.rag`, `.rag_label` and `.rag_reasons` on each migration; renders nothing."""
    migrations = list(migrations)
    if not migrations:
        return ""
    today = local_today()
    rows = {
        row.pk: row for row in annotate_dashboard(Migration.objects.filter(pk__in=[m.pk for m in migrations]), today)
    }
    for migration in migrations:
        row = rows.get(migration.pk)
        if row is None or migration.is_closed:
            migration.rag, migration.rag_label, migration.rag_reasons = "", "", []
            continue
        migration.rag, migration.rag_reasons = rag_status(row, today)
        migration.rag_label = RAG_LABELS[migration.rag]
    return ""
