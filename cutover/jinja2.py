"""The Jinja2 environment, for the few templates rendered many times a page (the plan's task rows).

Django's template language costs about 0.2 ms a row there, most of a 50-task plan's time; the
same row compiled by Jinja2 costs a tenth of that. Pages stay Django templates: a tag renders the
Jinja2 rows inside them (tasks/templatetags/task_rows.py).
"""

import datetime
import functools

from django.utils import dateformat
from django.utils.formats import get_format, localize
from django.utils.translation import get_language
from jinja2 import Environment, StrictUndefined


def environment(**options) -> Environment:
    # Escaping always on, as in Django's templates (the backend's default, said here outright); and a
    # misspelt name fails loudly in tests, instead of rendering as nothing as Django's templates do.
    options.update(undefined=StrictUndefined)
    env = Environment(autoescape=True, **{key: value for key, value in options.items() if key != "autoescape"})
    env.filters["localize"] = localize_day_once  # as Django's templates show values ("26 Nov 2026")
    return env


def localize_day_once(value):
    """Django's ``localize``, with each day's text worked out once per language and format: a plan
    shows some 50 due dates, few of them different, and Django parses the format for every one
    (0.7 ms of a plan page)."""
    if type(value) is datetime.date:
        return _day_text(value, get_language(), get_format("DATE_FORMAT"))
    return localize(value)


@functools.lru_cache(maxsize=4096)
def _day_text(value: datetime.date, language: str, date_format: str) -> str:
    # The language is in the key because month names are translated with it.
    return dateformat.format(value, date_format)
