"""The dashboard's database annotations: stages and RAG rules, one by one, on a frozen clock."""

import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from cutover.models import Migration
from cutover.timeline import local_today, switch_off_window
from dashboard import columns, rag, stages, wording
from dashboard.annotations import annotate_dashboard
from dashboard.rag import AMBER, GREEN, RED, rag_status
from tasks.models import Phase, Task

from .factories import TODAY, add_entry, add_system, add_task, days, migration_at

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
    assert stages.STAGE_BY_RANK[row.stage_rank].name == migration.stage(TODAY)


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
    assert rag.RAG_BY_RANK[row.rag_rank] == expected
    assert bool(reasons) == (expected == RED)


def test_a_recorded_planning_meeting_keeps_the_migration_green(icb, suppliers):
    migration = migration_at(icb=icb, suppliers=suppliers, fdp_in=10, meeting_days_ago=40)
    add_system(migration, not_applicable=True)  # a linked system is recorded: only the meeting is in question
    assert rag_status(annotated(migration), TODAY) == ("green", [])


@pytest.mark.parametrize("status", [Migration.Status.COMPLETED, Migration.Status.CANCELLED])
def test_closed_migrations_are_never_red(icb, suppliers, status):
    migration = migration_at(icb=icb, suppliers=suppliers, fdp_in=10, status=status)
    assert rag_status(annotated(migration), TODAY) == ("green", [])


def test_a_red_row_says_why_with_the_fdp_date(icb, suppliers):
    migration = migration_at(icb=icb, suppliers=suppliers, fdp_in=12)
    _, reasons = rag_status(annotated(migration), TODAY)
    # Red first; the practice has no linked systems recorded either, 8 working days before FDP (amber).
    assert reasons == ["No planning meeting recorded; FDP is in 12 days (8 Dec 2026).", "No linked systems recorded."]


def test_a_red_row_in_cutover_says_fdp_has_passed(icb, suppliers):
    migration = migration_at(icb=icb, suppliers=suppliers, fdp_in=-2, cutover=7)
    _, reasons = rag_status(annotated(migration), TODAY)
    assert reasons == ["No planning meeting recorded; FDP was 2 days ago (24 Nov 2026).", "No linked systems recorded."]


def test_the_rule_follows_the_planning_meeting_setting(icb, suppliers, settings):
    settings.PLANNING_MEETING_DAYS_BEFORE_FDP = 42
    migration = migration_at(icb=icb, suppliers=suppliers, fdp_in=40)
    assert rag_status(annotated(migration), TODAY)[0] == RED
    assert "42 days" in rag.rag_explanation()[RED][0]


def test_the_rule_moves_with_the_clock(icb, suppliers):
    migration = migration_at(icb=icb, suppliers=suppliers, fdp_in=30)
    assert rag_status(annotated(migration, TODAY), TODAY)[0] == "green"
    two_days_on = TODAY + datetime.timedelta(days=2)
    assert rag_status(annotated(migration, two_days_on), two_days_on)[0] == RED


def test_the_explanation_on_the_page_comes_from_the_rules():
    explained = rag.rag_explanation()
    assert explained[RED] == [rule.explain() for rule in rag.RAG_RULES if rule.colour == RED]
    assert "planning meeting" in explained[RED][0]


def test_database_and_python_agree_on_the_colour_of_every_row(icb, suppliers):
    for fdp_in in range(-20, 40, 3):
        migration_at(icb=icb, suppliers=suppliers, fdp_in=fdp_in, meeting_days_ago=5 if fdp_in % 2 else None)
    colours = set()
    for row in annotate_dashboard(Migration.objects.all(), TODAY):
        assert rag_status(row, TODAY)[0] == rag.RAG_BY_RANK[row.rag_rank]
        colours.add(rag_status(row, TODAY)[0])
    # The rows cover both sides of the planning meeting rule, and of "no linked systems recorded".
    assert colours == {RED, AMBER, GREEN}


def test_sort_keys_outside_the_columns_fall_back_to_fdp():
    assert columns.normalise_sort("-rag") == "-rag"
    assert columns.normalise_sort("password") == "fdp"
    assert columns.normalise_sort(None) == "fdp"


def test_days_text_reads_naturally():
    assert [wording.days_text(n) for n in (-2, -1, 0, 1, 5)] == [
        "2 days ago",
        "1 day ago",
        "today",
        "in 1 day",
        "in 5 days",
    ]
    assert days(0) == TODAY


# --- The new columns, counted by the database ---------------------------------------------------


def test_task_progress_counts_done_tasks_of_each_phase_leaving_out_not_applicable_ones(icb, suppliers):
    migration = migration_at(icb=icb, suppliers=suppliers, fdp_in=40, meeting_days_ago=5)
    for status in (Task.Status.DONE, Task.Status.DONE, Task.Status.OPEN, Task.Status.NOT_APPLICABLE):
        add_task(migration, phase=Phase.PREPARATION, status=status)
    add_task(migration, phase=Phase.DURING_CUTOVER, status=Task.Status.OPEN, due_in=41)
    add_task(migration, phase=Phase.AFTER_GO_LIVE, status=Task.Status.NOT_APPLICABLE, due_in=50)
    row = annotated(migration)
    assert (row.preparation_done, row.preparation_tasks, row.preparation_left) == (2, 3, 1)
    assert (row.cutover_done, row.cutover_tasks) == (0, 1)
    assert (row.after_go_live_done, row.after_go_live_tasks) == (0, 0)
    assert columns.Row(row, TODAY).progress_text("preparation") == "2 of 3"
    assert columns.Row(row, TODAY).progress_text("after_go_live") == "No tasks"


def test_overdue_tasks_are_open_tasks_due_before_today(icb, suppliers):
    migration = migration_at(icb=icb, suppliers=suppliers, fdp_in=40, meeting_days_ago=5)
    add_task(migration, due_in=-1)  # overdue
    add_task(migration, due_in=-30)  # overdue
    add_task(migration, due_in=0)  # due today: not yet overdue
    add_task(migration, due_in=-5, status=Task.Status.DONE)
    add_task(migration, due_in=-5, status=Task.Status.NOT_APPLICABLE)
    assert annotated(migration).overdue_tasks == 2


def test_linked_systems_count_those_confirmed_off_of_those_that_apply(icb, suppliers):
    migration = migration_at(icb=icb, suppliers=suppliers, fdp_in=40, meeting_days_ago=5)
    add_system(migration, switched_off=True)
    add_system(migration)  # nothing recorded yet: still on
    add_system(migration, not_applicable=True)
    other = migration_at(icb=icb, suppliers=suppliers, fdp_in=40, meeting_days_ago=5)
    add_system(other, switched_off=True)  # another practice's system never counts here
    row = annotated(migration)
    assert (row.systems_off, row.systems_total, row.systems_on) == (1, 2, 1)


def test_the_re_entry_backlog_counts_entries_neither_re_entered_nor_voided(icb, suppliers):
    migration = migration_at(icb=icb, suppliers=suppliers, fdp_in=-14, meeting_days_ago=50)
    add_entry(migration, recorded=-12)
    add_entry(migration, recorded=-12)
    add_entry(migration, recorded=-12, re_entered=-2)
    add_entry(migration, recorded=-12, voided=-11)
    assert annotated(migration).reentry_backlog == 2


def test_a_migration_with_nothing_recorded_counts_zero_everywhere(icb, suppliers):
    row = annotated(migration_at(icb=icb, suppliers=suppliers, fdp_in=40, meeting_days_ago=5))
    names = ["preparation_tasks", "overdue_tasks", "systems_total", "systems_off", "reentry_backlog"]
    assert [getattr(row, name) for name in names] == [0, 0, 0, 0, 0]
    assert rag_status(row, TODAY) == (GREEN, [])


# --- Red: a linked system still on once the switch-off window has started -----------------------


def fired(migration, today=TODAY) -> list[str]:
    row = annotated(migration, today)
    return [rule.key for rule in rag.RAG_RULES if getattr(row, rule.flag)]


@pytest.mark.parametrize(
    ("fdp_in", "expected"),
    [
        (12, GREEN),  # weeks away
        (5, GREEN),  # Tue 1 Dec: its window starts tomorrow, Fri 27 Nov
        (4, RED),  # Mon 30 Nov: window starts today (Thu), two working days before
        (2, RED),  # Sat 28 Nov: window is today and tomorrow
        (0, RED),  # FDP day
        (-6, RED),  # in cutover, the day before go-live
        (-7, GREEN),  # go-live day: from now on it is about switching back on
    ],
)
def test_a_system_still_on_turns_red_from_the_start_of_the_switch_off_window_until_go_live(
    icb, suppliers, fdp_in, expected
):
    migration = migration_at(icb=icb, suppliers=suppliers, fdp_in=fdp_in, cutover=7, meeting_days_ago=40)
    add_system(migration, switched_off=True)
    add_system(migration)
    assert ("systems_still_on" in fired(migration)) == (expected == RED)
    assert rag_status(annotated(migration), TODAY)[0] == expected


def test_systems_confirmed_off_or_not_applicable_keep_the_window_green(icb, suppliers):
    migration = migration_at(icb=icb, suppliers=suppliers, fdp_in=1, meeting_days_ago=40)
    add_system(migration, switched_off=True)
    add_system(migration, not_applicable=True)
    assert rag_status(annotated(migration), TODAY) == (GREEN, [])


def test_a_system_still_on_says_how_many_and_when_the_window_started(icb, suppliers):
    migration = migration_at(icb=icb, suppliers=suppliers, fdp_in=2, meeting_days_ago=40)  # FDP Sat 28 Nov
    add_system(migration, switched_off=True)
    add_system(migration)
    add_system(migration)
    assert rag_status(annotated(migration), TODAY) == (
        RED,
        ["2 linked systems not confirmed switched off (1 of 3 off); the switch-off window started 26 Nov 2026."],
    )


def on(day: datetime.date):
    return time_machine.travel(datetime.datetime.combine(day, datetime.time(10), tzinfo=ZoneInfo("Europe/London")))


def test_the_window_counts_working_days_over_christmas(icb, suppliers):
    """On Christmas Eve the next working days are 29 and 30 December (25 and 28 are bank holidays),
    so an FDP as late as 30 December already has its window open; 31 December does not."""
    christmas_eve = datetime.date(2026, 12, 24)
    latest = migration_at(icb=icb, suppliers=suppliers, fdp_in=(datetime.date(2026, 12, 30) - TODAY).days)
    too_late = migration_at(icb=icb, suppliers=suppliers, fdp_in=(datetime.date(2026, 12, 31) - TODAY).days)
    for migration in (latest, too_late):
        migration.planning_meeting_date = days(-1)
        migration.save()
        add_system(migration)
    with on(christmas_eve):
        today = local_today()
        assert switch_off_window(latest.fdp_date)[0] == christmas_eve
        assert "systems_still_on" in fired(latest, today)
        assert "systems_still_on" not in fired(too_late, today)
        assert rag.switch_off_started_fdp_limit(today) == datetime.date(2026, 12, 30)


@pytest.mark.parametrize(
    "first", [datetime.date(2026, 11, 20), datetime.date(2026, 12, 18), datetime.date(2027, 3, 20)]
)
def test_the_fdp_limit_agrees_with_the_switch_off_window_day_by_day(first):
    """Across weekends, Christmas, New Year and Easter 2027, "FDP on or before the limit" is
    exactly "the window has started"."""
    for offset in range(30):
        today = first + datetime.timedelta(days=offset)
        limit = rag.switch_off_started_fdp_limit(today)
        for ahead in range(-3, 25):
            fdp = today + datetime.timedelta(days=ahead)
            assert (switch_off_window(fdp)[0] <= today) == (fdp <= limit), (today, fdp)


# --- Red: preparation still open at FDP -------------------------------------------------------------


@pytest.mark.parametrize(
    ("fdp_in", "expected"),
    # Tomorrow only the overdue task shows; from FDP day until go-live: red; after go-live (FDP 10 days
    # ago, go-live 3 days ago) it is an overdue task again.
    [(1, AMBER), (0, RED), (-3, RED), (-6, RED), (-7, AMBER), (-10, AMBER)],
)
def test_an_open_preparation_task_turns_red_from_fdp(icb, suppliers, fdp_in, expected):
    migration = migration_at(icb=icb, suppliers=suppliers, fdp_in=fdp_in, cutover=7, meeting_days_ago=40)
    add_task(migration, phase=Phase.PREPARATION, due_in=-2)
    assert ("preparation_open_at_fdp" in fired(migration)) == (expected == RED)
    assert rag_status(annotated(migration), TODAY)[0] == expected


def test_done_or_not_applicable_preparation_and_open_cutover_tasks_do_not_turn_fdp_red(icb, suppliers):
    migration = migration_at(icb=icb, suppliers=suppliers, fdp_in=-2, meeting_days_ago=40)
    add_system(migration, switched_off=True)
    add_task(migration, phase=Phase.PREPARATION, status=Task.Status.DONE, due_in=-5)
    add_task(migration, phase=Phase.PREPARATION, status=Task.Status.NOT_APPLICABLE, due_in=-5)
    add_task(migration, phase=Phase.DURING_CUTOVER, due_in=3)
    assert rag_status(annotated(migration), TODAY) == (GREEN, [])


def test_open_preparation_says_how_many_and_when_fdp_was(icb, suppliers):
    migration = migration_at(icb=icb, suppliers=suppliers, fdp_in=-2, meeting_days_ago=40)
    add_task(migration, phase=Phase.PREPARATION, due_in=3)
    add_task(migration, phase=Phase.PREPARATION, due_in=4)
    assert rag_status(annotated(migration), TODAY) == (
        RED,
        ["2 preparation tasks still open; FDP was 2 days ago (24 Nov 2026).", "No linked systems recorded."],
    )


# --- Red: the re-entry backlog not falling a week after go-live ---------------------------------


def after_go_live(icb, suppliers, go_live_in: int = -7):
    return migration_at(icb=icb, suppliers=suppliers, fdp_in=go_live_in - 7, cutover=7, meeting_days_ago=60)


def test_a_backlog_untouched_for_the_week_after_go_live_turns_red(icb, suppliers):
    migration = after_go_live(icb, suppliers)  # go-live 19 Nov, a week ago
    for _ in range(3):
        add_entry(migration, recorded=-9)  # recorded during cutover
    row = annotated(migration)
    assert (row.reentry_backlog, row.reentry_backlog_week_ago) == (3, 3)
    assert rag_status(row, TODAY) == (RED, ["3 items still to re-enter; a week ago there were 3."])


def test_the_rule_waits_a_full_week_after_go_live(icb, suppliers):
    migration = after_go_live(icb, suppliers, go_live_in=-6)
    add_entry(migration, recorded=-8)
    assert "reentry_not_falling" not in fired(migration)


def test_a_falling_backlog_stays_green(icb, suppliers):
    migration = after_go_live(icb, suppliers)
    add_entry(migration, recorded=-9)
    add_entry(migration, recorded=-9)
    add_entry(migration, recorded=-9, re_entered=-1)  # re-entered this week
    row = annotated(migration)
    assert (row.reentry_backlog, row.reentry_backlog_week_ago) == (2, 3)
    assert rag_status(row, TODAY) == (GREEN, [])


def test_a_backlog_growing_from_paper_entries_keyed_in_late_turns_red(icb, suppliers):
    migration = after_go_live(icb, suppliers, go_live_in=-10)
    add_entry(migration, recorded=-12)
    add_entry(migration, recorded=-12, voided=-11)  # voided before the week began: never counted
    add_entry(migration, recorded=-12, re_entered=-8)  # re-entered before the week began
    add_entry(migration, recorded=-2)  # typed in from paper this week
    row = annotated(migration)
    assert (row.reentry_backlog, row.reentry_backlog_week_ago) == (2, 1)
    assert rag_status(row, TODAY) == (RED, ["2 items still to re-enter; a week ago it was 1."])


def test_an_entry_re_entered_on_the_day_a_week_ago_counts_as_done_by_then(icb, suppliers):
    migration = after_go_live(icb, suppliers, go_live_in=-10)
    add_entry(migration, recorded=-12)
    add_entry(migration, recorded=-12, re_entered=-7)  # the evening of the day a week ago counts as then
    row = annotated(migration)
    assert (row.reentry_backlog, row.reentry_backlog_week_ago) == (1, 1)
    assert rag_status(row, TODAY)[0] == RED


def test_an_empty_backlog_is_green_however_long_after_go_live(icb, suppliers):
    migration = after_go_live(icb, suppliers, go_live_in=-30)
    add_entry(migration, recorded=-35, re_entered=-20)
    assert rag_status(annotated(migration), TODAY) == (GREEN, [])


# --- Amber: overdue tasks -------------------------------------------------------------------------


def test_an_overdue_task_turns_the_row_amber_and_says_how_many(icb, suppliers):
    migration = migration_at(icb=icb, suppliers=suppliers, fdp_in=40, meeting_days_ago=5)
    add_task(migration, due_in=-1)
    add_task(migration, due_in=-3)
    row = annotated(migration)
    assert rag_status(row, TODAY) == (AMBER, ["2 tasks overdue."])
    assert rag.RAG_BY_RANK[row.rag_rank] == AMBER


def test_a_task_due_today_is_not_overdue_yet(icb, suppliers):
    migration = migration_at(icb=icb, suppliers=suppliers, fdp_in=40, meeting_days_ago=5)
    add_task(migration, due_in=0)
    assert rag_status(annotated(migration), TODAY) == (GREEN, [])


def test_red_wins_over_amber_and_both_reasons_are_given_red_first(icb, suppliers):
    migration = migration_at(icb=icb, suppliers=suppliers, fdp_in=10)  # no planning meeting: red
    add_task(migration, due_in=-1)
    row = annotated(migration)
    colour, reasons = rag_status(row, TODAY)
    assert colour == RED and rag.RAG_BY_RANK[row.rag_rank] == RED
    assert reasons == [
        "No planning meeting recorded; FDP is in 10 days (6 Dec 2026).",
        "1 task overdue.",
        "No linked systems recorded.",
    ]


@pytest.mark.parametrize("status", [Migration.Status.COMPLETED, Migration.Status.CANCELLED])
def test_closed_migrations_stay_green_whatever_is_left_over(icb, suppliers, status):
    migration = migration_at(icb=icb, suppliers=suppliers, fdp_in=-20, meeting_days_ago=60, status=status)
    add_task(migration, phase=Phase.PREPARATION, due_in=-25)
    add_system(migration)
    add_entry(migration, recorded=-18)
    row = annotated(migration)
    assert rag_status(row, TODAY) == (GREEN, [])
    assert row.overdue_tasks == 0  # nor counted in the overdue column and tile


def test_every_rule_is_explained_on_the_page_in_plain_words():
    explained = rag.rag_explanation()
    assert len(explained[RED]) == 4 and len(explained[AMBER]) == 3
    assert any("switch-off window" in text for text in explained[RED])
    assert any("not applicable do not count" in text for text in explained[RED])


def test_the_colour_filter_selects_exactly_the_rows_of_that_colour(icb, suppliers):
    """The filter spells the rules out instead of comparing rag_rank, so check the two never disagree."""
    for fdp_in in range(-20, 40, 4):
        migration = migration_at(
            icb=icb, suppliers=suppliers, fdp_in=fdp_in, meeting_days_ago=5 if fdp_in % 8 else None
        )
        if fdp_in % 3 == 0:
            add_task(migration, due_in=-1)
        if fdp_in % 5 == 0:
            add_system(migration)
        if fdp_in < -14:
            add_entry(migration, recorded=fdp_in + 1)
    rows = annotate_dashboard(Migration.objects.all(), TODAY)
    for colour, rank in rag.RAG_RANK.items():
        by_filter = set(rows.filter(rag.rag_filter(colour, TODAY)).values_list("pk", flat=True))
        by_rank = {row.pk for row in rows if row.rag_rank == rank}
        assert by_filter == by_rank
    assert {row.rag_rank for row in rows} == {0, 1, 2}
