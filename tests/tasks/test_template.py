"""The default plan: every task of the NHS guidance, as data, in our own words."""

import datetime as dt
import importlib
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.urls import reverse

from coordinator import services
from tasks.models import Anchor, Phase, PlanTemplateItem, Task, due_rule_text
from tasks.services import plan_create_for_migration

from ..factories import MigrationFactory
from .conftest import task_by_key

pytestmark = pytest.mark.django_db

PREPARATION = [
    "Hold the cutover planning meeting",
    "Tell third parties and linked services about the switch",
    "Back up the data your supplier does not back up",
    "Agree a plan with each third-party supplier",
    "Export letter and clinical templates",
    "Decide how new patients register during cutover",
    "Clear inboxes, workflows and open tasks",
    "Confirm the log-off time for the final extract",
    "Run down dispensary stock",
    "Check smartcards and card readers",
]
DURING_CUTOVER = [
    "Keep track of appointments",
    "Record consultations for re-entry",
    "Record home visits",
    "Log telephone calls",
    "Handle prescriptions during cutover",
    "Manage registrations during cutover",
    "Handle pathology results",
    "Process referrals",
    "Hold documents back for scanning",
    "Redirect screening services",
    "Manage 111 messages and clinical correspondence",
    "Keep out-of-hours reports",
    "Pause summarising and routine data entry",
]
AFTER_GO_LIVE = [
    "Switch third-party links back on and test each one",
    "Import the exported templates",
    "Re-register patients who joined during cutover",
    "Re-enter everything recorded during cutover",
    "Re-enter dispensary stock",
    "Finish with the old system before its support ends",
]
DISPENSING_ONLY = {"Run down dispensary stock", "Re-enter dispensary stock"}
# This file holds the cutover chapter of the plan (migration 0002); the lifecycle around it (0007)
# is tested in tests/lifecycle/test_lifecycle_plan.py.
CUTOVER_KEYS = {row[0] for row in importlib.import_module("tasks.migrations.0002_load_plan_template").ITEMS}
LIFECYCLE_ITEMS = len(importlib.import_module("tasks.migrations.0007_lifecycle_plan_items").ITEMS)
SEED = Path(settings.BASE_DIR).parent / "shared" / "seed" / "planning-for-cutover.txt"


def titles(phase):
    items = PlanTemplateItem.objects.filter(phase=phase, key__in=CUTOVER_KEYS)
    return list(items.order_by("position").values_list("title", flat=True))


def test_a_fresh_database_holds_every_task_of_the_guidance_in_its_phase():
    assert titles(Phase.PREPARATION) == PREPARATION
    assert titles(Phase.DURING_CUTOVER) == DURING_CUTOVER
    assert titles(Phase.AFTER_GO_LIVE) == AFTER_GO_LIVE


def test_every_template_item_says_what_to_do_why_and_what_done_looks_like():
    for item in PlanTemplateItem.objects.all():
        assert item.guidance and item.why_it_matters and item.done_when, item.key
        assert item.default_owner_role, item.key


def test_only_the_dispensary_tasks_are_for_dispensing_practices_only():
    assert set(PlanTemplateItem.objects.filter(dispensing_only=True).values_list("title", flat=True)) == DISPENSING_ONLY


def test_preparation_is_finished_by_fdp_and_the_meeting_by_its_four_week_deadline():
    for item in PlanTemplateItem.objects.filter(phase=Phase.PREPARATION, key__in=CUTOVER_KEYS):
        if item.key == "planning-meeting":
            assert (item.anchor, item.offset_days) == (Anchor.PLANNING_MEETING_DUE, 0)
        else:
            assert (item.anchor, item.direction) == (Anchor.FDP, "before"), item.key


def test_finishing_with_the_legacy_system_counts_back_from_the_end_of_support():
    item = PlanTemplateItem.objects.get(title="Finish with the old system before its support ends")
    assert item.anchor == Anchor.LEGACY_SUPPORT_END
    assert item.due_rule == "5 working days before legacy support ends"


@pytest.mark.skipif(not SEED.exists(), reason="the NHS seed text is not on this machine")
def test_no_guidance_sentence_is_copied_from_the_nhs_page():
    source = " ".join(SEED.read_text().split()).lower()
    for item in PlanTemplateItem.objects.all():
        for text in (item.guidance, item.why_it_matters, item.done_when):
            for sentence in text.split(". "):
                words = sentence.strip(" .").lower().split()
                # Any run of eight words found in the NHS text counts as copying.
                for start in range(max(0, len(words) - 7)):
                    run = " ".join(words[start : start + 8])
                    assert run not in source, f"{item.key}: “{run}” is the NHS page's wording"


def test_loading_the_template_again_adds_nothing_and_keeps_admin_edits():
    PlanTemplateItem.objects.filter(key="smartcards").update(title="Edited by an admin")
    importlib.import_module("tasks.migrations.0002_load_plan_template").load(apps, None)
    assert PlanTemplateItem.objects.count() == 29 + LIFECYCLE_ITEMS
    assert PlanTemplateItem.objects.get(key="smartcards").title == "Edited by an admin"


def test_a_non_dispensing_practice_gets_no_dispensary_tasks(practice, suppliers, manager):
    migration = services.migration_create(
        practice=practice,
        current_system="EMIS Web",
        current_supplier=suppliers[0],
        new_system="TPP SystmOne",
        new_supplier=suppliers[1],
        fdp_date=dt.date(2027, 2, 10),
        go_live_date=dt.date(2027, 2, 17),
        by=manager,
    )
    got = set(migration.tasks.filter(template_item__key__in=CUTOVER_KEYS).values_list("title", flat=True))
    assert got == set(PREPARATION + DURING_CUTOVER + AFTER_GO_LIVE) - DISPENSING_ONLY
    assert not migration.tasks.filter(dispensing_only=True).exists()


def test_a_dispensing_practice_gets_both_dispensary_tasks(dispensing_practice, suppliers, manager):
    migration = services.migration_create(
        practice=dispensing_practice,
        current_system="EMIS Web",
        current_supplier=suppliers[0],
        new_system="TPP SystmOne",
        new_supplier=suppliers[1],
        fdp_date=dt.date(2027, 2, 10),
        go_live_date=dt.date(2027, 2, 17),
        by=manager,
    )
    assert migration.tasks.count() == 29 + LIFECYCLE_ITEMS
    assert set(migration.tasks.filter(dispensing_only=True).values_list("title", flat=True)) == DISPENSING_ONLY


def test_template_changes_reach_new_migrations_but_never_existing_plans(plan_migration, practice, suppliers, manager):
    item = PlanTemplateItem.objects.get(key="smartcards")
    item.title = "Check smartcards, readers and spare cards"
    item.offset_days = 12
    item.save()
    retired = PlanTemplateItem.objects.get(key="cutover-home-visits")
    retired.active = False
    retired.save()

    existing = task_by_key(plan_migration, "smartcards")
    assert existing.title == "Check smartcards and card readers"
    assert existing.offset_days == 10
    assert plan_migration.tasks.filter(template_item=retired).exists()

    plan_migration.status = "completed"
    plan_migration.save()
    newer = MigrationFactory(practice=practice, current_supplier=suppliers[0], new_supplier=suppliers[1])
    plan_create_for_migration(migration=newer, by=manager)
    assert task_by_key(newer, "smartcards").title == "Check smartcards, readers and spare cards"
    assert task_by_key(newer, "smartcards").offset_days == 12
    assert not newer.tasks.filter(template_item=retired).exists()


@pytest.mark.parametrize(
    ("anchor", "offset", "direction", "text"),
    [
        (Anchor.FDP, 5, "before", "5 working days before FDP"),
        (Anchor.FDP, 1, "before", "1 working day before FDP"),
        (Anchor.FDP, 0, "before", "On FDP day"),
        (Anchor.GO_LIVE, 3, "after", "3 working days after go-live"),
        (Anchor.GO_LIVE, 0, "after", "On go-live day"),
        (
            Anchor.PLANNING_MEETING_DUE,
            0,
            "before",
            "By the planning meeting deadline, the last working day 28 days or more before FDP",
        ),
        (Anchor.LEGACY_SUPPORT_END, 5, "before", "5 working days before legacy support ends"),
        (Anchor.FIXED, 0, "before", "Fixed date"),
    ],
)
def test_the_due_rule_reads_as_a_sentence(anchor, offset, direction, text):
    assert due_rule_text(anchor=anchor, offset_days=offset, direction=direction) == text


class TestAdmin:
    def test_superusers_edit_the_template_in_the_admin(self, client, superuser):
        client.force_login(superuser)
        item = PlanTemplateItem.objects.get(key="smartcards")
        url = reverse("admin:tasks_plantemplateitem_change", args=[item.pk])
        page = client.get(url)
        assert page.status_code == 200
        assert "apply to migrations created from now on" in page.content.decode()
        data = {
            "key": item.key,
            "title": "Check smartcards and readers early",
            "phase": item.phase,
            "default_owner_role": item.default_owner_role,
            "active": "on",
            "position": item.position,
            "guidance": item.guidance,
            "why_it_matters": item.why_it_matters,
            "done_when": item.done_when,
            "anchor": item.anchor,
            "offset_days": 15,
            "direction": item.direction,
        }
        response = client.post(url, data)
        assert response.status_code == 302, response.content.decode()[:2000]
        item.refresh_from_db()
        assert (item.title, item.offset_days) == ("Check smartcards and readers early", 15)
        assert item.history.first().history_user == superuser

    def test_a_template_item_cannot_be_given_a_fixed_date(self, client, superuser):
        client.force_login(superuser)
        page = client.get(reverse("admin:tasks_plantemplateitem_add")).content.decode()
        assert 'value="fixed"' not in page

    def test_staff_admin_users_who_are_not_superusers_cannot_touch_the_template(self, client):
        from ..factories import UserFactory, enable_totp

        admin_clerk = enable_totp(UserFactory(email="clerk@example.org", is_staff=True))
        client.force_login(admin_clerk)
        assert client.get(reverse("admin:tasks_plantemplateitem_changelist")).status_code == 403

    def test_tasks_are_listed_for_support(self, client, superuser, plan_migration):
        client.force_login(superuser)
        response = client.get(reverse("admin:tasks_task_changelist"))
        assert response.status_code == 200
        assert Task.objects.count() == 27 + LIFECYCLE_ITEMS
