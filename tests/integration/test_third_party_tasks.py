"""The plan's third-party tasks show each system's state and are done only when every system is."""

import pytest
from django.urls import reverse

from practices.models import ThirdPartyState
from systems.third_party import third_party_mark_not_applicable, third_party_step_record
from tasks.models import Task
from tasks.services import TaskNotReady, task_set_status

from ..factories import ThirdPartySystemFactory, at
from .conftest import FDP, GO_LIVE, plan_url, status_url, task_by_key, travel

pytestmark = pytest.mark.django_db
Step = ThirdPartyState.Step


@pytest.fixture
def systems(practice):
    """Docman needs its own backup; the pathology link is backed up by the current supplier."""
    return [
        ThirdPartySystemFactory(practice=practice, name="Docman", backed_up_by_current_supplier=False),
        ThirdPartySystemFactory(practice=practice, name="Pathology link", backed_up_by_current_supplier=True),
    ]


NOTIFIED_ON = FDP.replace(day=1)


def record(migration, system, step, by, day=NOTIFIED_ON):
    return third_party_step_record(migration=migration, system=system, step=step, by=by, at=at(day))


def tick(task, by):
    return task_set_status(task=task, status="done", by=by, version=task.version)


def row_of(page: str, task) -> str:
    start = page.index(f'<li id="task-{task.pk}"')
    return page[start : page.index("</li>", start)]


def test_notifying_cannot_be_ticked_while_a_system_is_not_notified(plan_migration, staff, systems):
    record(plan_migration, systems[0], Step.NOTIFIED, staff)
    task = task_by_key(plan_migration, "notify-third-parties")
    with pytest.raises(TaskNotReady) as refused:
        tick(task, staff)
    assert "1 of 2 systems notified" in str(refused.value)
    assert "Record the other 1 on the third-party systems page first." in str(refused.value)
    task.refresh_from_db()
    assert task.is_open
    assert task.version == 1


def test_notifying_can_be_ticked_when_every_system_is_notified_or_not_applicable(plan_migration, staff, systems):
    record(plan_migration, systems[0], Step.NOTIFIED, staff)
    third_party_mark_not_applicable(migration=plan_migration, system=systems[1], reason="Retired", by=staff)
    task = tick(task_by_key(plan_migration, "notify-third-parties"), staff)
    assert task.is_done
    assert task.status_changed_by == staff


def test_with_no_systems_recorded_the_task_can_be_ticked_and_says_so(client, plan_migration, staff):
    task = task_by_key(plan_migration, "notify-third-parties")
    client.force_login(staff)
    page = client.get(plan_url(plan_migration)).content.decode()
    assert "No third-party systems recorded" in row_of(page, task)
    assert tick(task, staff).is_done


def test_the_backup_task_only_waits_for_systems_the_supplier_does_not_back_up(plan_migration, staff, systems):
    task = task_by_key(plan_migration, "backup-third-party-systems")
    with pytest.raises(TaskNotReady, match="0 of 1 system backed up"):
        tick(task, staff)
    record(plan_migration, systems[0], Step.BACKED_UP, staff)
    assert tick(task, staff).is_done


def test_the_backup_task_needs_nothing_when_the_supplier_backs_everything_up(client, plan_migration, staff, practice):
    ThirdPartySystemFactory(practice=practice, name="Pathology link", backed_up_by_current_supplier=True)
    task = task_by_key(plan_migration, "backup-third-party-systems")
    client.force_login(staff)
    page = client.get(plan_url(plan_migration)).content.decode()
    assert "No system needs its own backup" in row_of(page, task)
    assert tick(task, staff).is_done


def test_links_back_on_waits_for_every_system_after_go_live(plan_migration, it_lead, systems):
    for system in systems:
        record(plan_migration, system, Step.SWITCHED_OFF, it_lead, FDP.replace(day=8))
    task = task_by_key(plan_migration, "links-back-on")
    record(plan_migration, systems[0], Step.BACK_ON, it_lead, GO_LIVE)
    with pytest.raises(TaskNotReady, match="1 of 2 systems back on and checked"):
        tick(task, it_lead)
    record(plan_migration, systems[1], Step.BACK_ON, it_lead, GO_LIVE)
    assert tick(task, it_lead).is_done


def test_recording_the_last_step_does_not_tick_the_task_itself(plan_migration, staff, systems):
    for system in systems:
        record(plan_migration, system, Step.NOTIFIED, staff)
    assert task_by_key(plan_migration, "notify-third-parties").is_open


def test_not_applicable_is_always_allowed(plan_migration, staff, systems):
    task = task_by_key(plan_migration, "notify-third-parties")
    task = task_set_status(
        task=task, status="not_applicable", reason="The ICB notifies for us", by=staff, version=task.version
    )
    assert task.is_not_applicable


def test_the_plan_shows_per_system_progress_with_a_link(client, plan_migration, staff, systems):
    record(plan_migration, systems[0], Step.NOTIFIED, staff)
    third_party_mark_not_applicable(migration=plan_migration, system=systems[1], reason="Retired", by=staff)
    client.force_login(staff)
    page = client.get(plan_url(plan_migration)).content.decode()
    notify_task = task_by_key(plan_migration, "notify-third-parties")
    assert "1 of 1 system notified; 1 not applicable" in row_of(page, notify_task)
    detail = client.get(reverse("task-detail", args=[plan_migration.pk, notify_task.pk])).content.decode()
    assert "1 of 1 system notified; 1 not applicable" in detail
    assert f'href="{reverse("systems", args=[plan_migration.pk])}"' in detail
    assert "0 of 1 system backed up" in row_of(page, task_by_key(plan_migration, "backup-third-party-systems"))
    assert "0 of 1 system back on and checked; 1 not applicable" in row_of(
        page, task_by_key(plan_migration, "links-back-on")
    )
    # Other tasks carry no system count.
    assert "systems" not in row_of(page, task_by_key(plan_migration, "smartcards")).replace("third-party", "")


def test_ticking_too_early_without_javascript_redirects_with_the_reason(client, plan_migration, staff, systems):
    task = task_by_key(plan_migration, "notify-third-parties")
    client.force_login(staff)
    response = client.post(status_url(task), {"status": "done", "version": task.version}, follow=True)
    page = response.content.decode()
    assert "0 of 2 systems notified" in page
    assert "can be marked done once every third-party system is notified" in page
    assert Task.objects.get(pk=task.pk).is_open


def test_ticking_too_early_with_htmx_shows_the_reason_in_the_row(client, plan_migration, staff, systems):
    task = task_by_key(plan_migration, "notify-third-parties")
    client.force_login(staff)
    response = client.post(status_url(task), {"status": "done", "version": task.version}, HTTP_HX_REQUEST="true")
    row = response.content.decode()
    assert response.status_code == 200
    assert 'role="alert"' in row
    assert "can be marked done once every third-party system is notified" in row
    assert Task.objects.get(pk=task.pk).is_open


def test_the_icb_sees_the_progress_but_cannot_tick(client, plan_migration, icb_user, systems):
    task = task_by_key(plan_migration, "notify-third-parties")
    client.force_login(icb_user)
    assert "0 of 2 systems notified" in client.get(plan_url(plan_migration)).content.decode()
    assert client.post(status_url(task), {"status": "done", "version": 1}).status_code == 403


def test_the_plan_costs_the_same_queries_with_many_systems(client, plan_migration, staff, practice, systems):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(staff)

    def count():
        with CaptureQueriesContext(connection) as queries:
            client.get(plan_url(plan_migration))
        return len(queries)

    small = count()
    with travel(NOTIFIED_ON):
        for _ in range(10):
            record(plan_migration, ThirdPartySystemFactory(practice=practice), Step.NOTIFIED, staff)
    client.force_login(staff)
    assert count() == small
