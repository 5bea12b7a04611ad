import datetime
import importlib

import factory
from django.apps import apps
from factory.django import DjangoModelFactory

from tasks.models import Anchor, Phase, PlanTemplateItem, Task, TaskNote

from ..factories import MigrationFactory, UserFactory


def load_plan_template() -> None:
    """Put the default plan back after a transactional test's flush emptied the table.

    Runs the data migration's own loader, so tests use exactly what a fresh database holds.
    """
    if not PlanTemplateItem.objects.exists():
        importlib.import_module("tasks.migrations.0002_load_plan_template").load(apps, None)
        importlib.import_module("tasks.migrations.0007_lifecycle_plan_items").load(apps, None)


class TaskFactory(DjangoModelFactory):
    """A task the practice added itself (no template item), due relative to FDP."""

    class Meta:
        model = Task

    migration = factory.SubFactory(MigrationFactory)
    title = factory.Sequence(lambda n: f"Practice task {n}")
    guidance = "Do the thing, then tick it off."
    phase = Phase.PREPARATION
    anchor = Anchor.FDP
    offset_days = 3
    direction = "before"
    due_date = factory.LazyAttribute(lambda o: o.migration.fdp_date - datetime.timedelta(days=3))


class TaskNoteFactory(DjangoModelFactory):
    class Meta:
        model = TaskNote

    task = factory.SubFactory(TaskFactory)
    text = factory.Sequence(lambda n: f"Note number {n}")
    author = factory.SubFactory(UserFactory)
