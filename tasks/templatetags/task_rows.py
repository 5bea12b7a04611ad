from django import template

from ..rows import task_rows_html, task_status_tag_html

register = template.Library()


@register.simple_tag(takes_context=True)
def task_rows(context, tasks, show_practice=False):
    """{% task_rows tasks %}: the rows, with the page's migration, access and next_url.

    With show_practice (My tasks), each row names its practice and uses its task's own migration.
    The plan page's kept phases put a slot in place of the CSRF field (row_csrf, tasks/plan_cache.py).
    """
    return task_rows_html(
        context["request"],
        tasks,
        migration=None if show_practice else context["migration"],
        access=context["access"],
        next_url=context.get("next_url", ""),
        show_practice=show_practice,
        csrf=context.get("row_csrf"),
    )


@register.simple_tag
def task_status_tag(task):
    return task_status_tag_html(task)
