"""The practice manager adds tasks of the practice's own and changes due dates, with a reason."""

import datetime as dt

import pytest
from django.urls import reverse

from coordinator import services as migration_services
from tasks.models import Anchor, Task, TaskDueDateChange

from .conftest import task_by_key

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _frozen_first(frozen_today):
    return frozen_today


def add_url(migration):
    return reverse("task-add", args=[migration.pk])


def due_url(task):
    return reverse("task-due-edit", args=[task.migration_id, task.pk])


def custom(**overrides):
    data = {
        "title": "Book the locum for go-live week",
        "guidance": "Extra cover while staff get used to the new system.",
        "phase": "during_cutover",
        "anchor": "go_live",
        "offset_days": "2",
        "direction": "before",
        "fixed_date": "",
    }
    data.update(overrides)
    return data


class TestAddTask:
    @pytest.mark.parametrize(
        ("role", "expected"),
        [("manager", 200), ("superuser", 200), ("staff", 403), ("it_lead", 403), ("icb_user", 403), ("outsider", 404)],
    )
    def test_only_the_manager_may_open_the_page(self, client, request, plan_migration, role, expected):
        client.force_login(request.getfixturevalue(role))
        assert client.get(add_url(plan_migration)).status_code == expected

    def test_anonymous_people_sign_in_and_other_methods_are_refused(self, client, manager, plan_migration):
        assert client.get(add_url(plan_migration)).url.startswith(reverse("login"))
        client.force_login(manager)
        assert client.put(add_url(plan_migration)).status_code == 405

    def test_the_manager_adds_a_task_due_relative_to_go_live(self, client, manager, plan_migration):
        client.force_login(manager)
        response = client.post(add_url(plan_migration), custom())
        task = plan_migration.tasks.get(title="Book the locum for go-live week")
        assert response.status_code == 302
        assert response.url.endswith(f"#task-{task.pk}")
        assert task.is_custom and task.created_by == manager
        assert task.due_date == dt.date(2027, 2, 15)  # 2 working days before Wednesday 17 Feb
        assert task.due_rule == "2 working days before go-live"
        assert task.history.get().history_user == manager
        page = client.get(reverse("plan", args=[plan_migration.pk])).content.decode()
        assert "Added by the practice" in page

    def test_a_task_due_outside_its_phase_is_refused_with_the_dates_that_bound_it(
        self, client, manager, plan_migration
    ):
        client.force_login(manager)
        response = client.post(add_url(plan_migration), custom(phase="after_go_live"))
        assert response.status_code == 400
        assert response.context["form"].errors["offset_days"] == [
            "That works out as 15 Feb 2027, but a go-live-and-after task cannot be due before go-live "
            "(17 Feb 2027). Change the days or the phase."
        ]
        assert not plan_migration.tasks.filter(title="Book the locum for go-live week").exists()

    def test_a_custom_task_anchored_to_fdp_moves_with_it(self, client, manager, plan_migration):
        client.force_login(manager)
        client.post(add_url(plan_migration), custom(phase="preparation", anchor="fdp", offset_days="0"))
        migration_services.migration_update(
            migration=plan_migration, by=manager, fdp_date=dt.date(2027, 2, 12), go_live_date=dt.date(2027, 2, 19)
        )
        assert plan_migration.tasks.get(title="Book the locum for go-live week").due_date == dt.date(2027, 2, 12)

    def test_the_manager_adds_a_task_on_a_fixed_date(self, client, manager, plan_migration):
        client.force_login(manager)
        client.post(add_url(plan_migration), custom(anchor="fixed", fixed_date="2027-01-15", offset_days="4"))
        task = plan_migration.tasks.get(title="Book the locum for go-live week")
        assert (task.anchor, task.fixed_date, task.due_date, task.offset_days) == (
            Anchor.FIXED,
            dt.date(2027, 1, 15),
            dt.date(2027, 1, 15),
            0,
        )

    @pytest.mark.parametrize(
        ("overrides", "field", "message"),
        [
            ({"title": ""}, "title", "Give the task a short title."),
            ({"anchor": "fixed"}, "fixed_date", "Enter the date the task is due."),
            ({"anchor": "fixed", "fixed_date": "2026-11-20"}, "fixed_date", "The due date cannot be in the past."),
            ({"offset_days": ""}, "offset_days", "Enter how many working days"),
            ({"offset_days": "400"}, "offset_days", "less than or equal to 250"),
            ({"phase": "someday"}, "phase", "Select a valid choice"),
            ({"anchor": "legacy_support_end"}, "anchor", "Select a valid choice"),
        ],
    )
    def test_bad_input_is_explained_beside_the_field_and_saves_nothing(
        self, client, manager, plan_migration, overrides, field, message
    ):
        client.force_login(manager)
        response = client.post(add_url(plan_migration), custom(**overrides))
        assert response.status_code == 400
        assert message in " ".join(response.context["form"].errors[field])
        assert f'id="id_{field}_error"' in response.content.decode()
        assert plan_migration.tasks.count() == 46

    def test_staff_posting_a_task_are_refused(self, client, staff, plan_migration):
        client.force_login(staff)
        assert client.post(add_url(plan_migration), custom()).status_code == 403
        assert plan_migration.tasks.count() == 46


class TestChangeDueDate:
    @pytest.fixture
    def task(self, plan_migration):
        return task_by_key(plan_migration, "backup-third-party-systems")

    def test_the_manager_moves_a_task_to_a_fixed_date_and_the_reason_is_kept(self, client, manager, task):
        client.force_login(manager)
        response = client.post(
            due_url(task),
            {
                "anchor": "fixed",
                "fixed_date": "2027-01-29",
                "direction": "before",
                "reason": "Backup firm visits then",
                "version": 1,
            },
        )
        assert response.status_code == 302
        task = Task.objects.get(pk=task.pk)
        assert (task.anchor, task.due_date) == (Anchor.FIXED, dt.date(2027, 1, 29))
        change = task.due_date_changes.get()
        assert (change.kind, change.old_date, change.new_date, change.reason, change.changed_by) == (
            TaskDueDateChange.Kind.EDITED,
            dt.date(2027, 2, 3),
            dt.date(2027, 1, 29),
            "Backup firm visits then",
            manager,
        )
        assert task.history.first().history_change_reason == "Backup firm visits then"

    def test_a_task_given_a_fixed_date_stays_when_fdp_moves(self, client, manager, task):
        client.force_login(manager)
        client.post(
            due_url(task),
            {
                "anchor": "fixed",
                "fixed_date": "2027-01-29",
                "direction": "before",
                "reason": "Firm's only date",
                "version": 1,
            },
        )
        migration_services.migration_update(
            migration=task.migration, by=manager, fdp_date=dt.date(2027, 2, 24), go_live_date=dt.date(2027, 3, 3)
        )
        assert Task.objects.get(pk=task.pk).due_date == dt.date(2027, 1, 29)

    def test_the_manager_changes_the_working_day_count(self, client, manager, task):
        client.force_login(manager)
        client.post(
            due_url(task),
            {"anchor": "fdp", "offset_days": "8", "direction": "before", "reason": "More time", "version": 1},
        )
        task = Task.objects.get(pk=task.pk)
        assert (task.due_date, task.due_rule) == (dt.date(2027, 1, 29), "8 working days before FDP")

    def test_a_reason_is_required(self, client, manager, task):
        client.force_login(manager)
        response = client.post(
            due_url(task), {"anchor": "fdp", "offset_days": "8", "direction": "before", "reason": "", "version": 1}
        )
        assert response.status_code == 400
        assert "Say why the due date is changing" in response.content.decode()
        assert Task.objects.get(pk=task.pk).due_date == dt.date(2027, 2, 3)
        assert not TaskDueDateChange.objects.exists()

    def test_changing_nothing_is_explained(self, client, manager, task):
        client.force_login(manager)
        response = client.post(
            due_url(task), {"anchor": "fdp", "offset_days": "5", "direction": "before", "reason": "No", "version": 1}
        )
        assert response.status_code == 400
        assert "already has" in response.content.decode()

    def test_a_stale_form_is_refused_with_a_message(self, client, manager, staff, task):
        from tasks.services import task_set_status

        task_set_status(task=task, status="done", by=staff, version=1)
        client.force_login(manager)
        response = client.post(
            due_url(task), {"anchor": "fdp", "offset_days": "8", "direction": "before", "reason": "More", "version": 1}
        )
        assert response.status_code == 409
        assert "changed after you opened the page" in response.content.decode()
        assert Task.objects.get(pk=task.pk).due_date == dt.date(2027, 2, 3)

    @pytest.mark.parametrize(
        ("role", "expected"), [("staff", 403), ("it_lead", 403), ("icb_user", 403), ("outsider", 404)]
    )
    def test_only_the_manager_may_change_due_dates(self, client, request, task, role, expected):
        client.force_login(request.getfixturevalue(role))
        assert client.get(due_url(task)).status_code == expected
        data = {"anchor": "fdp", "offset_days": "8", "direction": "before", "reason": "x", "version": 1}
        assert client.post(due_url(task), data).status_code == expected
        assert Task.objects.get(pk=task.pk).due_date == dt.date(2027, 2, 3)

    def test_the_page_shows_the_current_rule_and_anonymous_people_sign_in(self, client, manager, task):
        assert client.get(due_url(task)).url.startswith(reverse("login"))
        client.force_login(manager)
        page = client.get(due_url(task)).content.decode()
        assert "5 working days before FDP" in page and "3 Feb 2027" in page
        assert client.delete(due_url(task)).status_code == 405
