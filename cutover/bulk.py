"""Saving thousands of new rows, each with its "created" history record, fast enough for a wave.

``create_with_history`` does what ``simple_history.utils.bulk_create_with_history`` does (one row
and one "+" history record per object, attributed to ``by`` with ``reason``), and on SQLite it is
that function. On PostgreSQL it writes with COPY instead: a wave of 5,000 practices is about half
a million rows (each plan's tasks, its national services, their history), and Django's INSERT
path spent most of a wave's time passing each value of each row through its field's conversion
methods. Here each distinct value of a column is turned into COPY's text once, and every row after
that is a dictionary lookup per column: a wave repeats the same titles, guidance and dates
thousands of times.

A model with a field this module cannot write safely (a type not listed below, JSON among them; a
database default; a generated column) goes through ``bulk_create_with_history`` on PostgreSQL
too, so the fast path never guesses.
"""

import datetime
import operator
from collections.abc import Callable, Sequence

from django.conf import settings
from django.db import connection, models, transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history, get_history_manager_for_model

ROWS_PER_COPY = 10_000  # bounds the text held in memory at once
HISTORY_OWN_COLUMNS = ["history_date", "history_change_reason", "history_type", "history_user_id"]
NULL = r"\N"
# COPY's text format: a backslash starts an escape, and tab and newline end a column and a row.
_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})

INTEGERS = {"AutoField", "BigAutoField", "SmallAutoField", "IntegerField", "BigIntegerField", "SmallIntegerField"} | {
    "PositiveIntegerField",
    "PositiveBigIntegerField",
    "PositiveSmallIntegerField",
}
TEXT = {"CharField", "TextField", "EmailField", "SlugField", "URLField", "GenericIPAddressField", "UUIDField"}


def create_with_history(objs: Sequence[models.Model], model: type[models.Model], *, by=None, reason: str = "") -> list:
    """Save `objs` (new, unsaved instances of `model`) and a "created" history record for each.

    Returns the objects with their primary keys set, as ``bulk_create`` does. The history records
    are dated now (or the object's ``_history_date``) and attributed to `by`.
    """
    objs = list(objs)
    if not objs:
        return []
    writer = _CopyWriter.for_model(model) if connection.vendor == "postgresql" else None
    if writer is None:
        return bulk_create_with_history(
            objs, model, batch_size=1_000, default_user=by, default_change_reason=reason or None
        )
    for obj in objs:
        writer.prepare(obj)  # refuses an object pointing at an unsaved one before anything is written
    with transaction.atomic(savepoint=False):
        writer.write(objs, by=by, reason=reason)
    return objs


class _Unsupported(Exception):
    """A field this module will not write by hand."""


def _text(value) -> str:
    return str(value).translate(_ESCAPES)


def _integer(value) -> str:
    return str(int(value))


def _moment(value: datetime.datetime) -> str:
    if settings.USE_TZ and timezone.is_naive(value):
        value = timezone.make_aware(value)  # as Django's DateTimeField reads it; PostgreSQL would take UTC
    return value.isoformat()


def _converter(field: models.Field) -> Callable[[object], str]:
    """The function turning one of `field`'s values (never None) into COPY text."""
    if field.generated or field.db_default is not models.NOT_PROVIDED:
        raise _Unsupported(field)
    kind = field.target_field.get_internal_type() if field.is_relation else field.get_internal_type()
    if kind in INTEGERS:
        return _integer
    if kind == "BooleanField":
        return lambda value: "t" if value else "f"
    if kind in TEXT:
        return _text
    if kind == "DateField":
        return datetime.date.isoformat
    if kind == "DateTimeField":
        return _moment
    raise _Unsupported(field)


class _Column(dict):
    """One column's values already turned into COPY text, filled in as new values turn up.

    Looked up with ``dict.__getitem__`` in C, so a value seen before costs a hash and a lookup.
    One per column and per write, so True in a yes/no column and 1 in a number column (equal keys
    to Python) never meet, and the memory goes when the write is done.
    """

    def __init__(self, convert: Callable[[object], str]):
        super().__init__()
        self.convert = convert

    def __missing__(self, value) -> str:
        text = self[value] = NULL if value is None else self.convert(value)
        return text


class _CopyWriter:
    """Writes one model's new objects, and their history records, with two COPY commands."""

    @classmethod
    def for_model(cls, model: type[models.Model]) -> "_CopyWriter | None":
        try:
            return cls(model)
        except _Unsupported:
            return None

    def __init__(self, model: type[models.Model]):
        history = get_history_manager_for_model(model).model
        meta = model._meta
        own = {field.attname for field in meta.concrete_fields}
        ours = {"history_id", *HISTORY_OWN_COLUMNS}
        history_fields = [field for field in history._meta.concrete_fields if field.column not in ours]
        if meta.parents or any(field.attname not in own for field in history_fields):
            raise _Unsupported(model)  # inherited tables, or history fields with no source here
        if meta.pk.get_internal_type() not in {"AutoField", "BigAutoField", "SmallAutoField"}:
            raise _Unsupported(model)  # the keys come from the table's sequence
        self.model, self.meta = model, meta
        fields = list(meta.concrete_fields)  # the primary key too: filled from its sequence first
        self.converters = [_converter(field) for field in fields]
        converter_of = dict(zip((field.attname for field in fields), self.converters, strict=True))
        self.history_converters = [converter_of[field.attname] for field in history_fields]
        self.history_converters += [_moment, _text, _text, _integer]  # HISTORY_OWN_COLUMNS
        # Set as Django's save() would: auto_now(_add) stamps, and a related object's key.
        self.stamped = [f for f in fields if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)]
        self.relations = [field for field in fields if field.is_relation]
        self.values = operator.attrgetter(*(field.attname for field in fields))
        self.history_values = operator.attrgetter(*(field.attname for field in history_fields))
        quote = connection.ops.quote_name
        self.into = f"COPY {quote(meta.db_table)} ({', '.join(quote(field.column) for field in fields)}) FROM STDIN"
        history_columns = [field.column for field in history_fields] + HISTORY_OWN_COLUMNS
        self.history_into = (
            f"COPY {quote(history._meta.db_table)} ({', '.join(map(quote, history_columns))}) FROM STDIN"
        )

    def prepare(self, obj) -> None:
        for field in self.stamped:
            field.pre_save(obj, add=True)
        for field in self.relations:
            if getattr(obj, field.attname) is None and field.is_cached(obj):
                related = field.get_cached_value(obj)
                if related is not None:
                    if related.pk is None:
                        raise ValueError(f"{self.model.__name__}.{field.name} points at an unsaved object.")
                    setattr(obj, field.attname, related.pk)

    def write(self, objs, *, by, reason: str) -> None:
        """Save `objs`, each made ready by ``prepare``.

        COPY goes past Django's cursor wrapper, so its errors are turned into Django's here (a
        unique constraint broken is an IntegrityError, as it would be from save()).
        """
        with connection.wrap_database_errors, connection.cursor() as cursor:
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [self.meta.db_table, self.meta.pk.column, len(objs)],
            )
            for obj, (pk,) in zip(objs, cursor.fetchall(), strict=True):
                obj.pk = pk
            now = timezone.now()
            tail = (reason or None, "+", by.pk if by is not None else None)
            columns = [_Column(convert) for convert in self.converters]
            history_columns = [_Column(convert) for convert in self.history_converters]
            for start in range(0, len(objs), ROWS_PER_COPY):
                chunk = objs[start : start + ROWS_PER_COPY]
                _copy(cursor, self.into, _lines(columns, map(self.values, chunk)))
                history = ((*self.history_values(obj), getattr(obj, "_history_date", now), *tail) for obj in chunk)
                _copy(cursor, self.history_into, _lines(history_columns, history))
        for obj in objs:
            obj._state.adding = False
            obj._state.db = connection.alias


def _lines(columns: list[_Column], rows) -> str:
    get = dict.__getitem__
    return "".join(["\t".join(map(get, columns, row)) + "\n" for row in rows])


def _copy(cursor, statement: str, data: str) -> None:
    with cursor.copy(statement) as copy:
        copy.write(data)
