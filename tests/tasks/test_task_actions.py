"""Tick, untick, not applicable, notes and assignment: who may, what is recorded, with and without htmx."""

import datetime as dt

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from tasks.models import Task, TaskNote

from .conftest import task_by_key

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}
NOW = dt.datetime(2026, 11, 26, 10, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def _frozen_first(frozen_today):
    # Frozen before any task exists, so history records are in the order they were made.
    return frozen_today


@pytest.fixture
def task(plan_migration):
    return task_by_key(plan_migration, "smartcards")


def url(name, task):
    return reverse(name, args=[task.migration_id, task.pk])


def status(client, task, value, *, version=None, reason="", **extra):
    data = {"status": value, "version": task.version if version is None else version, "reason": reason}
    data.update(extra.pop("data", {}))
    return client.post(url("task-status", task), data, **extra)


def fresh(task):
    return Task.objects.get(pk=task.pk)


class TestTick:
    def test_staff_ticks_a_task_without_javascript_and_who_and_when_are_kept(self, client, staff, task, frozen_today):
        client.force_login(staff)
        response = status(client, task, "done")
        assert response.status_code == 302
        assert response.url == f"{reverse('plan', args=[task.migration_id])}#task-{task.pk}"
        task = fresh(task)
        assert task.status == Task.Status.DONE
        assert (task.status_changed_by, task.status_changed_at) == (staff, NOW)
        record = task.history.first()
        assert (record.status, record.history_user) == ("done", staff)
        assert [str(m) for m in get_messages(response.wsgi_request)] == [f"“{task.title}” marked done."]

    def test_with_htmx_the_answer_is_the_task_row_and_the_progress_bars(self, client, staff, task, frozen_today):
        client.force_login(staff)
        response = status(client, task, "done", **HTMX)
        assert response.status_code == 200
        html = response.content.decode()
        assert html.lstrip().startswith(f'<li id="task-{task.pk}"')
        assert "Reopen" in html and "Done by" in html
        assert 'id="progress-preparation" class="plan-progress" hx-swap-oob="true"' in html
        assert "1 of 24 done" in html
        # The polite live region says what happened, for people who cannot see the row change.
        assert f'aria-live="polite" hx-swap-oob="true">“{task.title}” marked done.</div>' in html
        assert "<html" not in html
        assert fresh(task).is_done

    def test_unticking_records_who_and_when_too(self, client, staff, manager, task, frozen_today):
        client.force_login(staff)
        status(client, task, "done")
        client.force_login(manager)
        status(client, fresh(task), "open", **HTMX)
        task = fresh(task)
        assert task.status == Task.Status.OPEN
        assert task.status_changed_by == manager
        assert [r.history_user for r in task.history.order_by("-history_date", "-history_id")[:2]] == [manager, staff]
        client.force_login(staff)
        assert f"Reopened by {manager}" in client.get(reverse("plan", args=[task.migration_id])).content.decode()

    @pytest.mark.parametrize("role", ["manager", "it_lead", "superuser"])
    def test_other_practice_people_can_tick_too(self, client, request, role, task):
        client.force_login(request.getfixturevalue(role))
        assert status(client, task, "done").status_code == 302
        assert fresh(task).is_done

    @pytest.mark.parametrize("role", ["icb_user", "partner_user"])
    def test_icb_and_partner_users_are_read_only(self, client, request, role, task):
        client.force_login(request.getfixturevalue(role))
        assert status(client, task, "done").status_code == 403
        assert status(client, task, "done", **HTMX).status_code == 403
        assert fresh(task).is_open

    def test_another_practice_gets_a_404_and_changes_nothing(self, client, outsider, task):
        client.force_login(outsider)
        assert status(client, task, "done").status_code == 404
        assert fresh(task).is_open

    def test_anonymous_people_are_sent_to_sign_in(self, client, task):
        response = status(client, task, "done")
        assert response.status_code == 302 and response.url.startswith(reverse("login"))
        assert fresh(task).is_open

    @pytest.mark.parametrize("name", ["task-status", "task-note-add", "task-assign"])
    def test_the_write_endpoints_refuse_get(self, client, manager, task, name):
        client.force_login(manager)
        assert client.get(url(name, task)).status_code == 405

    def test_an_unknown_status_is_refused_and_saves_nothing(self, client, staff, task):
        client.force_login(staff)
        response = status(client, task, "finished")
        assert response.status_code == 400
        assert "Select a valid choice" in response.content.decode()
        assert fresh(task).is_open

    def test_a_form_without_its_version_is_refused_with_a_message(self, client, staff, task):
        client.force_login(staff)
        response = client.post(url("task-status", task), {"status": "done"}, **HTMX)
        assert "reload the page" in response.content.decode()
        assert fresh(task).is_open

    def test_going_back_keeps_the_filters_but_never_leaves_the_site(self, client, staff, task):
        client.force_login(staff)
        plan = reverse("plan", args=[task.migration_id])
        response = status(client, task, "done", data={"next": f"{plan}?mine=1"})
        assert response.url == f"{plan}?mine=1#task-{task.pk}"
        response = status(client, fresh(task), "open", data={"next": "https://evil.example/"})
        assert response.url == f"{plan}#task-{task.pk}"


class TestStaleForms:
    def test_a_stale_tick_is_refused_with_a_clear_message(self, client, staff, manager, task):
        client.force_login(manager)
        status(client, task, "done")  # the manager was quicker
        client.force_login(staff)
        response = status(client, task, "done", version=1, follow=True)
        message = [str(m) for m in response.context["messages"]][-1]
        assert "changed after you opened the page" in message
        assert f"marked done by {manager}" in message
        assert "Nothing was saved" in message
        task = fresh(task)
        assert (task.status_changed_by, task.version) == (manager, 2)
        assert task.history.filter(status="done").count() == 1

    def test_a_stale_untick_does_not_undo_someone_elses_later_work(self, client, staff, manager, task):
        client.force_login(staff)
        status(client, task, "done")
        status(client, fresh(task), "open")
        client.force_login(manager)
        status(client, fresh(task), "done")  # version 3 -> 4
        client.force_login(staff)
        response = status(client, task, "open", version=2, **HTMX)  # the page staff loaded before
        html = response.content.decode()
        assert 'role="alert"' in html and "changed after you opened the page" in html
        assert fresh(task).is_done

    def test_a_stale_not_applicable_is_refused(self, client, staff, manager, task):
        client.force_login(manager)
        status(client, task, "done")
        client.force_login(staff)
        status(client, task, "not_applicable", version=1, reason="We have none")
        assert fresh(task).is_done


class TestNotApplicable:
    def test_staff_marks_a_task_not_applicable_with_a_reason(self, client, staff, task, frozen_today):
        client.force_login(staff)
        response = status(client, task, "not_applicable", reason="Every card was renewed in October.")
        assert response.status_code == 302
        task = fresh(task)
        assert task.status == Task.Status.NOT_APPLICABLE
        assert task.not_applicable_reason == "Every card was renewed in October."
        assert (task.status_changed_by, task.status_changed_at) == (staff, NOW)

    def test_without_a_reason_the_error_is_shown_beside_the_field_and_nothing_saved(self, client, staff, task):
        client.force_login(staff)
        response = status(client, task, "not_applicable", reason="   ")
        assert response.status_code == 400
        page = response.content.decode()
        # The form lives on the task's own page, which comes back open with the error beside the box.
        assert f'id="na-reason-{task.pk}-error" class="nhsuk-error-message">' in page
        assert "Say why this task does not apply" in page
        assert f'aria-describedby="na-reason-{task.pk}-error"' in page
        assert '<details class="nhsuk-details" open>' in page
        assert fresh(task).is_open

    def test_without_a_reason_htmx_gets_the_row_back_with_the_error(self, client, staff, task):
        client.force_login(staff)
        response = status(client, task, "not_applicable", **HTMX)
        html = response.content.decode()
        assert response.status_code == 200
        assert html.lstrip().startswith(f'<li id="task-{task.pk}"')
        assert "Say why this task does not apply to your practice." in html
        assert fresh(task).is_open

    def test_the_database_refuses_not_applicable_without_a_reason(self, task):
        from django.db import IntegrityError, transaction

        with pytest.raises(IntegrityError), transaction.atomic():
            Task.objects.filter(pk=task.pk).update(status="not_applicable", status_changed_at=NOW)

    def test_reopening_clears_the_reason(self, client, staff, task):
        client.force_login(staff)
        status(client, task, "not_applicable", reason="No cards here")
        status(client, fresh(task), "open")
        assert fresh(task).not_applicable_reason == ""


class TestNotes:
    def test_staff_add_a_note_with_who_and_when(self, client, staff, task, frozen_today):
        client.force_login(staff)
        response = client.post(url("task-note-add", task), {"text": "Reader in room 4 replaced."})
        assert response.status_code == 302
        note = TaskNote.objects.get()
        assert (note.task, note.author, note.created_at, note.text) == (task, staff, NOW, "Reader in room 4 replaced.")

    def test_the_task_page_shows_the_new_note_and_who_wrote_it(self, client, staff, task):
        client.force_login(staff)
        back = reverse("task-detail", args=[task.migration_id, task.pk])
        response = client.post(url("task-note-add", task), {"text": "Two cards renewed.", "next": back})
        assert response.url == back
        html = client.get(back).content.decode()
        assert "Two cards renewed." in html and str(staff) in html

    def test_an_empty_note_is_refused_beside_the_field(self, client, staff, task):
        client.force_login(staff)
        response = client.post(url("task-note-add", task), {"text": "  "})
        assert response.status_code == 400
        page = response.content.decode()
        assert f'id="note-{task.pk}-error" class="nhsuk-error-message">' in page
        assert "Write the note before adding it." in page
        assert not TaskNote.objects.exists()

    def test_icb_users_cannot_add_notes_and_outsiders_get_a_404(self, client, icb_user, outsider, task):
        client.force_login(icb_user)
        assert client.post(url("task-note-add", task), {"text": "Hello"}).status_code == 403
        client.force_login(outsider)
        assert client.post(url("task-note-add", task), {"text": "Hello"}).status_code == 404
        assert not TaskNote.objects.exists()


class TestAssign:
    @pytest.mark.parametrize("role", ["manager", "it_lead"])
    def test_the_manager_and_it_lead_assign_a_task_to_a_practice_member(self, client, request, staff, task, role):
        assigner = request.getfixturevalue(role)
        client.force_login(assigner)
        response = client.post(url("task-assign", task), {"assignee": f"user:{staff.pk}", "version": task.version})
        assert response.status_code == 302
        task = fresh(task)
        assert task.assignee == staff
        assert task.history.first().history_user == assigner

    def test_with_htmx_the_row_names_the_assignee(self, client, manager, staff, task):
        client.force_login(manager)
        html = client.post(
            url("task-assign", task), {"assignee": f"user:{staff.pk}", "version": 1}, **HTMX
        ).content.decode()
        assert f'<div class="plan-row__who">{staff}</div>' in html

    def test_unassigning_leaves_it_with_nobody(self, client, manager, staff, task):
        client.force_login(manager)
        client.post(url("task-assign", task), {"assignee": f"user:{staff.pk}", "version": 1})
        client.post(url("task-assign", task), {"assignee": "", "version": 2})
        assert fresh(task).assignee is None

    def test_staff_cannot_assign(self, client, staff, task):
        client.force_login(staff)
        assert client.post(url("task-assign", task), {"assignee": f"user:{staff.pk}", "version": 1}).status_code == 403
        assert fresh(task).assignee is None

    def test_someone_outside_the_practice_cannot_be_assigned(self, client, manager, outsider, task):
        client.force_login(manager)
        response = client.post(url("task-assign", task), {"assignee": f"user:{outsider.pk}", "version": 1})
        assert response.status_code == 400
        assert "Choose someone who works at this practice or an outside contact" in response.content.decode()
        assert fresh(task).assignee is None

    def test_a_stale_assignment_is_refused(self, client, manager, it_lead, staff, task):
        client.force_login(it_lead)
        client.post(url("task-assign", task), {"assignee": f"user:{it_lead.pk}", "version": 1})
        client.force_login(manager)
        response = client.post(url("task-assign", task), {"assignee": f"user:{staff.pk}", "version": 1}, follow=True)
        assert "changed after you opened the page" in [str(m) for m in response.context["messages"]][-1]
        assert fresh(task).assignee == it_lead
