"""Turn django-simple-history records into lines a person can read: who changed what, when."""

import datetime
from dataclasses import dataclass

from django.db import models

from .formatting import day_text, moment_text

IGNORED_FIELDS = {"id", "updated_at", "updated_by", "created_at", "created_by"}


@dataclass
class HistoryEntry:
    when: datetime.datetime
    who: object
    action: str
    changes: list[str]


def display_value(field: models.Field, value, labels: dict) -> str:
    """A stored value as a person reads it; foreign keys are looked up in `labels` by (model, pk)."""
    if value is None or value == "":
        return "(empty)"
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(field, models.ForeignKey):
        return labels.get((field.related_model, value), f"#{value}")
    if isinstance(value, datetime.datetime):
        return moment_text(value)
    if isinstance(value, datetime.date):
        return day_text(value)
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def history_entries(obj: models.Model, *, limit: int = 20) -> list[HistoryEntry]:
    """The newest `limit` changes to `obj`, each compared with the record before it.

    Runs a fixed number of queries: the records are fetched once and diffed in
    pairs, and foreign keys are labelled from one query per related model.
    """
    records = list(obj.history.select_related("history_user").order_by("-history_date", "-history_id")[: limit + 1])
    tracked = {f.name for f in obj.history.model._meta.concrete_fields}  # HistoricalRecords(excluded_fields=...)
    fields = [f for f in obj._meta.concrete_fields if f.name not in IGNORED_FIELDS and f.name in tracked]
    labels: dict = {}
    for field in fields:
        if isinstance(field, models.ForeignKey):
            ids = {getattr(r, field.attname) for r in records} - {None}
            for related in field.related_model._default_manager.filter(pk__in=ids):
                labels[(field.related_model, related.pk)] = str(related)
    entries = []
    for newer, older in zip(records, [*records[1:], None], strict=True):
        if len(entries) == limit:
            break
        if newer.history_type == "+" or older is None:
            action, changes = ("Created", []) if newer.history_type == "+" else ("Changed", [])
        else:
            action = "Deleted" if newer.history_type == "-" else "Changed"
            changes = [
                f"{field.verbose_name.capitalize()}: {display_value(field, getattr(older, field.attname), labels)} "
                f"→ {display_value(field, getattr(newer, field.attname), labels)}"
                for field in fields
                if getattr(older, field.attname) != getattr(newer, field.attname)
            ]
        entries.append(HistoryEntry(when=newer.history_date, who=newer.history_user, action=action, changes=changes))
    return entries
