"""What a tracker reads and writes through the API, and that it is the dashboard's and the pages' own."""

import datetime
import re

import pytest
from django.urls import reverse

from api.models import ApiWrite
from cutover.models import Migration
from cutover.timeline import local_today
from dashboard import columns, selectors
from lifecycle.signoffs import signoff_data_checking
from practices.models import ThirdPartyState
from tasks.models import Task
from tasks.services import task_set_status

from ..factories import MigrationFactory, ThirdPartySystemFactory
from ..reentry.factories import EntryFactory
from .conftest import client_for

pytestmark = pytest.mark.django_db


def status_url(task) -> str:
    return reverse("api-task-status", args=[task.migration_id, task.pk])


def ordinary_task(plan) -> Task:
    return next(task for task in plan if task.template_item.key != "planning-meeting" and task.is_open)


def test_a_migration_reads_as_its_dashboard_row(as_icb, icb_user, migration, plan):
    response = as_icb.get(reverse("api-migration-detail", args=[migration.pk]))
    assert response.status_code == 200
    body = response.json()
    today = local_today()
    [annotated] = selectors.dashboard_queryset(user=icb_user, filters={}, sort="fdp", today=today)
    row = columns.Row(annotated, today)
    assert body["stage"]["key"] == row.stage.key
    assert body["rag"] == {"colour": row.rag, "label": row.rag_label, "reasons": row.reasons}
    assert body["counts"]["tasks"]["preparation"] == {
        "done": annotated.preparation_done,
        "total": annotated.preparation_tasks,
    }
    assert body["practice"]["ods_code"] == migration.practice.ods_code


def test_the_list_filters_as_the_dashboard_and_pages_by_cursor(as_icb, practice, suppliers, settings):
    settings.API_PAGE_SIZE = 2
    for _ in range(3):
        MigrationFactory(practice__icb=practice.icb, current_supplier=suppliers[0], new_supplier=suppliers[1])
    first = as_icb.get(reverse("api-migration-list")).json()
    assert len(first["results"]) == 2 and first["next"]
    second = as_icb.get(first["next"]).json()
    assert len(second["results"]) == 1 and second["next"] is None
    stage = as_icb.get(reverse("api-migration-list"), {"stage": "closed"}).json()
    assert stage["results"] == []
    refused = as_icb.get(reverse("api-migration-list"), {"rag": "purple"})
    assert refused.status_code == 400 and "rag" in refused.json()["errors"]
    misspelt = as_icb.get(reverse("api-migration-list"), {"stages": "closed"})
    assert misspelt.status_code == 400 and "stages" in misspelt.json()["errors"]


def test_the_summary_counts_as_the_dashboards_tiles(as_icb, migration, plan):
    body = as_icb.get(reverse("api-migration-summary")).json()
    assert body["total"] == 1
    assert sum(stage["count"] for stage in body["stages"]) == 1


def test_another_practices_migration_is_not_found(as_outsider, migration):
    response = as_outsider.get(reverse("api-migration-detail", args=[migration.pk]))
    assert response.status_code == 404
    assert response.json()["type"].endswith("/not-found")


def test_the_re_entry_log_is_counts_only(as_icb, migration):
    entry = EntryFactory(migration=migration)
    response = as_icb.get(reverse("api-reentry-counts", args=[migration.pk]))
    assert response.json()["recorded"] == 1
    assert entry.nhs_number not in response.content.decode()


def test_sign_offs_read_as_the_dashboard_shows_them_without_what_was_said(as_icb, manager, migration):
    manager.practice_memberships.filter(practice=migration.practice).update(is_clinical_lead=True)
    signoff_data_checking(migration=migration, by=manager, decision="go", comment="Checked against Mrs Example")
    url = reverse("api-migration-detail", args=[migration.pk])

    sign_offs = as_icb.get(url).json()["sign_offs"]

    assert sign_offs["data_checking_decision"] == "go"
    assert sign_offs["data_checking_signed_at"] is not None
    assert (sign_offs["go_live_signed_at"], sign_offs["close_out_signed_at"]) == (None, None)
    assert "Mrs Example" not in as_icb.get(url).content.decode()
    filtered = as_icb.get(reverse("api-migration-list"), {"sign_off": "data-go"}).json()["results"]
    assert [row["id"] for row in filtered] == [migration.pk]
    assert as_icb.get(reverse("api-migration-list"), {"sign_off": "data-no-go"}).json()["results"] == []


def test_every_answer_says_no_store(as_manager, migration):
    response = as_manager.get(reverse("api-migration-detail", args=[migration.pk]))
    assert "no-store" in response.headers["Cache-Control"]


# --- Writes --------------------------------------------------------------------------------


def test_a_member_ticks_a_task_through_the_plans_service_with_history(as_staff, staff, plan):
    task = ordinary_task(plan)
    response = as_staff.post(status_url(task), {"status": "done", "version": task.version}, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "done" and response.json()["version"] == task.version + 1
    task.refresh_from_db()
    assert task.status_changed_by == staff
    assert task.history.first().history_user == staff
    write = ApiWrite.objects.get()
    assert (write.user, write.status_code, write.token.user) == (staff, 200, staff)


def test_a_stale_version_is_a_409_and_nothing_is_saved(as_staff, manager, plan):
    task = ordinary_task(plan)
    task_set_status(task=task, status="done", by=manager, version=task.version)  # someone else, first
    response = as_staff.post(status_url(task), {"status": "open", "version": task.version}, format="json")
    assert response.status_code == 409
    body = response.json()
    assert body["type"].endswith("/stale-task") and body["current_version"] == task.version + 1
    task.refresh_from_db()
    assert task.status == "done" and task.status_changed_by == manager


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"status": "done", "version": 1, "colour": "red"}, "colour"),
        ({"status": "done", "version": "one"}, "version"),
        ({"status": "finished", "version": 1}, "status"),
        ({"status": "done"}, "version"),
    ],
)
def test_bad_input_is_a_400_that_names_the_field(as_staff, plan, body, field):
    task = ordinary_task(plan)
    response = as_staff.post(status_url(task), body, format="json")
    assert response.status_code == 400
    assert response.headers["Content-Type"] == "application/problem+json"
    assert field in response.json()["errors"]
    task.refresh_from_db()
    assert task.is_open


def test_a_body_that_is_not_json_is_a_400(as_staff, plan):
    task = ordinary_task(plan)
    response = as_staff.post(status_url(task), "{not json", content_type="application/json")
    assert response.status_code == 400 and response.json()["type"].endswith("/malformed-request")


def test_a_closed_migration_is_a_409(as_staff, migration, plan):
    Migration.objects.filter(pk=migration.pk).update(status=Migration.Status.COMPLETED)
    task = ordinary_task(plan)
    response = as_staff.post(status_url(task), {"status": "done", "version": task.version}, format="json")
    assert response.status_code == 409 and response.json()["type"].endswith("/closed-migration")


def test_the_icb_cannot_tick_a_task(as_icb, plan):
    task = ordinary_task(plan)
    response = as_icb.post(status_url(task), {"status": "done", "version": task.version}, format="json")
    assert response.status_code == 403
    assert ApiWrite.objects.get().status_code == 403  # refusals are recorded too


def test_the_planning_meeting_task_needs_the_day_it_was_held(as_manager, migration, plan):
    [meeting] = [task for task in plan if task.template_item.key == "planning-meeting"]
    refused = as_manager.post(status_url(meeting), {"status": "done", "version": meeting.version}, format="json")
    assert refused.status_code == 400 and "held_on" in refused.json()["errors"]
    tomorrow = (local_today() + datetime.timedelta(days=1)).isoformat()
    future = as_manager.post(
        status_url(meeting), {"status": "done", "version": meeting.version, "held_on": tomorrow}, format="json"
    )
    assert future.status_code == 400 and "held_on" in future.json()["errors"]  # the service's own rule
    yesterday = local_today() - datetime.timedelta(days=1)
    ticked = as_manager.post(
        status_url(meeting),
        {"status": "done", "version": meeting.version, "held_on": yesterday.isoformat()},
        format="json",
    )
    assert ticked.status_code == 200, ticked.json()
    migration.refresh_from_db()
    assert migration.planning_meeting_date == yesterday


def test_a_member_records_a_linked_systems_step_with_history(staff, migration):
    system = ThirdPartySystemFactory(practice=migration.practice)
    response = client_for(staff).post(
        reverse("api-system-step", args=[migration.pk, system.pk]), {"step": "notified"}, format="json"
    )
    assert response.status_code == 200, response.json()
    assert response.json()["notified_at"] is not None
    state = ThirdPartyState.objects.get(migration=migration, system=system)
    assert state.notified_by == staff and state.history.first().history_user == staff
    again = client_for(staff).post(
        reverse("api-system-step", args=[migration.pk, system.pk]), {"step": "notified"}, format="json"
    )
    assert again.status_code == 409 and "already recorded" in again.json()["detail"]


def test_switching_off_early_without_a_reason_is_refused_beside_the_reason(staff, migration):
    system = ThirdPartySystemFactory(practice=migration.practice)
    response = client_for(staff).post(
        reverse("api-system-step", args=[migration.pk, system.pk]), {"step": "switched_off"}, format="json"
    )
    assert response.status_code == 400 and "reason" in response.json()["errors"]
    assert not ThirdPartyState.objects.filter(switched_off_at__isnull=False).exists()


# --- The browsable pages (a signed-in session) ----------------------------------------------


@pytest.mark.parametrize(
    "name", ["api-migration-list", "api-migration-summary", "api-migration-detail", "api-task-list", "api-system-list"]
)
def test_the_browsable_pages_open_for_a_signed_in_person(client, manager, migration, plan, name):
    client.force_login(manager)
    args = [] if name in ("api-migration-list", "api-migration-summary") else [migration.pk]
    response = client.get(reverse(name, args=args), HTTP_ACCEPT="text/html")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")


def test_a_signed_in_write_needs_the_csrf_token(manager, plan):
    from rest_framework.test import APIClient

    client = APIClient(enforce_csrf_checks=True)
    client.force_login(manager)
    task = ordinary_task(plan)
    response = client.post(status_url(task), {"status": "done", "version": task.version}, format="json")
    assert response.status_code == 403 and "CSRF" in response.json()["detail"]
    task.refresh_from_db()
    assert task.is_open


def test_the_list_costs_the_same_few_queries_for_many_migrations(
    as_icb, practice, suppliers, django_assert_max_num_queries
):
    for _ in range(8):
        MigrationFactory(practice__icb=practice.icb, current_supplier=suppliers[0], new_supplier=suppliers[1])
    # The token (3: find, two-factor check, last used), the throttle in the database cache (up to 6),
    # the filter form's supplier pairs (1) and the page of annotated rows (1): none grows with the rows.
    with django_assert_max_num_queries(11):
        response = as_icb.get(reverse("api-migration-list"))
    assert len(response.json()["results"]) == 8


def test_the_documentation_page_loads_everything_from_our_own_static_files(client):
    page = client.get(reverse("api-docs")).content.decode()
    sources = re.findall(r'(?:src|href)="([^"]+)"', page)
    assert sources and all(source.startswith("/") and not source.startswith("//") for source in sources), sources
    assert "<style>" not in page  # the policy refuses inline styles
    script = client.get(reverse("api-docs"), {"script": ""})
    assert script.status_code == 200 and reverse("api-schema") in script.content.decode()


def test_a_request_without_a_token_is_a_401_problem_that_is_not_stored(client):
    response = client.get(reverse("api-migration-list"))
    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["type"].endswith("/not-authenticated")
    assert "no-store" in response["Cache-Control"]
    assert response["WWW-Authenticate"].startswith("Bearer")
