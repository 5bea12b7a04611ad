"""The dashboard's database annotations: stages and RAG rules, one by one, on a frozen clock."""

import datetime

import pytest

from cutover.models import Migration
from dashboard import metrics
from dashboard.metrics import RED, annotate_dashboard, rag_status

from .factories import TODAY, days, migration_at

pytestmark = pytest.mark.django_db


def annotated(migration, today=TODAY):
    return annotate_dashboard(Migration.objects.filter(pk=migration.pk), today).get()


@pytest.mark.parametrize("fdp_in", [-10, -7, -6, -1, 0, 1, 27, 28, 29, 60])
@pytest.mark.parametrize("meeting_days_ago", [None, 3])
@pytest.mark.parametrize("status", list(Migration.Status))
def test_the_database_stage_matches_migration_stage_on_every_boundary(icb, suppliers, fdp_in, meeting_days_ago, status):
    migration = migration_at(
        icb=icb, suppliers=suppliers, fdp_in=fdp_in, cutover=7, meeting_days_ago=meeting_days_ago, status=status
    )
    row = annotated(migration)
    assert metrics.STAGE_BY_RANK[row.stage_rank].name == migration.stage(TODAY)


def test_legacy_support_end_is_worked_out_by_the_database(icb, suppliers):
    migration = migration_at(icb=icb, suppliers=suppliers, fdp_in=10)
    migration.legacy_support_days = 123
    migration.save()
    assert annotated(migration).legacy_support_end_date == migration.legacy_support_end


# --- Red: no planning meeting recorded inside 4 weeks of FDP ---------------------------------


@pytest.mark.parametrize(
    ("fdp_in", "expected"),
    [
        (60, "green"),  # weeks before the meeting is due
        (29, "green"),  # the meeting is due tomorrow
        (28, "red"),  # due today and not recorded
        (10, "red"),
        (0, "red"),  # FDP day
        (-6, "red"),  # in cutover, still never recorded
        (-7, "green"),  # go-live day: the rule no longer applies
        (-30, "green"),
    ],
)
def test_a_missing_planning_meeting_turns_red_from_four_weeks_before_fdp_until_go_live(
    icb, suppliers, fdp_in, expected
):
    migration = migration_at(icb=icb, suppliers=suppliers, fdp_in=fdp_in, cutover=7)
    row = annotated(migration)
    colour, reasons = rag_status(row, TODAY)
    assert colour == expected
    assert metrics.RAG_BY_RANK[row.rag_rank] == expected
    assert bool(reasons) == (expected == RED)


def test_a_recorded_planning_meeting_keeps_the_migration_green(icb, suppliers):
    migration = migration_at(icb=icb, suppliers=suppliers, fdp_in=10, meeting_days_ago=40)
    assert rag_status(annotated(migration), TODAY) == ("green", [])


@pytest.mark.parametrize("status", [Migration.Status.COMPLETED, Migration.Status.CANCELLED])
def test_closed_migrations_are_never_red(icb, suppliers, status):
    migration = migration_at(icb=icb, suppliers=suppliers, fdp_in=10, status=status)
    assert rag_status(annotated(migration), TODAY) == ("green", [])


def test_a_red_row_says_why_with_the_fdp_date(icb, suppliers):
    migration = migration_at(icb=icb, suppliers=suppliers, fdp_in=12)
    _, reasons = rag_status(annotated(migration), TODAY)
    assert reasons == ["No planning meeting recorded; FDP is in 12 days (8 Dec 2026)."]


def test_a_red_row_in_cutover_says_fdp_has_passed(icb, suppliers):
    migration = migration_at(icb=icb, suppliers=suppliers, fdp_in=-2, cutover=7)
    _, reasons = rag_status(annotated(migration), TODAY)
    assert reasons == ["No planning meeting recorded; FDP was 2 days ago (24 Nov 2026)."]


def test_the_rule_follows_the_planning_meeting_setting(icb, suppliers, settings):
    settings.PLANNING_MEETING_DAYS_BEFORE_FDP = 42
    migration = migration_at(icb=icb, suppliers=suppliers, fdp_in=40)
    assert rag_status(annotated(migration), TODAY)[0] == RED
    assert "42 days" in metrics.rag_explanation()[RED][0]


def test_the_rule_moves_with_the_clock(icb, suppliers):
    migration = migration_at(icb=icb, suppliers=suppliers, fdp_in=30)
    assert rag_status(annotated(migration, TODAY), TODAY)[0] == "green"
    two_days_on = TODAY + datetime.timedelta(days=2)
    assert rag_status(annotated(migration, two_days_on), two_days_on)[0] == RED


def test_the_explanation_on_the_page_comes_from_the_rules():
    explained = metrics.rag_explanation()
    assert explained[RED] == [rule.explain() for rule in metrics.RAG_RULES if rule.colour == RED]
    assert "planning meeting" in explained[RED][0]


def test_database_and_python_agree_on_the_colour_of_every_row(icb, suppliers):
    for fdp_in in range(-20, 40, 3):
        migration_at(icb=icb, suppliers=suppliers, fdp_in=fdp_in, meeting_days_ago=5 if fdp_in % 2 else None)
    for row in annotate_dashboard(Migration.objects.all(), TODAY):
        assert rag_status(row, TODAY)[0] == metrics.RAG_BY_RANK[row.rag_rank]


def test_sort_keys_outside_the_columns_fall_back_to_fdp():
    assert metrics.normalise_sort("-rag") == "-rag"
    assert metrics.normalise_sort("password") == "fdp"
    assert metrics.normalise_sort(None) == "fdp"


def test_days_text_reads_naturally():
    assert [metrics.days_text(n) for n in (-2, -1, 0, 1, 5)] == [
        "2 days ago",
        "1 day ago",
        "today",
        "in 1 day",
        "in 5 days",
    ]
    assert days(0) == TODAY
