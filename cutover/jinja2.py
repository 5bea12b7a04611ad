"""The Jinja2 environment, for the few templates rendered many times a page (the plan's task rows).

Django's template language costs about 0.2 ms a row there, most of a 50-task plan's time; the
same row compiled by Jinja2 costs a tenth of that. Pages stay Django templates: a tag renders the
Jinja2 rows inside them (tasks/templatetags/task_rows.py).
"""

import datetime

from django.utils.formats import localize
from jinja2 import Environment, StrictUndefined

from .formatting import day_text


def environment(**options) -> Environment:
    # Escaping always on, as in Django's templates (the backend's default, said here outright); and a
    # misspelt name fails loudly in tests, instead of rendering as nothing as Django's templates do.
    options.update(undefined=StrictUndefined)
    env = Environment(autoescape=True, **{key: value for key, value in options.items() if key != "autoescape"})
    env.filters["localize"] = localize_day_once  # as Django's templates show values ("26 Nov 2026")
    return env


def localize_day_once(value):
    """Django's ``localize``, with a day's text from ``day_text``, which works each day out once."""
    if type(value) is datetime.date:
        return day_text(value)
    return localize(value)
