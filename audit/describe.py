"""How one change reads on the Activity page: which fields count, what changed between two versions
of a row, and the names of the people and things its foreign keys point at (one query per model)."""

from collections import defaultdict
from collections.abc import Iterable

from django.db import models
from django.utils.text import Truncator

from cutover.history import display_value
from practices.models import Stakeholder, ThirdPartyState

# Bookkeeping, or the row's own "who and when": never listed as a change.
IGNORED_FIELDS = {
    "id",
    "migration",
    "practice",
    "template_item",
    "created_at",
    "created_by",
    "updated_at",
    "updated_by",
    "position",
    "idempotency_token",
}
TEXT_LIMIT = 160


class Labels:
    """Names for foreign keys, fetched with one query per related model."""

    def __init__(self):
        self.wanted: dict[type[models.Model], set] = defaultdict(set)
        self.names: dict = {}
        self.display: dict = {}  # (model, pk) -> text, as cutover.history.display_value wants it

    def want(self, model: type[models.Model], pk) -> None:
        if pk is not None:
            self.wanted[model].add(pk)

    def fetch(self) -> None:
        for model, ids in self.wanted.items():
            queryset = model._default_manager.filter(pk__in=ids)
            if model is Stakeholder:
                queryset = queryset.select_related("user", "organisation")
            for obj in queryset:
                self.names[(model, obj.pk)] = obj
                self.display[(model, obj.pk)] = str(obj)

    def get(self, model: type[models.Model], pk):
        return self.names.get((model, pk))

    def text(self, model: type[models.Model], pk, default: str = "") -> str:
        obj = self.get(model, pk)
        return str(obj) if obj is not None else default


def tracked_fields(historical_model) -> list[models.Field]:
    model = historical_model.instance_type
    tracked = {f.name for f in historical_model._meta.concrete_fields}
    return [f for f in model._meta.concrete_fields if f.name not in IGNORED_FIELDS and f.name in tracked]


def first_lower(text: str) -> str:
    return text[:1].lower() + text[1:] if text[:2] != text[:2].upper() else text


def changed_fields(fields: Iterable[models.Field], newer, older) -> list[models.Field]:
    return [f for f in fields if getattr(older, f.attname) != getattr(newer, f.attname)]


def step_pairs(fields: list[models.Field]) -> dict[str, str]:
    """Fields recorded as a pair (X_at and X_by): the time field's name for each who field."""
    names = {f.name for f in fields}
    return {f"{name[:-3]}_by": name for name in names if name.endswith("_at") and f"{name[:-3]}_by" in names}


def step_label(model, at_field: models.Field) -> str:
    if model is ThirdPartyState:
        stem = at_field.name[:-3]
        if stem in ThirdPartyState.Step.values:
            return str(ThirdPartyState.Step(stem).label)
        if stem == "not_applicable":
            return "Does not apply"
    return str(at_field.verbose_name).removesuffix(" at").capitalize()


def diff_lines(model, fields: list[models.Field], newer, older, labels: Labels) -> list[str]:
    changed = changed_fields(fields, newer, older)
    pairs = step_pairs(fields)
    changed_names = {f.name for f in changed}
    lines = []
    for f in changed:
        if f.name in pairs and pairs[f.name] in changed_names:
            continue  # the "who" of a step: the row's own person already says it
        if f.name in pairs.values():
            done = getattr(newer, f.attname) is not None
            lines.append(f"{step_label(model, f)}: {'recorded' if done else 'taken back'}")
            continue
        old = Truncator(display_value(f, getattr(older, f.attname), labels.display)).chars(TEXT_LIMIT)
        new = Truncator(display_value(f, getattr(newer, f.attname), labels.display)).chars(TEXT_LIMIT)
        lines.append(f"{str(f.verbose_name).capitalize()}: {old} → {new}")
    return lines


def want_foreign_keys(fields: list[models.Field], records: Iterable, labels: Labels) -> None:
    for f in fields:
        if isinstance(f, models.ForeignKey):
            for record in records:
                if record is not None:
                    labels.want(f.related_model, getattr(record, f.attname))
