"""The plan's task rows as HTML: on the plan, the migration page, My tasks, and in htmx answers.

Rendered by Jinja2 (templates/jinja2/tasks/task_rows.html, see cutover/jinja2.py for why); the
Django templates place them with {% task_rows %} and {% task_status_tag %} (templatetags/task_rows.py).
"""

from django.template import engines
from django.template.backends.utils import csrf_input
from django.utils.safestring import SafeString, mark_safe


def _template(name: str):
    return engines["jinja2"].env.get_template(name)


def task_rows_html(
    request,
    tasks,
    *,
    migration,
    access,
    next_url: str = "",
    show_practice: bool = False,
    row_message: str = "",
    csrf: str | None = None,
) -> SafeString:
    """The rows of `tasks` (each marked by tasks_mark_for_row). `migration` None: each task's own.
    `csrf`: what to put in place of the forms' CSRF field (the plan page's slot), if not the field."""
    html = _template("tasks/task_rows.html").render(
        tasks=tasks,
        migration=migration,
        access=access,
        next_url=next_url,
        show_practice=show_practice,
        row_message=row_message,
        csrf_input=csrf_input(request) if csrf is None else csrf,  # one masked token for the rows
    )
    # Safe: Jinja2 escaped every value (autoescape, cutover/jinja2.py).
    return mark_safe(html)  # noqa: S308  # nosec B308 B703


def task_status_tag_html(task) -> SafeString:
    tag = _template("tasks/status_tag.html").module.status_tag(task)  # escaped by Jinja2, as above
    return mark_safe(tag)  # noqa: S308  # nosec B308 B703
