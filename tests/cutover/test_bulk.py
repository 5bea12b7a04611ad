"""A wave's rows saved in bulk (cutover/bulk.py) read back exactly as saved, each with who made it.

On PostgreSQL (CI) this is the COPY path; on SQLite, simple-history's bulk_create_with_history.
The same tests hold both to the same result.
"""

import datetime

import pytest
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from cutover.bulk import _CopyWriter, create_with_history
from cutover.models import Migration
from lifecycle.models import Closure
from practices.models import Practice, Stakeholder, ThirdPartyState, ThirdPartySystem
from tasks.models import Task

from ..factories import LONDON, MigrationFactory, UserFactory

AWKWARD_TEXT = 'Tab\there, a new line\nand a carriage return\r, a back\\slash, "quotes", \\N, £ and é'


def new_task(migration, **fields):
    return Task(
        migration=migration,
        title=fields.pop("title", "Check the practice's smartcards"),
        phase="preparation",
        anchor="fdp",
        offset_days=3,
        direction="before",
        position=1,
        due_date=migration.fdp_date - datetime.timedelta(days=3),
        **fields,
    )


@pytest.mark.django_db
def test_tasks_saved_in_bulk_read_back_exactly_with_their_awkward_text():
    migration = MigrationFactory()
    manager = UserFactory(email="manager@riverside.example")
    at = timezone.now().replace(microsecond=123456)
    tasks = [
        new_task(migration, guidance=AWKWARD_TEXT, assignee=manager, created_at=at, created_by=manager),
        new_task(migration, title="A task of nobody's yet", guidance="", done_when="Nothing\\n here is escaped"),
    ]

    saved = create_with_history(tasks, Task, by=manager, reason="Plan created")

    assert [task.pk for task in saved] == sorted(task.pk for task in saved)
    first, second = (Task.objects.get(pk=task.pk) for task in saved)
    assert first.guidance == AWKWARD_TEXT
    assert (first.assignee, first.created_by, first.created_at) == (manager, manager, at)
    assert (first.migration, first.due_date, first.status, first.version) == (migration, tasks[0].due_date, "open", 1)
    assert (second.guidance, second.done_when, second.assignee, second.fixed_date) == (
        "",
        "Nothing\\n here is escaped",
        None,
        None,
    )
    assert first.updated_at is not None  # auto_now, as a save would set it


@pytest.mark.django_db
def test_every_task_saved_in_bulk_has_a_created_record_saying_who_and_why():
    migration = MigrationFactory()
    manager = UserFactory(email="manager@riverside.example")

    saved = create_with_history([new_task(migration, guidance=AWKWARD_TEXT)], Task, by=manager, reason="Plan created")

    (record,) = Task.history.filter(id=saved[0].pk)
    assert (record.history_type, record.history_user, record.history_change_reason) == ("+", manager, "Plan created")
    assert (record.title, record.guidance, record.migration_id) == (saved[0].title, AWKWARD_TEXT, migration.pk)
    assert abs(record.history_date - timezone.now()) < datetime.timedelta(minutes=1)


@pytest.mark.django_db
def test_rows_saved_in_bulk_leave_the_next_single_save_its_own_number():
    migration = MigrationFactory()
    saved = create_with_history([new_task(migration) for _ in range(3)], Task)

    later = new_task(migration, title="Added by hand afterwards")
    later.save()

    assert later.pk > max(task.pk for task in saved)
    assert Task.objects.filter(migration=migration).count() == 4


@pytest.mark.django_db
@pytest.mark.filterwarnings("ignore:DateTimeField .* received a naive datetime")  # Django's, on SQLite's path
def test_a_time_without_a_zone_is_read_as_london_time_as_django_would():
    migration = MigrationFactory()
    summer_morning = datetime.datetime(timezone.now().year + 1, 7, 1, 9, 30)  # 09:30 BST is 08:30 UTC

    (task,) = create_with_history([new_task(migration, created_at=summer_morning)], Task)

    assert Task.objects.get(pk=task.pk).created_at == summer_morning.replace(tzinfo=LONDON)


@pytest.mark.django_db
def test_a_task_pointing_at_an_unsaved_record_is_refused_and_nothing_is_saved():
    migration = MigrationFactory()
    task = new_task(migration)
    task.created_by = UserFactory.build(email="not-saved@example.org")

    with pytest.raises(ValueError, match="unsaved"), transaction.atomic():
        create_with_history([task], Task)
    assert not Task.objects.exists()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the COPY path is PostgreSQL's")
def test_on_postgresql_everything_a_wave_saves_takes_the_copy_path():
    """A new field of a type bulk.py cannot write would quietly send a wave back to slow INSERTs."""
    for model in (Migration, Task, ThirdPartySystem, ThirdPartyState, Practice, Stakeholder):
        assert _CopyWriter.for_model(model) is not None, model


def test_a_model_with_a_field_it_cannot_write_by_hand_takes_simple_historys_path():
    assert _CopyWriter.for_model(Closure) is None  # its summary is JSON


@pytest.mark.django_db
def test_a_broken_rule_of_the_database_is_djangos_integrity_error_as_from_a_save():
    """The migration services turn that error into "this practice already has an active migration"."""
    active = MigrationFactory()
    second = Migration(
        practice=active.practice,
        current_system="EMIS Web",
        current_supplier=active.current_supplier,
        new_system="TPP SystmOne",
        new_supplier=active.new_supplier,
        fdp_date=active.fdp_date,
        go_live_date=active.go_live_date,
    )

    with pytest.raises(IntegrityError), transaction.atomic():
        create_with_history([second], Migration)
    assert Migration.objects.filter(practice=active.practice).count() == 1
