import csv
import datetime as dt
import io
from pathlib import Path

import pytest
from playwright.sync_api import expect

from cutover.models import Migration

from ..dashboard.factories import wave_csv, wave_row
from ..factories import PASSWORD, MigrationFactory, PracticeFactory, working_day_in

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def icb_wave(practice, suppliers):
    today = dt.date.today()
    red = MigrationFactory(
        practice=practice,
        current_supplier=suppliers[0],
        new_supplier=suppliers[1],
        fdp_date=today + dt.timedelta(days=10),
        go_live_date=today + dt.timedelta(days=17),
    )
    green = MigrationFactory(
        practice=PracticeFactory(icb=practice.icb, name="Hillview Surgery", ods_code="C10002"),
        current_supplier=suppliers[0],
        new_supplier=suppliers[1],
        fdp_date=today + dt.timedelta(days=90),
        go_live_date=today + dt.timedelta(days=97),
    )
    return red, green


def test_icb_user_filters_to_red_opens_one_and_downloads_the_csv(
    page, live_server, sign_in, assert_accessible, icb_user, icb_wave
):
    red, _green = icb_wave
    sign_in(page, icb_user.email, PASSWORD)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Dashboard").click()
    expect(page.get_by_role("heading", name="Dashboard", level=1)).to_be_visible()
    expect(page.get_by_role("link", name="Hillview Surgery")).to_be_visible()
    page.get_by_text("How is this worked out?").click()
    expect(page.get_by_text("No planning meeting is recorded and its deadline has come")).to_be_visible()
    assert_accessible(page)

    page.get_by_text("Filters", exact=True).click()
    page.get_by_label("RAG status").select_option("red")
    page.get_by_role("button", name="Apply filters").click()
    expect(page).to_have_url(f"{live_server.url}/dashboard/?rag=red")
    expect(page.get_by_role("link", name="Hillview Surgery")).to_have_count(0)
    expect(page.get_by_text("No planning meeting recorded; FDP is in 10 days")).to_be_visible()
    assert_accessible(page)

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download CSV").click()
    download = download_info.value
    assert download.suggested_filename.startswith("migrations-")
    rows = list(csv.reader(io.StringIO(Path(download.path()).read_text(encoding="utf-8-sig"))))
    assert [row[0] for row in rows[1:]] == [red.practice.name]
    assert rows[1][rows[0].index("RAG")] == "Red"

    page.get_by_role("link", name=red.practice.name).click()
    expect(page.get_by_role("heading", name=red.practice.name)).to_be_visible()
    expect(page.get_by_role("link", name="Change dates")).to_have_count(0)
    assert_accessible(page)

    page.go_back()
    page.get_by_role("link", name="Wave calendar").click()
    expect(page.get_by_role("heading", level=2).first).to_be_visible()
    assert "rag=red" in page.url
    assert_accessible(page)


def test_icb_user_imports_a_wave_after_seeing_the_preview(
    page, live_server, sign_in, assert_accessible, icb_user, practice, suppliers
):
    fdp = working_day_in(60)
    content = wave_csv(
        [
            wave_row(n, **{"FDP date": fdp.isoformat(), "Go-live date": (fdp + dt.timedelta(days=7)).isoformat()})
            for n in (1, 2)
        ]
    )
    sign_in(page, icb_user.email, PASSWORD)
    page.goto(f"{live_server.url}/dashboard/")
    with page.expect_navigation():
        page.get_by_role("link", name="Import a wave").click()
    assert_accessible(page)
    page.get_by_label("Spreadsheet (CSV or Excel .xlsx)").set_input_files(
        files=[{"name": "wave.csv", "mimeType": "text/csv", "buffer": content}]
    )
    page.get_by_role("button", name="Upload and check").click()
    expect(page.get_by_role("heading", name="Preview")).to_be_visible()
    expect(page.get_by_text("Wave Practice 2")).to_be_visible()
    assert_accessible(page)
    assert not Migration.objects.filter(practice__ods_code__startswith="W").exists()

    page.get_by_role("button", name="Create 2 migrations").click()
    expect(page.get_by_text("Created 2 migrations.")).to_be_visible()
    assert_accessible(page)
    assert Migration.objects.filter(practice__ods_code__startswith="W").count() == 2


def document_overflow(page) -> int:
    """How far the page is wider than the window (0 when nothing scrolls sideways)."""
    return page.evaluate("document.documentElement.scrollWidth - window.innerWidth")


def test_the_dashboard_fits_a_laptop_and_a_phone(page, live_server, sign_in, assert_accessible, icb_user, icb_wave):
    sign_in(page, icb_user.email, PASSWORD)
    page.set_viewport_size({"width": 1366, "height": 900})
    page.goto(f"{live_server.url}/dashboard/")
    # Every default column is on screen without scrolling sideways, the re-entry backlog included.
    assert document_overflow(page) <= 0
    expect(page.get_by_role("columnheader", name="Still to re-enter")).to_be_in_viewport()
    assert_accessible(page)

    # Choosing columns keeps them in the URL; the practice stays in view even with every column.
    page.get_by_text("Choose columns").click()
    for label in ("ODS code", "Current system", "New system", "Planning meeting", "Legacy support ends", "Sign-offs"):
        page.get_by_role("checkbox", name=label, exact=True).check()
    with page.expect_navigation(wait_until="load"):
        page.get_by_role("button", name="Show these columns").click()
    assert "cols=ods" in page.url and "cols=sign-offs" in page.url
    assert document_overflow(page) <= 0  # a wide table scrolls in its own box, not the page
    expect(page.get_by_role("columnheader", name="Legacy support ends")).to_have_count(1)
    assert_accessible(page)

    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}/dashboard/")
    assert document_overflow(page) <= 0
    # Data first: the first migration's card, with its RAG, is above the fold; the filters are folded away.
    first_card = page.locator("tr.dash-row").first
    expect(first_card).to_be_in_viewport()
    expect(first_card.locator(".nhsuk-tag")).to_be_visible()
    expect(page.get_by_label("RAG status")).to_be_hidden()
    assert first_card.bounding_box()["y"] < 844
    assert_accessible(page)

    with page.expect_navigation(wait_until="load"):  # measured once its stylesheet applies, not mid-load
        page.get_by_role("link", name="Timeline").click()
    assert document_overflow(page) <= 0
    expect(page.get_by_role("img", name="Wave timeline: FDP to go-live, one bar per practice")).to_be_attached()
    expect(page.get_by_role("link", name="Hillview Surgery")).to_be_visible()  # the table of the same facts
    assert_accessible(page)
