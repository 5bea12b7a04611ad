"""How a date or a moment reads in a sentence the product writes (messages, history reasons,
refusals): "26 Nov 2026" and "26 Nov 2026, 14:05", the formats in cutover/formats/en_GB.

Templates use the `date` filter with the same formats; Python code that writes a sentence uses these.
"""

import datetime

from django.utils import timezone
from django.utils.formats import date_format


def day_text(value: datetime.date) -> str:
    return date_format(value, "DATE_FORMAT")


def moment_text(value: datetime.datetime) -> str:
    """In London time: a stored moment is UTC."""
    return date_format(timezone.localtime(value) if timezone.is_aware(value) else value, "DATETIME_FORMAT")


def weekday_day_text(value: datetime.date) -> str:
    """With the day of the week, where the day itself matters to the reader: "Thu 3 Dec 2026"."""
    return f"{value:%a} {day_text(value)}"
