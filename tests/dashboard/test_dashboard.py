"""The dashboard page: who sees what, filters, sorting, pagination, tiles and the wave calendar."""

import re

import pytest
from django.urls import reverse

from cutover.models import Migration
from dashboard import annotations, columns, rag, stages
from systems.third_party import third_party_states
from tasks.models import Phase, Task

from ..factories import (
    DeliveryPartnerFactory,
    MigrationFactory,
    OrganisationMembershipFactory,
    PracticeFactory,
    SupplierFactory,
    UserFactory,
    enable_totp,
)
from ..tasks.factories import TaskNoteFactory
from .factories import TODAY, add_entry, add_system, add_task, days, migration_at

pytestmark = pytest.mark.django_db

DASHBOARD = reverse("dashboard")
CALENDAR = reverse("dashboard-calendar")
# Session, user, the ICB / partner / supplier-pair / wave choices, the tiles (which also count the rows for the
# pages), the page of rows, and "may this user import?".
DASHBOARD_QUERIES = 9  # the two-factor answer is kept in the session (accounts/mfa_session.py)


def shown(response) -> list[str]:
    return [row.migration.practice.ods_code for row in response.context["rows"]]


@pytest.fixture
def wave(icb, suppliers, migration):
    """A few migrations of one ICB at different stages, beside the `migration` fixture's practice."""
    return {
        "red": migration_at(icb=icb, suppliers=suppliers, fdp_in=10, name="Ashgrove Surgery", ods_code="C10001"),
        "planning": migration_at(icb=icb, suppliers=suppliers, fdp_in=90, name="Beech House", ods_code="C10002"),
        "cutover": migration_at(
            icb=icb, suppliers=suppliers, fdp_in=-2, meeting_days_ago=40, name="Cedar Practice", ods_code="C10003"
        ),
        "closed": migration_at(
            icb=icb,
            suppliers=suppliers,
            fdp_in=-100,
            meeting_days_ago=140,
            status=Migration.Status.COMPLETED,
            name="Damson Lane",
            ods_code="C10004",
        ),
    }


# --- Who sees what ------------------------------------------------------------------------


def test_an_icb_user_sees_every_migration_of_their_icb(client, icb_user, wave, migration):
    client.force_login(icb_user)
    response = client.get(DASHBOARD)
    assert response.status_code == 200
    assert set(shown(response)) == {"C10001", "C10002", "C10003", "C10004", migration.practice.ods_code}


def test_icb_a_never_sees_icb_b(client, icb_user, other_icb_user, wave, other_practice, suppliers):
    theirs = migration_at(icb=other_practice.icb, suppliers=suppliers, practice=other_practice, fdp_in=10)
    client.force_login(icb_user)
    page = client.get(DASHBOARD)
    assert theirs.practice.ods_code not in shown(page)
    assert theirs.practice.name not in page.content.decode()
    csv = client.get(reverse("dashboard-export-csv")).content.decode()
    assert theirs.practice.ods_code not in csv
    calendar = client.get(CALENDAR, {"month": f"{days(10):%Y-%m}"}).content.decode()
    assert theirs.practice.name not in calendar

    client.force_login(other_icb_user)
    assert shown(client.get(DASHBOARD)) == [theirs.practice.ods_code]


def test_a_filter_cannot_reach_another_icb(client, icb_user, other_practice, suppliers, wave):
    migration_at(icb=other_practice.icb, suppliers=suppliers, practice=other_practice)
    client.force_login(icb_user)
    response = client.get(DASHBOARD, {"icb": other_practice.icb.pk})
    assert "icb" in response.context["form"].errors
    assert other_practice.ods_code not in shown(response)


def test_a_delivery_partner_sees_the_practices_it_covers(client, partner_user, practice, migration, wave):
    client.force_login(partner_user)
    # The fixture's partner covers only `practice`; the wave practices have partners of their own.
    assert shown(client.get(DASHBOARD)) == [practice.ods_code]


def test_practice_users_see_only_their_own_practice(client, manager, staff, migration, wave):
    for person in (manager, staff):
        client.force_login(person)
        assert shown(client.get(DASHBOARD)) == [migration.practice.ods_code]


def test_superusers_see_every_migration(client, superuser, wave, migration, other_practice, suppliers):
    theirs = migration_at(icb=other_practice.icb, suppliers=suppliers, practice=other_practice)
    client.force_login(superuser)
    assert len(shown(client.get(DASHBOARD))) == 6
    assert theirs.practice.ods_code in shown(client.get(DASHBOARD))


def test_anonymous_people_are_sent_to_sign_in(client):
    for url in (DASHBOARD, CALENDAR, reverse("dashboard-export-csv"), reverse("dashboard-export-xlsx")):
        response = client.get(url)
        assert response.status_code == 302
        assert response.url.startswith(reverse("login"))


@pytest.mark.parametrize(
    "url", [DASHBOARD, CALENDAR, reverse("dashboard-export-csv"), reverse("dashboard-export-xlsx")]
)
def test_the_dashboard_pages_only_answer_get(client, icb_user, url):
    client.force_login(icb_user)
    assert client.post(url).status_code == 405


def test_a_row_links_to_the_migration_which_icb_users_see_read_only(client, icb_user, wave):
    client.force_login(icb_user)
    page = client.get(DASHBOARD).content.decode()
    detail_url = wave["red"].get_absolute_url()
    assert f'href="{detail_url}"' in page
    detail = client.get(detail_url)
    assert detail.status_code == 200
    assert reverse("migration-edit", args=[wave["red"].pk]) not in detail.content.decode()


# --- Rows, RAG and the explanation ------------------------------------------------------------


def test_red_rows_say_why_on_the_page(client, icb_user, wave):
    client.force_login(icb_user)
    response = client.get(DASHBOARD)
    rows = {row.migration.practice.ods_code: row for row in response.context["rows"]}
    assert rows["C10001"].rag == "red"
    # Red reasons first; nor has the practice recorded any linked system, 8 working days before FDP.
    assert rows["C10001"].reasons == [
        "No planning meeting recorded; FDP is in 10 days (6 Dec 2026).",
        "No linked systems recorded.",
    ]
    assert rows["C10002"].rag == "green" and rows["C10002"].reasons == []
    assert "No planning meeting recorded; FDP is in 10 days (6 Dec 2026)." in response.content.decode()


def test_the_page_explains_the_rag_rules_from_the_rule_definitions(client, icb_user):
    client.force_login(icb_user)
    page = client.get(DASHBOARD).content.decode()
    assert "How is this worked out?" in page
    for rule in rag.RAG_RULES:
        assert rule.explain() in page
    assert stages.stage_explanation() in page
    for text in columns.column_explanation():
        assert text in page
    assert "not applicable are left out of both numbers" in page


def test_the_stage_explanation_follows_the_setting(settings):
    settings.PLANNING_MEETING_DAYS_BEFORE_FDP = 35
    assert "the last working day 35 days or more before FDP" in stages.stage_explanation()


def test_a_row_shows_dates_days_to_go_stage_meeting_and_legacy_support(client, icb_user, wave):
    client.force_login(icb_user)
    response = client.get(DASHBOARD, {"q": "C10003", "cols": ["fdp", "go-live", "meeting"]})
    (row,) = response.context["rows"]
    cells = dict(row.cells)
    assert cells["fdp"] == "24 Nov 2026 (2 days ago)"
    assert cells["go-live"] == "1 Dec 2026 (in 5 days)"
    assert cells["stage"] == "Cutover"
    assert cells["meeting"] == "Held 17 Oct 2026"
    assert cells["legacy"] == "1 Mar 2027"  # 90 days after go-live
    assert cells["from"] == "EMIS Web (EMIS Health)"
    page = response.content.decode()
    assert "2 days ago" in page and "in 5 days" in page and "Held 17 Oct 2026" in page


# --- Filters and the URL ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"q": "ash"}, {"C10001"}),
        ({"q": "c1000"}, {"C10001", "C10002", "C10003", "C10004"}),
        ({"stage": "planning"}, {"C10002", "A81001"}),
        ({"stage": "preparation"}, {"C10001"}),
        ({"stage": "cutover"}, {"C10003"}),
        ({"stage": "closed"}, {"C10004"}),
        ({"rag": "red"}, {"C10001"}),
        ({"fdp_from": days(-5).isoformat(), "fdp_to": days(20).isoformat()}, {"C10001", "C10003"}),
        ({"fdp_from": "01/12/2026"}, {"C10001", "C10002", "A81001"}),
        ({"go_live_to": days(0).isoformat()}, {"C10004"}),
        ({"stage": "planning", "q": "ash"}, set()),
    ],
)
def test_filters_narrow_the_list(client, icb_user, wave, params, expected):
    client.force_login(icb_user)
    assert set(shown(client.get(DASHBOARD, params))) == expected


def test_filter_by_icb_partner_and_supplier_pair(client, superuser, suppliers, wave, other_practice):
    cegedim = SupplierFactory(name="Cegedim")
    partner = DeliveryPartnerFactory(name="North CSU")
    special = migration_at(icb=other_practice.icb, suppliers=suppliers, practice=other_practice)
    special.new_supplier = cegedim
    special.save()
    covered = PracticeFactory(icb=wave["red"].practice.icb, delivery_partner=partner, ods_code="C20000")
    migration_at(icb=covered.icb, suppliers=suppliers, practice=covered)
    client.force_login(superuser)
    by_icb = shown(client.get(DASHBOARD, {"icb": other_practice.icb.pk}))
    assert by_icb == [other_practice.ods_code]
    assert shown(client.get(DASHBOARD, {"partner": partner.pk})) == ["C20000"]
    pair = f"{suppliers[0].pk}-{cegedim.pk}"
    response = client.get(DASHBOARD, {"suppliers": pair})
    assert shown(response) == [other_practice.ods_code]
    assert (pair, "EMIS Health → Cegedim") in response.context["form"].fields["suppliers"].choices


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"fdp_from": "tomorrow"}, "fdp_from"),
        ({"fdp_from": "2020-01-10", "fdp_to": "2020-01-01"}, "fdp_to"),
        ({"stage": "nearly-done"}, "stage"),
        ({"rag": "purple"}, "rag"),
        ({"suppliers": "1-2-3"}, "suppliers"),
        ({"icb": "not-a-number"}, "icb"),
    ],
)
def test_bad_filter_values_are_explained_beside_the_field_and_ignored(client, icb_user, wave, params, field):
    client.force_login(icb_user)
    response = client.get(DASHBOARD, params)
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert len(shown(response)) == 5
    assert "nhsuk-error-message" in response.content.decode()


def test_filter_state_lives_in_the_url_and_every_link_keeps_it(client, icb_user, wave, settings):
    settings.DASHBOARD_PAGE_SIZE = 2
    client.force_login(icb_user)
    response = client.get(DASHBOARD, {"q": "C1000", "sort": "-practice"})
    page = response.content.decode().replace("&amp;", "&")
    # The form shows the filter, sort links, pages, tabs and downloads all carry it.
    assert 'name="q" value="C1000"' in page
    assert 'name="sort" value="-practice"' in page
    assert "?q=C1000&sort=-practice&page=2" in page
    assert "?q=C1000&sort=rag" in page
    assert f"{reverse('dashboard-export-csv')}?q=C1000&sort=-practice" in page
    assert f"{reverse('dashboard-calendar')}?q=C1000" in page
    assert shown(response) == ["C10004", "C10003"]
    assert shown(client.get(DASHBOARD, {"q": "C1000", "sort": "-practice", "page": 2})) == ["C10002", "C10001"]


def test_summary_tiles_count_the_filtered_migrations_in_the_database(client, icb_user, wave):
    client.force_login(icb_user)
    summary = client.get(DASHBOARD).context["summary"]
    assert summary["total"] == 5
    assert {stage.key: count for stage, count in summary["stages"]} == {
        "planning": 2,
        "preparation": 1,
        "cutover": 1,
        "after-go-live": 0,
        "closed": 1,
    }
    # Amber: the practice in cutover has no linked systems recorded.
    assert {colour: count for colour, _, count in summary["rags"]} == {"red": 1, "amber": 1, "green": 3}
    filtered = client.get(DASHBOARD, {"rag": "green"}).context["summary"]
    assert filtered["total"] == 3
    assert {colour: count for colour, _, count in filtered["rags"]}["red"] == 0


def test_tiles_total_the_overdue_tasks_and_re_entry_backlog_of_the_filtered_migrations(client, icb_user, wave):
    for _ in range(2):
        add_task(wave["red"], due_in=-1)
    add_task(wave["cutover"], due_in=-4)
    add_task(wave["closed"], due_in=-120)  # a closed migration's leftovers are nobody's to chase
    for _ in range(3):
        add_entry(wave["cutover"], recorded=-1)
    add_entry(wave["cutover"], recorded=-1, re_entered=0)
    client.force_login(icb_user)
    response = client.get(DASHBOARD)
    assert response.context["summary"]["totals"] == [("overdue tasks", 3), ("items still to re-enter", 3)]
    page = response.content.decode()
    assert "3 overdue tasks; 3 items still to re-enter." in page
    filtered = client.get(DASHBOARD, {"q": "Ashgrove"}).context["summary"]["totals"]
    assert filtered == [("overdue tasks", 2), ("items still to re-enter", 0)]


def test_tiles_show_zero_totals_when_nothing_matches(client, icb_user, wave):
    client.force_login(icb_user)
    totals = client.get(DASHBOARD, {"q": "no such practice"}).context["summary"]["totals"]
    assert totals == [("overdue tasks", 0), ("items still to re-enter", 0)]


def test_a_row_shows_task_progress_overdue_tasks_switch_off_and_backlog(client, icb_user, wave):
    cedar = wave["cutover"]
    add_task(cedar, phase=Phase.PREPARATION, status=Task.Status.DONE, due_in=-5)
    add_task(cedar, phase=Phase.PREPARATION, due_in=-5)
    add_task(cedar, phase=Phase.DURING_CUTOVER, status=Task.Status.DONE, due_in=-1)
    add_task(cedar, phase=Phase.DURING_CUTOVER, status=Task.Status.NOT_APPLICABLE, due_in=-1)
    add_system(cedar, switched_off=True)
    add_system(cedar)
    add_entry(cedar, recorded=-1)
    client.force_login(icb_user)
    response = client.get(DASHBOARD, {"q": "C10003"})
    (row,) = response.context["rows"]
    cells = dict(row.cells)
    assert cells["preparation"] == "1 of 2"
    assert cells["cutover-tasks"] == "1 of 1"
    assert cells["after-go-live-tasks"] == "No tasks"
    assert cells["overdue"] == "1"
    assert cells["switched-off"] == "1 of 2"
    assert cells["reentry"] == "1"
    assert row.rag == "red"
    assert row.reasons == [
        "1 linked system not confirmed switched off (1 of 2 off); the switch-off window started 20 Nov 2026.",
        "1 preparation task still open; FDP was 2 days ago (24 Nov 2026).",
        "1 task overdue.",
    ]
    page = response.content.decode()
    for text in ("Preparation tasks done", "Linked systems switched off", "Still to re-enter", *row.reasons):
        assert text in page


def test_no_patient_identifier_ever_reaches_the_dashboard_or_its_downloads(client, icb_user, wave):
    entry = add_entry(wave["cutover"], recorded=-1)
    client.force_login(icb_user)
    for url in (DASHBOARD, reverse("dashboard-export-csv")):
        content = client.get(url).content.decode("utf-8-sig")
        assert entry.nhs_number not in content
        assert entry.summary not in content


def test_tiles_link_to_the_list_filtered_by_their_stage_or_colour(client, icb_user, wave):
    client.force_login(icb_user)
    page = client.get(DASHBOARD, {"q": "C1"}).content.decode().replace("&amp;", "&")
    assert 'href="?q=C1&rag=red"' in page
    assert 'href="?q=C1&stage=planning"' in page


# --- Sorting and pagination ------------------------------------------------------------------


def sort_value(migration, key):
    """What the page should sort by, worked out in Python from the model's own rules."""
    return {
        "practice": lambda m: m.practice.name,
        "ods": lambda m: m.practice.ods_code,
        "from": lambda m: (m.current_system, m.current_supplier.name),
        "to": lambda m: (m.new_system, m.new_supplier.name),
        "fdp": lambda m: m.fdp_date,
        "go-live": lambda m: m.go_live_date,
        "stage": lambda m: [s.name for s in stages.STAGES].index(m.stage(TODAY)),
        "meeting": lambda m: m.planning_meeting_date or days(-10000),  # not held sorts first
        "legacy": lambda m: m.legacy_support_end,
        "rag": lambda m: rag.RAG_RANK[rag_colour(m)],
        "preparation": lambda m: tasks_left_and_total(m, Phase.PREPARATION),
        "cutover-tasks": lambda m: tasks_left_and_total(m, Phase.DURING_CUTOVER),
        "after-go-live-tasks": lambda m: tasks_left_and_total(m, Phase.AFTER_GO_LIVE),
        "overdue": lambda m: sum(task.is_overdue(TODAY) for task in m.tasks.all()),
        "switched-off": systems_on_and_total,
        "national": national_untold_and_total,
        "reentry": lambda m: m.reentry_entries.to_re_enter().count(),
        "sign-offs": sign_offs_sort_value,
    }[key](migration)


def sign_offs_sort_value(migration):
    """The latest data-checking decision, then when go-live and close-out were signed ("" if not)."""

    def latest(kind):
        return migration.sign_offs.filter(kind=kind).order_by("-signed_at", "-pk").first()

    data, go_live, close_out = latest("data_checking"), latest("go_live"), latest("close_out")
    return (
        data.decision if data else "",
        go_live.signed_at.isoformat() if go_live else "",
        close_out.signed_at.isoformat() if close_out else "",
    )


def tasks_left_and_total(migration, phase):
    """Sorting a phase's progress puts the fewest tasks still to do first, then the smallest plan."""
    applicable = [t for t in migration.tasks.all() if t.phase == phase and not t.is_not_applicable]
    return sum(t.is_open for t in applicable), len(applicable)


def systems_on_and_total(migration):
    states = [s for s in third_party_states(migration) if not s.is_not_applicable]
    return sum(s.switched_off_at is None for s in states), len(states)


def national_untold_and_total(migration):
    given = migration.third_party_states.filter(notice_working_days__isnull=False, not_applicable_at__isnull=True)
    return given.filter(notified_at__isnull=True).count(), given.count()


def rag_colour(migration):
    row = annotations.annotate_dashboard(Migration.objects.filter(pk=migration.pk), TODAY).get()
    return rag.rag_status(row, TODAY)[0]


@pytest.mark.parametrize("column", [c.key for c in columns.COLUMNS])
def test_every_column_sorts_both_ways(client, icb_user, wave, column):
    wave["planning"].current_system = "Vision"
    wave["planning"].save()
    client.force_login(icb_user)
    migrations = Migration.objects.visible_to(icb_user).select_related("practice", "current_supplier", "new_supplier")
    by_code = {m.practice.ods_code: m for m in migrations}
    expected = [
        m.practice.ods_code for m in sorted(by_code.values(), key=lambda m: (sort_value(m, column), m.practice.name))
    ]
    assert shown(client.get(DASHBOARD, {"sort": column})) == expected
    descending = shown(client.get(DASHBOARD, {"sort": f"-{column}"}))
    values = [sort_value(by_code[code], column) for code in descending]
    assert values == sorted(values, reverse=True)
    assert sorted(descending) == sorted(expected)


NEW_COLUMNS = ["preparation", "cutover-tasks", "after-go-live-tasks", "overdue", "switched-off", "reentry"]


@pytest.mark.parametrize("column", NEW_COLUMNS)
def test_the_new_columns_sort_by_what_is_left_to_do(client, icb_user, icb, suppliers, column):
    """Three migrations with different amounts of everything, so each new column has an order to get right."""
    made = []
    for n, name in enumerate(["Alder", "Birch", "Cherry"]):
        migration = migration_at(
            icb=icb, suppliers=suppliers, fdp_in=20, meeting_days_ago=5, name=f"{name} Surgery", ods_code=f"S1000{n}"
        )
        amount = [2, 0, 1][n]
        for phase in Phase:
            for _ in range(amount):
                add_task(migration, phase=phase, due_in=-1)
            add_task(migration, phase=phase, status=Task.Status.DONE)
        for _ in range(amount):
            add_system(migration)
            add_entry(migration, recorded=-1)
        add_system(migration, switched_off=True)
        made.append(migration)
    client.force_login(icb_user)
    ascending = shown(client.get(DASHBOARD, {"sort": column}))
    assert ascending == ["S10001", "S10002", "S10000"]
    assert shown(client.get(DASHBOARD, {"sort": f"-{column}"})) == ["S10000", "S10002", "S10001"]


def test_the_sorted_column_is_announced(client, icb_user, wave):
    client.force_login(icb_user)
    page = client.get(DASHBOARD, {"sort": "-rag"}).content.decode()
    assert 'aria-sort="descending"' in page
    assert page.count("aria-sort=") == 1


def test_an_unknown_sort_or_page_falls_back_instead_of_failing(client, icb_user, wave):
    client.force_login(icb_user)
    response = client.get(DASHBOARD, {"sort": "practice__icb__name", "page": "lots"})
    assert response.status_code == 200
    assert len(shown(response)) == 5


def with_everything_counted(migration, n: int) -> None:
    """Tasks of every phase (some done, overdue or noted), linked systems and re-entry entries,
    so the query count covers every subquery with rows to count."""
    for phase in Phase:
        add_task(migration, phase=phase, due_in=-2)
        add_task(migration, phase=phase, status=Task.Status.DONE)
    TaskNoteFactory(task=add_task(migration, due_in=n))
    add_system(migration, switched_off=bool(n % 2))
    add_system(migration)
    add_entry(migration, recorded=-9)
    add_entry(migration, recorded=-9, re_entered=-1)


@pytest.mark.parametrize("size", [3, 30])
def test_the_dashboard_costs_the_same_queries_for_3_or_30_migrations(
    client, icb_user, icb, suppliers, size, settings, django_assert_num_queries
):
    settings.DASHBOARD_PAGE_SIZE = 20
    for n in range(size):
        migration = migration_at(icb=icb, suppliers=suppliers, fdp_in=n - 10, meeting_days_ago=50 if n % 3 else None)
        with_everything_counted(migration, n)
    client.force_login(icb_user)
    with django_assert_num_queries(DASHBOARD_QUERIES):
        response = client.get(DASHBOARD, {"sort": "-rag"})
    assert len(response.context["rows"]) == min(size, 20)
    with django_assert_num_queries(DASHBOARD_QUERIES):
        response = client.get(DASHBOARD, {"stage": "after-go-live", "q": "Practice", "sort": "legacy"})
    assert response.context["rows"]


@pytest.mark.parametrize("size", [3, 30])
def test_the_exports_and_calendar_cost_the_same_queries_for_3_or_30_migrations(
    client, icb_user, icb, suppliers, size, django_assert_num_queries
):
    for n in range(size):
        with_everything_counted(migration_at(icb=icb, suppliers=suppliers, fdp_in=n % 3, cutover=3), n)
    client.force_login(icb_user)
    # Session, user, the supplier pairs the filter form offers, then the rows.
    with django_assert_num_queries(4):
        client.get(reverse("dashboard-export-csv"))
    with django_assert_num_queries(4):
        client.get(reverse("dashboard-export-xlsx"))
    # The calendar also lists the ICB, partner and wave choices in its filter form.
    with django_assert_num_queries(7):
        response = client.get(CALENDAR)
    assert sum(day.events for week in response.context["weeks"] for day in week) == 2 * size


# --- The wave calendar -------------------------------------------------------------------------


def test_the_calendar_shows_fdp_and_go_live_days_and_marks_clashes(client, icb_user, icb, suppliers):
    a = migration_at(icb=icb, suppliers=suppliers, fdp_in=5, cutover=7, name="Alder Surgery")  # FDP 1 Dec
    migration_at(icb=icb, suppliers=suppliers, fdp_in=5, cutover=8, name="Birch Surgery")  # same FDP
    migration_at(icb=icb, suppliers=suppliers, fdp_in=20, cutover=7, name="Cherry Surgery")
    client.force_login(icb_user)
    response = client.get(CALENDAR, {"month": "2026-12"})
    assert response.status_code == 200
    days_by_date = {day.date: day for week in response.context["weeks"] for day in week}
    first = days_by_date[days(5)]
    assert [name for _, name, _ in first.fdp] == ["Alder Surgery", "Birch Surgery"]
    assert first.clash
    assert not days_by_date[days(12)].clash and days_by_date[days(12)].go_live[0][1] == "Alder Surgery"
    assert days_by_date[days(20)].fdp[0][1] == "Cherry Surgery"
    page = response.content.decode()
    assert "2 on this day" in page
    assert "December 2026" in page
    assert a.get_absolute_url() in page
    # Christmas and the substitute Boxing Day are marked: nobody should plan a go-live on them.
    assert days_by_date[days(29)].bank_holiday == "Christmas Day"
    assert "Boxing Day" in days_by_date[days(32)].bank_holiday


def test_the_calendar_moves_month_by_month_and_keeps_the_filters(client, icb_user, wave):
    client.force_login(icb_user)
    response = client.get(CALENDAR, {"month": "2026-12", "rag": "red"})
    page = response.content.decode().replace("&amp;", "&")
    assert "?month=2026-11&rag=red" in page
    assert "?month=2027-01&rag=red" in page
    assert 'name="month" value="2026-12"' in page
    assert response.context["month"] == days(5)  # 1 Dec 2026
    events = [day for week in response.context["weeks"] for day in week if day.events]
    assert {name for day in events for _, name, _ in day.fdp} == {"Ashgrove Surgery"}


def test_empty_filter_fields_are_dropped_from_the_url(client, icb_user):
    client.force_login(icb_user)
    response = client.get(DASHBOARD, {"q": "", "rag": "red", "stage": "", "fdp_from": ""})
    assert response.status_code == 302 and response.url == f"{DASHBOARD}?rag=red"
    assert client.get(CALENDAR, {"q": "", "month": ""}).url == CALENDAR


@pytest.mark.parametrize("month", ["2026-13", "soon", "99999-01", "1066-10", "99999999999999999999-01"])
def test_an_unreadable_month_shows_this_month(client, icb_user, month):
    client.force_login(icb_user)
    response = client.get(CALENDAR, {"month": month})
    assert response.status_code == 200
    assert response.context["month"] == TODAY.replace(day=1)


def test_the_navigation_links_to_the_dashboard(client, manager):
    client.force_login(manager)
    page = client.get(reverse("migration-list")).content.decode()
    assert re.search(rf'href="{DASHBOARD}"[^>]*>Dashboard<', page)


def test_only_people_who_can_import_see_the_import_button(client, manager, icb_user, wave):
    client.force_login(manager)
    assert reverse("import-list") not in client.get(DASHBOARD).content.decode()
    client.force_login(icb_user)
    assert reverse("import-list") in client.get(DASHBOARD).content.decode()


def test_a_user_with_no_practice_or_organisation_sees_an_empty_dashboard(client, wave):
    nobody = UserFactory(email="nobody@example.org")
    client.force_login(nobody)
    response = client.get(DASHBOARD)
    assert response.status_code == 200
    assert shown(response) == []
    assert "No migrations match these filters." in response.content.decode()


def test_a_partner_user_of_two_icbs_can_filter_by_icb(client, suppliers):
    partner = DeliveryPartnerFactory()
    person = enable_totp(OrganisationMembershipFactory(organisation=partner, user=UserFactory()).user)
    first = MigrationFactory(
        practice=PracticeFactory(delivery_partner=partner), current_supplier=suppliers[0], new_supplier=suppliers[1]
    )
    second = MigrationFactory(
        practice=PracticeFactory(delivery_partner=partner), current_supplier=suppliers[0], new_supplier=suppliers[1]
    )
    client.force_login(person)
    response = client.get(DASHBOARD)
    assert set(response.context["form"].fields["icb"].queryset) == {first.practice.icb, second.practice.icb}
    assert shown(client.get(DASHBOARD, {"icb": second.practice.icb.pk})) == [second.practice.ods_code]
