"""The plan page: who sees it, how it is grouped, what is highlighted, and its filters."""

import datetime as dt

import pytest
import time_machine
from django.core.cache import caches
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from practices.models import PracticeMembership
from tasks.models import PlanTemplateItem, Task
from tasks.services import task_assign, task_set_status

from ..factories import MigrationFactory, PracticeMembershipFactory, UserFactory
from .conftest import task_by_key
from .factories import TaskFactory, TaskNoteFactory

pytestmark = pytest.mark.django_db


def plan_url(migration, query=""):
    return reverse("plan", args=[migration.pk]) + query


@pytest.mark.parametrize(
    ("role", "status", "can_tick", "can_assign", "can_manage"),
    [
        ("manager", 200, True, True, True),
        ("staff", 200, True, False, False),
        ("it_lead", 200, True, True, False),
        ("icb", 200, False, False, False),
        ("partner", 200, False, False, False),
        ("superuser", 200, True, True, True),
        ("outsider", 404, None, None, None),
        ("other_icb", 404, None, None, None),
    ],
)
def test_who_sees_the_plan_and_which_controls(
    client, users, plan_migration, role, status, can_tick, can_assign, can_manage
):
    client.force_login(users[role])
    response = client.get(plan_url(plan_migration))
    assert response.status_code == status
    if status != 200:
        return
    page = response.content.decode()
    assert ("Mark done" in page) is can_tick
    assert ("Add a task" in page) is can_manage
    # Notes, "not applicable", assignment and the due date live on the task's own page.
    task = plan_migration.tasks.filter(template_item__key="smartcards").get()
    detail = client.get(reverse("task-detail", args=[plan_migration.pk, task.pk])).content.decode()
    assert ("Add a note" in detail) is can_tick
    assert ("Mark not applicable" in detail) is can_tick
    assert ('name="assignee"' in detail) is can_assign
    assert ("Change due date" in detail) is can_manage


def test_anonymous_people_are_sent_to_sign_in(client, plan_migration):
    response = client.get(plan_url(plan_migration))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_posting_to_the_plan_is_refused(client, manager, plan_migration):
    client.force_login(manager)
    assert client.post(plan_url(plan_migration)).status_code == 405


def test_tasks_are_grouped_by_phase_in_due_date_order(client, staff, plan_migration, frozen_today):
    client.force_login(staff)
    plan = client.get(plan_url(plan_migration)).context["plan"]
    assert [group.label for group in plan.phases] == ["Preparation", "During cutover", "Go-live and after"]
    assert [len(group.tasks) for group in plan.phases] == [24, 13, 9]
    preparation = plan.phases[0].tasks
    # The lifecycle before the cutover comes first: the order, worked back 60 working days from FDP.
    assert preparation[0].title == "Order the new clinical system"
    assert [t.due_date for t in preparation] == sorted(t.due_date for t in preparation)


def test_each_phase_shows_done_out_of_the_tasks_that_apply(client, staff, plan_migration, frozen_today):
    for key in ["smartcards", "export-templates"]:
        task_set_status(task=task_by_key(plan_migration, key), status="done", by=staff, version=1)
    na = task_by_key(plan_migration, "plan-third-party-suppliers")
    task_set_status(task=na, status="not_applicable", reason="None used", by=staff, version=1)
    client.force_login(staff)
    response = client.get(plan_url(plan_migration))
    preparation = response.context["plan"].phases[0].progress
    assert (preparation.done, preparation.applicable, preparation.percent) == (2, 23, 9)
    assert (response.context["plan"].overall.done, response.context["plan"].overall.applicable) == (2, 45)
    page = response.content.decode()
    assert "2 of 23 done" in page
    assert 'value="2" max="23"' in page


def test_overdue_tasks_are_highlighted_and_due_soon_ones_marked(client, staff, plan_migration):
    # 5 Feb 2027: the backup (due 3 Feb) is overdue; export templates (due 5 Feb) is due today.
    with time_machine.travel(dt.datetime(2027, 2, 5, 9, 0, tzinfo=dt.UTC), tick=False):
        client.force_login(staff)
        response = client.get(plan_url(plan_migration))
    page = response.content.decode()
    backup = task_by_key(plan_migration, "backup-third-party-systems")
    export = task_by_key(plan_migration, "export-templates")
    assert f'id="task-{backup.pk}" class="nhsuk-task-list__item plan-row plan-row--overdue"' in page
    backup_row = page[page.index(f'id="task-{backup.pk}"') :]
    assert '<strong class="nhsuk-tag nhsuk-tag--red">Overdue</strong>' in backup_row[: backup_row.index("</li>")]
    tasks = {t.pk: t for group in response.context["plan"].phases for t in group.tasks}
    assert tasks[backup.pk].overdue and not tasks[backup.pk].due_soon
    assert tasks[export.pk].due_soon and not tasks[export.pk].overdue
    assert not tasks[task_by_key(plan_migration, "finish-with-legacy-system").pk].due_soon


def test_a_done_task_is_never_overdue(client, staff, plan_migration):
    backup = task_by_key(plan_migration, "backup-third-party-systems")
    task_set_status(task=backup, status="done", by=staff, version=1)
    with time_machine.travel(dt.datetime(2027, 2, 5, 9, 0, tzinfo=dt.UTC), tick=False):
        client.force_login(staff)
        response = client.get(plan_url(plan_migration, "?overdue=1"))
    shown = [t.pk for group in response.context["plan"].phases for t in group.tasks]
    assert backup.pk not in shown


def test_the_my_tasks_filter_shows_only_tasks_assigned_to_me(client, manager, staff, plan_migration, frozen_today):
    mine = [task_by_key(plan_migration, key) for key in ["smartcards", "cutover-pathology"]]
    for task in mine:
        task_assign(task=task, assignee=staff, by=manager, version=task.version)
    task_assign(task=task_by_key(plan_migration, "export-templates"), assignee=manager, by=manager, version=1)
    client.force_login(staff)
    response = client.get(plan_url(plan_migration, "?mine=1"))
    shown = {t.pk for group in response.context["plan"].phases for t in group.tasks}
    assert shown == {task.pk for task in mine}
    page = response.content.decode()
    assert "Showing 2 of 46 tasks." in page
    assert 'id="filter-mine" checked' in page
    # The progress still counts the whole plan.
    assert response.context["plan"].overall.applicable == 46


def test_the_overdue_filter_shows_only_open_tasks_past_their_date(client, staff, plan_migration):
    with time_machine.travel(dt.datetime(2027, 2, 5, 9, 0, tzinfo=dt.UTC), tick=False):
        client.force_login(staff)
        response = client.get(plan_url(plan_migration, "?overdue=1"))
    shown = [t for group in response.context["plan"].phases for t in group.tasks]
    assert shown
    assert all(t.is_open and t.due_date < dt.date(2027, 2, 5) for t in shown)
    expected = plan_migration.tasks.filter(status="open", due_date__lt=dt.date(2027, 2, 5)).count()
    assert len(shown) == expected


def test_rows_carry_the_task_version_for_stale_form_detection(client, staff, plan_migration):
    task = task_by_key(plan_migration, "smartcards")
    task_set_status(task=task, status="done", by=staff, version=1)
    task_set_status(task=task, status="open", by=staff, version=2)
    client.force_login(staff)
    page = client.get(plan_url(plan_migration)).content.decode()
    row = page[page.index(f'id="task-{task.pk}"') :]
    assert '<input type="hidden" name="version" value="3">' in row[: row.index("</li>")]


def test_the_due_rule_is_shown_in_words_on_the_task_page(client, staff, plan_migration, frozen_today):
    client.force_login(staff)
    assert "3 Feb 2027" in client.get(plan_url(plan_migration)).content.decode()

    def detail(key):
        task = task_by_key(plan_migration, key)
        return client.get(reverse("task-detail", args=[plan_migration.pk, task.pk])).content.decode()

    assert "5 working days before FDP" in detail("backup-third-party-systems")
    assert "By the planning meeting deadline, the last working day 28 days or more before FDP" in detail(
        "planning-meeting"
    )
    assert "5 working days before legacy support ends" in detail("finish-with-legacy-system")


def _fill(migration, tasks: int, notes_per_task: int, people):
    existing = migration.tasks.count()
    for n in range(tasks - existing):
        task = TaskFactory(migration=migration, assignee=people[n % len(people)], offset_days=n % 20)
        for _ in range(notes_per_task):
            TaskNoteFactory(task=task, author=people[n % len(people)])
    for task in migration.tasks.all()[: min(existing, tasks)]:
        for _ in range(notes_per_task):
            TaskNoteFactory(task=task, author=people[0])


def _queries_for(client, url) -> int:
    caches["plans"].clear()  # the plan as built, not as kept from the view before
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_plan_queries_do_not_grow_with_tasks_or_notes(
    client, manager, staff, it_lead, plan_migration, other_practice, suppliers, django_assert_max_num_queries
):
    # The manager sees every control, including the assign list, so this is the costliest view.
    _fill(plan_migration, 60, 3, [manager, staff, it_lead])
    assert plan_migration.tasks.count() == 60
    small = MigrationFactory(practice=other_practice, current_supplier=suppliers[0], new_supplier=suppliers[1])
    other_manager = PracticeMembershipFactory(
        practice=other_practice, role=PracticeMembership.Role.PRACTICE_MANAGER, user=UserFactory()
    ).user
    _fill(small, 3, 1, [other_manager])
    # Like every plan made from the template, the small one has tasks whose state comes from the
    # third-party systems and the re-entry log, so both pages read the same things.
    for key in ["notify-third-parties", "re-enter-cutover-records"]:
        TaskFactory(migration=small, template_item=PlanTemplateItem.objects.get(key=key))

    client.force_login(manager)
    # Sign-in, then the migration with the manager's role in one query, the fingerprint of the plan
    # (tasks/plan_cache.py), the tasks in one query, plus one each for the migration's third-party
    # systems and its re-entry backlog (what gated tasks show). Notes and the "Assign to" list are on
    # each task's own page, so they cost the plan nothing.
    with django_assert_max_num_queries(8):
        response = client.get(plan_url(plan_migration))
    assert response.context["plan"].total == 60
    big = _queries_for(client, plan_url(plan_migration))
    client.force_login(other_manager)
    assert _queries_for(client, plan_url(small)) == big


def _kib(client, url) -> float:
    response = client.get(url)
    assert response.status_code == 200
    return len(response.content) / 1024


def test_the_demo_sized_plan_is_at_most_60_kib(client, manager, plan_migration):
    # The manager sees every control. The whole template (46 tasks) is the demo plan.
    client.force_login(manager)
    assert plan_migration.tasks.count() == 46
    assert _kib(client, plan_url(plan_migration)) <= 60


def test_a_40_task_plan_with_3_notes_each_is_at_most_60_kib(client, manager, staff, it_lead, other_practice, suppliers):
    # Issue 18's checklist: 40 tasks, 3 notes on each, every task assigned. Notes are on the task
    # page, so they add nothing to the plan.
    migration = MigrationFactory(practice=other_practice, current_supplier=suppliers[0], new_supplier=suppliers[1])
    owner = PracticeMembershipFactory(
        practice=other_practice, role=PracticeMembership.Role.PRACTICE_MANAGER, user=UserFactory()
    ).user
    _fill(migration, 40, 3, [owner])
    client.force_login(owner)
    assert _kib(client, plan_url(migration)) <= 60


def test_the_phase_filter_shows_that_phase_alone(client, staff, plan_migration):
    client.force_login(staff)
    response = client.get(plan_url(plan_migration, "?phase=during_cutover"))
    plan = response.context["plan"]
    assert [group.label for group in plan.phases] == ["During cutover"]
    assert "Showing 13 of 46 tasks." in response.content.decode()
    # Something the page never offers is ignored rather than showing nothing.
    assert len(client.get(plan_url(plan_migration, "?phase=nonsense")).context["plan"].phases) == 3


def test_the_page_has_a_polite_live_region_for_inline_actions(client, staff, plan_migration):
    client.force_login(staff)
    page = client.get(plan_url(plan_migration)).content.decode()
    assert '<div id="plan-live" class="nhsuk-u-visually-hidden" aria-live="polite"></div>' in page


def test_a_task_of_another_migration_is_not_found_through_this_one(client, manager, plan_migration, other_practice):
    elsewhere = TaskFactory(migration=MigrationFactory(practice=other_practice))
    client.force_login(manager)
    url = reverse("task-detail", args=[plan_migration.pk, elsewhere.pk])
    assert client.get(url).status_code == 404


class TestTaskDetail:
    def test_members_and_viewers_see_guidance_notes_and_history(self, client, icb_user, staff, plan_migration):
        task = task_by_key(plan_migration, "smartcards")
        task_set_status(task=task, status="done", by=staff, version=1)
        client.force_login(icb_user)
        response = client.get(reverse("task-detail", args=[plan_migration.pk, task.pk]))
        page = response.content.decode()
        assert response.status_code == 200
        assert "What done looks like" in page
        assert "Status: Open → Done" in page

    def test_outsiders_get_a_404_and_anonymous_people_sign_in(self, client, outsider, plan_migration):
        task = task_by_key(plan_migration, "smartcards")
        url = reverse("task-detail", args=[plan_migration.pk, task.pk])
        assert client.get(url).status_code == 302
        client.force_login(outsider)
        assert client.get(url).status_code == 404

    def test_posting_is_refused(self, client, staff, plan_migration):
        client.force_login(staff)
        task = task_by_key(plan_migration, "smartcards")
        assert client.post(reverse("task-detail", args=[plan_migration.pk, task.pk])).status_code == 405


def test_status_changes_on_a_task_are_all_in_its_history(staff, manager, plan_migration):
    task = task_by_key(plan_migration, "smartcards")
    task_set_status(task=task, status="done", by=staff, version=1)
    task_set_status(task=task, status="open", by=manager, version=2)
    records = list(task.history.order_by("history_date", "history_id").values_list("status", "history_user"))
    assert records == [("open", manager.pk), ("done", staff.pk), ("open", manager.pk)]
    assert Task.objects.get(pk=task.pk).version == 3


def test_what_people_typed_shows_on_the_plan_as_text_never_as_markup(client, manager, plan_migration):
    """The rows are Jinja2 (cutover/jinja2.py): escaping is on there as in every Django template."""
    sneaky = UserFactory(email="sneaky@riverside.example", first_name="<b>Sam</b>", last_name="Smith")
    PracticeMembershipFactory(user=sneaky, practice=plan_migration.practice, role="practice_staff")
    task = TaskFactory(migration=plan_migration, title='Check <script>alert("x")</script> & "tidy"', assignee=sneaky)
    client.force_login(manager)

    page = client.get(plan_url(plan_migration)).content.decode()

    row = page[page.index(f'id="task-{task.pk}"') :]
    row = row[: row.index("</li>")]
    assert "Check &lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; &#34;tidy&#34;" in row
    assert "&lt;b&gt;Sam&lt;/b&gt; Smith" in row
    assert "<script>" not in row and "<b>" not in row
