"""The dashboard that fits (issue 14): chosen columns kept in the URL and the downloads, the wave and
sign-off filters, and the wave timeline."""

import csv
import datetime
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from cutover.timeline import local_today
from cutover.workdays import bank_holiday_names
from dashboard import columns
from dashboard.models import ImportBatch, ImportedMigration
from lifecycle.models import SignOff

from .factories import migration_at, wave_csv, wave_row

pytestmark = pytest.mark.django_db

DASHBOARD = reverse("dashboard")
TIMELINE = reverse("dashboard-timeline")
CSV = reverse("dashboard-export-csv")
XLSX = reverse("dashboard-export-xlsx")


def header_labels(response) -> list[str]:
    return [header["label"] for header in response.context["headers"]]


def csv_header(client, params) -> list[str]:
    return next(csv.reader(io.StringIO(client.get(CSV, params).content.decode("utf-8-sig"))))


def xlsx_header(client, params) -> list:
    sheet = load_workbook(io.BytesIO(client.get(XLSX, params).content), read_only=True)["Migrations"]
    return list(next(sheet.iter_rows(values_only=True)))


@pytest.fixture
def two(icb, suppliers):
    return [
        migration_at(icb=icb, suppliers=suppliers, fdp_in=10, name="Ashgrove Surgery", ods_code="C10001"),
        migration_at(icb=icb, suppliers=suppliers, fdp_in=40, name="Beech House", ods_code="C10002"),
    ]


# --- Columns --------------------------------------------------------------------------------------


def test_the_default_columns_are_shown_and_the_rest_are_offered_unticked(client, icb_user, two):
    client.force_login(icb_user)
    response = client.get(DASHBOARD)
    assert header_labels(response) == [c.label for c in columns.COLUMNS if c.key in columns.DEFAULT_COLUMNS]
    page = response.content.decode()
    assert 'id="col-rag" name="cols" type="checkbox" value="rag" checked' in page
    assert 'id="col-ods" name="cols" type="checkbox" value="ods">' in page
    assert "Choose columns" in page


def test_chosen_columns_appear_on_the_page_and_in_both_downloads(client, icb_user, two):
    client.force_login(icb_user)
    chosen = {"cols": ["practice", "stage", "ods"]}
    response = client.get(DASHBOARD, chosen)
    assert header_labels(response) == ["Practice", "ODS code", "Stage"]  # page order, not URL order
    page = response.content.decode().replace("&amp;", "&")
    assert "C10001" in page and 'class="dash-col-overdue"' not in page
    # The downloads, the sort links and the other views all carry the choice.
    assert f"{CSV}?cols=practice&cols=stage&cols=ods" in page
    assert "?cols=practice&cols=stage&cols=ods&sort=stage" in page
    assert f"{TIMELINE}?cols=practice&cols=stage&cols=ods" in page
    assert csv_header(client, chosen) == ["Practice", "ODS code", "Stage"]
    assert xlsx_header(client, chosen) == ["Practice", "ODS code", "Stage"]


def test_the_practice_column_is_always_shown(client, icb_user, two):
    client.force_login(icb_user)
    assert header_labels(client.get(DASHBOARD, {"cols": "rag"})) == ["Practice", "RAG"]
    assert csv_header(client, {"cols": "rag"}) == ["Practice", "RAG", "Why"]


@pytest.mark.parametrize("url", [DASHBOARD, CSV, XLSX, TIMELINE])
def test_unknown_column_names_in_the_url_are_ignored(client, icb_user, two, url):
    client.force_login(icb_user)
    assert client.get(url, {"cols": ["practice__icb__name", "stage", "<script>"]}).status_code == 200
    assert header_labels(client.get(DASHBOARD, {"cols": ["nonsense", "stage"]})) == ["Practice", "Stage"]
    only_unknown = client.get(DASHBOARD, {"cols": "nonsense"}, follow=True)
    assert only_unknown.redirect_chain == [(DASHBOARD, 302)]  # nothing known: the default set, and a clean link
    assert len(header_labels(only_unknown)) == len(columns.DEFAULT_COLUMNS)


def test_the_default_columns_are_left_out_of_the_shared_link(client, icb_user, two):
    client.force_login(icb_user)
    response = client.get(DASHBOARD, {"cols": ["practice", *columns.DEFAULT_COLUMNS], "rag": "red", "q": ""})
    assert response.status_code == 302
    assert response["Location"] == f"{DASHBOARD}?rag=red"


def test_downloads_without_a_choice_hold_the_default_columns(client, icb_user, two):
    client.force_login(icb_user)
    header = csv_header(client, {})
    assert header[:3] == ["Practice", "RAG", "Why"]
    assert "ODS code" not in header and "Overdue tasks" in header


# --- Wave and sign-off filters --------------------------------------------------------------------


def import_wave(client, icb, rows: list[int], name: str) -> ImportBatch:
    """Upload a wave file and confirm it, as an ICB user does."""
    fdp = local_today() + datetime.timedelta(days=60)
    content = wave_csv(
        [
            wave_row(n, **{"FDP date": fdp.isoformat(), "Go-live date": (fdp + datetime.timedelta(days=7)).isoformat()})
            for n in rows
        ]
    )
    client.post(reverse("import-list"), {"file": SimpleUploadedFile(name, content), "organisation": icb.pk})
    batch = ImportBatch.objects.get(file_name=name)
    client.post(reverse("import-confirm", args=[batch.pk]))
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.IMPORTED
    return batch


def test_an_imported_wave_remembers_its_migrations_and_can_be_filtered_on(client, icb_user, icb, suppliers, two):
    client.force_login(icb_user)
    first = import_wave(client, icb, [1, 2], "wave-one.csv")
    second = import_wave(client, icb, [3], "wave-two.csv")
    assert ImportedMigration.objects.filter(batch=first).count() == 2
    response = client.get(DASHBOARD, {"wave": first.pk})
    assert {row.migration.practice.ods_code for row in response.context["rows"]} == {"W00001", "W00002"}
    assert [row.migration.practice.ods_code for row in client.get(DASHBOARD, {"wave": second.pk}).context["rows"]] == [
        "W00003"
    ]
    page = response.content.decode()
    assert f"wave-one.csv, imported {timezone.localdate(first.imported_at).day}" in page
    # The downloads and the timeline follow the same filter.
    assert len(list(csv.reader(io.StringIO(client.get(CSV, {"wave": first.pk}).content.decode("utf-8-sig"))))) == 3
    assert len(client.get(TIMELINE, {"wave": second.pk}).context["timeline"].bars) == 1


def test_another_icbs_wave_is_neither_offered_nor_usable(client, icb_user, other_icb_user, icb, suppliers, two):
    client.force_login(icb_user)
    batch = import_wave(client, icb, [1], "our-wave.csv")
    client.force_login(other_icb_user)
    response = client.get(DASHBOARD, {"wave": batch.pk})
    assert response.status_code == 200
    assert "our-wave.csv" not in response.content.decode()
    assert "wave" in response.context["form"].errors  # not a choice for them: explained, and left out
    assert not any(row.migration.practice.icb == icb for row in response.context["rows"])


def test_the_sign_off_and_stage_filters_narrow_the_list_and_stay_in_the_url(client, icb_user, manager, two):
    ashgrove, beech = two
    SignOff.objects.create(
        migration=ashgrove, kind=SignOff.Kind.GO_LIVE, signed_by=manager, signed_at=timezone.now(), comment="Live"
    )
    client.force_login(icb_user)
    response = client.get(DASHBOARD, {"sign_off": "go-live", "stage": "preparation"})
    assert [row.migration for row in response.context["rows"]] == [ashgrove]
    assert [row.migration for row in client.get(DASHBOARD, {"sign_off": "no-go-live"}).context["rows"]] == [beech]
    page = response.content.decode().replace("&amp;", "&")
    assert "sign_off=go-live&stage=preparation" in page
    assert "Filters (2 applied)" in page


# --- The wave timeline ------------------------------------------------------------------------------


def next_bank_holiday(after: datetime.date) -> datetime.date:
    return min(day for year in (after.year, after.year + 1) for day in bank_holiday_names(year) if day > after)


def test_the_timeline_draws_one_bar_per_migration_with_today_and_bank_holidays(client, icb_user, icb, suppliers):
    today = local_today()
    holiday = next_bank_holiday(today + datetime.timedelta(days=3))
    fdp_in = (holiday - today).days - 2
    across = migration_at(icb=icb, suppliers=suppliers, fdp_in=fdp_in, cutover=7, name="Across The Holiday")
    soon = migration_at(icb=icb, suppliers=suppliers, fdp_in=2, cutover=5, name="Soon Surgery")
    client.force_login(icb_user)
    response = client.get(TIMELINE)
    timeline = response.context["timeline"]
    assert [bar.row.migration for bar in timeline.bars] == [soon, across]
    assert timeline.today.day == today
    assert holiday in [mark.day for mark in timeline.holidays]
    # Bars sit on one axis: the later FDP starts further right, and every bar has a length.
    assert timeline.bars[0].x < timeline.bars[1].x and all(bar.width > 0 for bar in timeline.bars)
    page = response.content.decode()
    assert page.count('class="dash-timeline__bar ') == 2
    assert f'data-day="{holiday:%Y-%m-%d}"' in page
    assert f'<g class="dash-timeline__today" data-day="{today:%Y-%m-%d}"' in page
    assert '<title id="timeline-title">' in page and 'aria-labelledby="timeline-title timeline-desc"' in page
    assert 'style="' not in page  # the CSP forbids inline styles
    # The text alternative holds the same facts.
    assert bank_holiday_names(holiday.year)[holiday] in page
    assert "Across The Holiday" in page and "Working days between" in page


def test_the_timeline_leaves_out_closed_migrations_unless_asked(client, icb_user, icb, suppliers):
    from cutover.models import Migration

    migration_at(icb=icb, suppliers=suppliers, fdp_in=20, name="Open Surgery")
    closed = migration_at(
        icb=icb, suppliers=suppliers, fdp_in=-200, meeting_days_ago=240, status=Migration.Status.COMPLETED
    )
    client.force_login(icb_user)
    assert [bar.label for bar in client.get(TIMELINE).context["timeline"].bars] == ["Open Surgery"]
    asked = client.get(TIMELINE, {"stage": "closed"}).context["timeline"]
    assert [bar.row.migration for bar in asked.bars] == [closed]
    assert asked.today is None  # too far from that wave to draw; the text still says the date
    assert str(local_today().year) in client.get(TIMELINE, {"stage": "closed"}).content.decode()


def test_the_timeline_shows_nothing_of_another_icb(client, other_icb_user, two):
    client.force_login(other_icb_user)
    response = client.get(TIMELINE)
    assert response.context["timeline"] is None
    assert "Ashgrove" not in response.content.decode()
    assert "No migrations match these filters." in response.content.decode()


@pytest.mark.parametrize("size", [3, 30])
def test_the_timeline_costs_the_same_queries_for_3_or_30_migrations(
    client, icb_user, icb, suppliers, size, settings, django_assert_max_num_queries
):
    settings.DASHBOARD_PAGE_SIZE = 20
    for n in range(size):
        migration_at(icb=icb, suppliers=suppliers, fdp_in=n)
    client.force_login(icb_user)
    # Session, user, the ICB / partner / supplier-pair / wave choices, the count and the page of rows.
    with django_assert_max_num_queries(8):
        response = client.get(TIMELINE)
    assert len(response.context["timeline"].bars) == min(size, 20)
