"""How the dashboard writes dates, day counts and counts: in its cells, its RAG reasons and the wave preview."""

import datetime

from cutover.formatting import day_text


def days_text(days: int) -> str:
    if days == 0:
        return "today"
    if days > 0:
        return f"in {days} day{'s' if days != 1 else ''}"
    return f"{-days} day{'s' if days != -1 else ''} ago"


def show_date(value: datetime.date | None) -> str:
    return day_text(value) if value else ""


def count_text(count: int, thing: str) -> str:
    return f"{count} {thing}{'' if count == 1 else 's'}"
