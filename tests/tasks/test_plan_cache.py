"""The plan and migration pages keep the plan they built (tasks/plan_cache.py); nobody ever sees a
kept plan that is out of date, whatever changed it and however, and nobody sees one built for
somebody else."""

import datetime as dt
import re

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cutover.timeline import local_today
from practices.models import Organisation, ThirdPartyState
from reentry.services import entry_mark_re_entered
from tasks import services
from tasks.completion import PLANNING_MEETING_TASK, REENTRY_TASKS, THIRD_PARTY_TASKS
from tasks.models import Task

from ..factories import ContactFactory, ThirdPartySystemFactory
from ..kept_pages import assert_the_change_shows
from ..kept_pages import page_content as phases
from ..reentry.factories import EntryFactory

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite has no row versions: nothing is kept"),
]


def plan_url(migration, query: str = "") -> str:
    return reverse("plan", args=[migration.pk]) + query


def migration_url(migration, query: str = "") -> str:
    return reverse("migration-detail", args=[migration.pk]) + query


def ungated_task(migration) -> Task:
    gated = [PLANNING_MEETING_TASK, *THIRD_PARTY_TASKS, *REENTRY_TASKS]
    return migration.tasks.exclude(template_item__key__in=gated).order_by("pk").first()


def nothing(migration, manager):
    pass


def tick(migration, manager):
    task = ungated_task(migration)
    services.task_set_status(task=task, status="done", by=manager, version=task.version)


def assign_the_first_task(migration, manager):
    task = ungated_task(migration)
    task.assignee = manager
    task.save()


def rename_the_assignee(migration, manager):
    manager.first_name = "Renamed"
    manager.save()


def assign_a_contact_at_a_lab(migration, manager):
    organisation = Organisation.objects.create(name="Old Lab Name", kind=Organisation.Kind.PATHOLOGY_LAB)
    task = ungated_task(migration)
    task.assigned_contact = ContactFactory(migration=migration, name="", organisation=organisation)
    task.save()


def rename_the_lab(migration, manager):
    organisation = Organisation.objects.get(name="Old Lab Name")
    organisation.name = "New Lab Name"
    organisation.save()


def add_a_linked_system(migration, manager):
    ThirdPartySystemFactory(practice=migration.practice, name="Docman")


def notify_the_linked_system(migration, manager):
    ThirdPartyState.objects.create(
        migration=migration,
        system=migration.practice.third_party_systems.get(),
        notified_at=timezone.now(),
        notified_by=manager,
    )


def record_a_cutover_entry(migration, manager):
    EntryFactory(migration=migration, recorded_by=manager)


def go_live_with_an_entry_to_re_enter(migration, manager):
    migration.fdp_date, migration.go_live_date = local_today() - dt.timedelta(days=7), local_today()
    migration.save()
    record_a_cutover_entry(migration, manager)


def re_enter_the_entry(migration, manager):
    entry_mark_re_entered(entry=migration.reentry_entries.get(), by=manager)


def record_the_planning_meeting(migration, manager):
    migration.planning_meeting_date = local_today()
    migration.save()


def retitle_behind_the_apps_back(migration, manager):
    # Audit: a test of the cache; a bulk write (no signals, no history) must still show.
    Task.objects.filter(pk=ungated_task(migration).pk).update(title="Retitled in bulk")


def delete_a_task(migration, manager):
    ungated_task(migration).delete()


# (what is there before the plan is first shown, the change made while it is kept)
CHANGES = [
    (nothing, tick),
    (nothing, assign_the_first_task),
    (assign_the_first_task, rename_the_assignee),
    (assign_a_contact_at_a_lab, rename_the_lab),
    (nothing, add_a_linked_system),
    (add_a_linked_system, notify_the_linked_system),
    (nothing, record_a_cutover_entry),
    (go_live_with_an_entry_to_re_enter, re_enter_the_entry),
    (nothing, record_the_planning_meeting),
    (nothing, retitle_behind_the_apps_back),
    (nothing, delete_a_task),
]


@pytest.mark.parametrize("page", [plan_url, migration_url], ids=["plan page", "migration page"])
@pytest.mark.parametrize(("setup", "change"), CHANGES, ids=[change.__name__ for _, change in CHANGES])
def test_after_any_change_the_plan_shows_what_a_plan_built_afresh_shows(
    client, manager, plan_migration, setup, change, page
):
    setup(plan_migration, manager)
    client.force_login(manager)

    def make_the_change():  # and read the migration as the change left it
        change(plan_migration, manager)
        plan_migration.refresh_from_db()

    assert_the_change_shows(client, page(plan_migration), make_the_change)


def test_a_second_view_of_an_unchanged_plan_reads_no_tasks(client, manager, plan_migration):
    client.force_login(manager)
    url = plan_url(plan_migration)
    with CaptureQueriesContext(connection) as first:
        client.get(url)
    with CaptureQueriesContext(connection) as second:
        client.get(url)
    # The tasks, the third-party systems and the re-entry backlog come with the kept phases.
    assert len(second) == len(first) - 3
    assert not any('FROM "tasks_task"' in query["sql"] for query in second.captured_queries)


def test_a_second_view_of_an_unchanged_migration_page_reads_only_who_may_see_it_and_what_changed(
    client, manager, plan_migration
):
    client.force_login(manager)
    url = migration_url(plan_migration)
    first = phases(client, url)
    with CaptureQueriesContext(connection) as second:
        assert phases(client, url) == first
    # The session, the person, their second factor; the migration with their role; the fingerprints.
    assert len(second) == 5
    assert not any('FROM "tasks_task"' in query["sql"] for query in second.captured_queries)


@pytest.mark.parametrize("page", [plan_url, migration_url], ids=["plan page", "migration page"])
def test_the_next_day_shows_what_has_become_overdue(client, manager, plan_migration, page):
    task = plan_migration.tasks.order_by("due_date").first()
    url = page(plan_migration)
    due_day = dt.datetime.combine(task.due_date, dt.time(12, 0), tzinfo=dt.UTC)
    for day, row in [
        (due_day, f'id="task-{task.pk}" class="nhsuk-task-list__item plan-row">'),
        (
            due_day + dt.timedelta(days=1),
            f'id="task-{task.pk}" class="nhsuk-task-list__item plan-row plan-row--overdue"',
        ),
    ]:
        with time_machine.travel(day, tick=False):
            client.force_login(manager)
            assert row in phases(client, url)


def test_someone_who_only_follows_the_plan_never_gets_the_controls_kept_for_the_practice(
    client, manager, icb_user, plan_migration
):
    client.force_login(manager)
    assert "Mark done" in phases(client, plan_url(plan_migration))
    client.force_login(icb_user)
    assert "Mark done" not in phases(client, plan_url(plan_migration))


def test_assigned_to_me_is_each_persons_own_tasks(client, manager, staff, plan_migration):
    first, second = plan_migration.tasks.order_by("pk")[:2]
    Task.objects.filter(pk=first.pk).update(assignee=manager)  # Audit: test set-up, not anyone's change.
    Task.objects.filter(pk=second.pk).update(assignee=staff)  # Audit: as above.
    url = plan_url(plan_migration, "?mine=1")
    client.force_login(manager)
    mine = phases(client, url)
    client.force_login(staff)
    theirs = phases(client, url)
    assert f'id="task-{first.pk}"' in mine and f'id="task-{second.pk}"' not in mine
    assert f'id="task-{second.pk}"' in theirs and f'id="task-{first.pk}"' not in theirs


def test_a_tick_from_a_kept_plan_carries_the_viewers_own_valid_csrf_token(manager, plan_migration):
    client = Client(enforce_csrf_checks=True)
    client.force_login(manager)
    task = ungated_task(plan_migration)
    url = plan_url(plan_migration)
    client.get(url)
    kept = client.get(url).content.decode()
    row = kept[kept.index(f'id="task-{task.pk}"') :]
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', row).group(1)
    action = reverse("task-status", args=[plan_migration.pk, task.pk])
    assert f'action="{action}"' in row

    response = client.post(action, {"csrfmiddlewaretoken": token, "version": task.version, "status": "done"})

    assert response.status_code == 302
    task.refresh_from_db()
    assert task.is_done
