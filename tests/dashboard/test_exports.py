"""CSV and Excel downloads hold what the page shows: the same migrations, order and values."""

import csv
import datetime
import io
from html.parser import HTMLParser

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from dashboard import columns, wording
from tasks.models import Phase, Task

from .factories import TODAY, add_entry, add_system, add_task, migration_at

pytestmark = pytest.mark.django_db

DASHBOARD = reverse("dashboard")
CSV = reverse("dashboard-export-csv")
XLSX = reverse("dashboard-export-xlsx")
# Every column ticked, so the page and the files can be compared value by value.
EVERY_COLUMN = {"cols": [column.key for column in columns.COLUMNS]}


class TableText(HTMLParser):
    """The text of each cell of the page's table body, row by row."""

    def __init__(self):
        super().__init__()
        self.rows: list[list[str]] = []
        self.in_body = False
        self.cell: list[str] | None = None
        self.in_label = False

    def handle_starttag(self, tag, attrs):
        if ("class", "dash-cell-label") in attrs:  # the heading repeated in each cell for the phone layout
            self.in_label = True
        elif tag == "tbody":
            self.in_body = True
        elif self.in_body and tag == "tr":
            self.rows.append([])
        elif self.in_body and tag in {"td", "th"}:
            self.cell = []

    def handle_endtag(self, tag):
        if tag == "span" and self.in_label:
            self.in_label = False
        elif tag == "tbody":
            self.in_body = False
        elif self.in_body and tag in {"td", "th"} and self.cell is not None:
            self.rows[-1].append(" ".join("".join(self.cell).split()))
            self.cell = None

    def handle_data(self, data):
        if self.cell is not None and not self.in_label:
            self.cell.append(data + " ")


def page_table(client, params) -> list[list[str]]:
    parser = TableText()
    parser.feed(client.get(DASHBOARD, params).content.decode())
    return parser.rows


def csv_rows(client, params) -> list[list[str]]:
    response = client.get(CSV, params)
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="migrations-2026-11-26.csv"'
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def xlsx_rows(client, params) -> list[list]:
    response = client.get(XLSX, params)
    assert response["Content-Disposition"] == 'attachment; filename="migrations-2026-11-26.xlsx"'
    sheet = load_workbook(io.BytesIO(response.content), read_only=True)["Migrations"]
    return [list(row) for row in sheet.iter_rows(values_only=True)]


@pytest.fixture
def wave(icb, suppliers, migration):
    return [
        migration_at(icb=icb, suppliers=suppliers, fdp_in=10, name="Ashgrove Surgery", ods_code="C10001"),
        migration_at(icb=icb, suppliers=suppliers, fdp_in=90, name="Beech House", ods_code="C10002"),
        migration_at(
            icb=icb, suppliers=suppliers, fdp_in=-2, meeting_days_ago=40, name="Cedar Practice", ods_code="C10003"
        ),
    ]


def expected_page_text(csv_row: list[str]) -> list[str]:
    """Build the page's cell text from a CSV row, column by column, from the shared registry."""
    values = dict(zip(columns.export_header(), csv_row, strict=True))

    def when(iso, days_to_go):
        return f"{wording.show_date(datetime.date.fromisoformat(iso))} {wording.days_text(int(days_to_go))}"

    meeting = values["Planning meeting held"]
    return [
        values["Practice"],
        values["ODS code"],
        f"{values['RAG']} {values['Why']}".strip(),
        f"{values['Current system']} ({values['Current supplier']})",
        f"{values['New system']} ({values['New supplier']})",
        when(values["FDP"], values["Days to FDP"]),
        when(values["Go-live"], values["Days to go-live"]),
        values["Stage"],
        f"Held {wording.show_date(datetime.date.fromisoformat(meeting))}" if meeting else None,
        wording.show_date(datetime.date.fromisoformat(values["Legacy support ends"])),
        of(values["Preparation tasks done"], values["Preparation tasks"], "No tasks"),
        of(values["Cutover tasks done"], values["Cutover tasks"], "No tasks"),
        of(values["After go-live tasks done"], values["After go-live tasks"], "No tasks"),
        values["Overdue tasks"],
        of(values["Linked systems switched off"], values["Linked systems"], "No linked systems")
        + (
            f" ({values['Linked systems switched off early']} early)"
            if values["Linked systems switched off early"] != "0"
            else ""
        ),
        of(values["National services told"], values["National services"], "None"),
        sign_offs_text(values),
        values["Still to re-enter"],
    ]


def sign_offs_text(values: dict) -> str:
    def day(iso):
        return wording.show_date(datetime.date.fromisoformat(iso))

    parts = []
    if values["Data checking sign-off"]:
        parts.append(
            f"Data checking: {values['Data checking sign-off'].lower()} ({day(values['Data checking signed on'])})"
        )
    if values["Go-live signed off on"]:
        parts.append(f"go-live {day(values['Go-live signed off on'])}")
    if values["Close-out signed off on"]:
        parts.append(f"close-out {day(values['Close-out signed off on'])}")
    return "; ".join(parts) or "None yet"


def of(done: str, total: str, none: str) -> str:
    return f"{done} of {total}" if total != "0" else none


@pytest.mark.parametrize("params", [{}, {"sort": "-rag"}, {"q": "C1000", "sort": "practice"}, {"rag": "red"}])
def test_the_csv_holds_the_rows_the_page_shows_in_the_same_order(client, icb_user, wave, params):
    client.force_login(icb_user)
    params = {**params, **EVERY_COLUMN}
    page = page_table(client, params)
    header, *rows = csv_rows(client, params)
    assert header == columns.export_header()
    assert len(rows) == len(page) > 0
    for csv_row, page_row in zip(rows, page, strict=True):
        expected = expected_page_text(csv_row)
        for want, got in zip(expected, page_row, strict=True):
            if want is not None:  # "Not recorded (due …)" is page-only wording for an empty date
                assert got == want


def test_the_excel_file_holds_the_same_values_as_the_csv(client, icb_user, wave):
    client.force_login(icb_user)
    header, *rows = xlsx_rows(client, {"sort": "-fdp"})
    csv_header, *csv_body = csv_rows(client, {"sort": "-fdp"})
    assert list(header) == csv_header
    assert len(rows) == len(csv_body) == 4
    for excel_row, csv_row in zip(rows, csv_body, strict=True):
        as_text = [
            value.date().isoformat() if isinstance(value, datetime.datetime) else "" if value is None else str(value)
            for value in excel_row
        ]
        assert as_text == csv_row


def test_the_excel_file_has_real_dates_and_numbers(client, icb_user, wave):
    client.force_login(icb_user)
    header, *rows = xlsx_rows(client, {"q": "C10001"})
    row = dict(zip(header, rows[0], strict=True))
    assert row["FDP"].date() == TODAY + datetime.timedelta(days=10)
    assert row["Days to FDP"] == 10
    assert row["RAG"] == "Red"


def test_exports_contain_every_filtered_row_not_just_the_first_page(client, icb_user, icb, suppliers, settings):
    settings.DASHBOARD_PAGE_SIZE = 5
    for n in range(12):
        migration_at(icb=icb, suppliers=suppliers, fdp_in=n)
    client.force_login(icb_user)
    assert len(csv_rows(client, {})) == 13
    assert len(xlsx_rows(client, {})) == 13
    assert len(csv_rows(client, {"q": "no such practice"})) == 1


def test_exports_are_scoped_like_the_page(client, manager, migration, wave):
    client.force_login(manager)
    _, *rows = csv_rows(client, EVERY_COLUMN)
    assert [row[1] for row in rows] == [migration.practice.ods_code]


@pytest.mark.parametrize("name", ['=HYPERLINK("http://evil.example")', "+SUM(A1)", "-2+3", "@cmd", "\tTabbed"])
def test_spreadsheet_formulas_in_practice_names_are_never_run(client, icb_user, icb, suppliers, name):
    migration_at(icb=icb, suppliers=suppliers, name=name, ods_code="E66666")
    client.force_login(icb_user)
    _, row = csv_rows(client, {"q": "E66666"})
    assert row[0] == "'" + name
    _, excel_row = xlsx_rows(client, {"q": "E66666"})
    assert excel_row[0] == name  # kept as it is, but stored as text


def test_the_excel_cell_for_a_formula_like_name_is_text(client, icb_user, icb, suppliers):
    migration_at(icb=icb, suppliers=suppliers, name="=1+1", ods_code="E66667")
    client.force_login(icb_user)
    response = client.get(XLSX, {"q": "E66667"})
    sheet = load_workbook(io.BytesIO(response.content))["Migrations"]
    assert sheet["A2"].value == "=1+1"
    assert sheet["A2"].data_type == "s"


# 0x0B is Word's soft line break; the others arrive in names pasted from other programs or imported.
CONTROL_NAMES = ["Ash\x0bgrove Surgery", "Beech\x01House", "=Cedar\x1f\x0cPractice", "Elm\x7fTree\x85"]


@pytest.mark.parametrize("name", CONTROL_NAMES)
def test_a_name_holding_a_control_character_still_downloads_in_both_formats(client, icb_user, icb, suppliers, name):
    migration_at(icb=icb, suppliers=suppliers, name=name, ods_code="E66668")
    client.force_login(icb_user)
    assert client.get(XLSX, {"q": "E66668"}).status_code == 200
    _, (excel_name, *_) = xlsx_rows(client, {"q": "E66668"})
    _, csv_row = csv_rows(client, {"q": "E66668"})
    for text in (excel_name, csv_row[0]):
        assert not [char for char in text if ord(char) < 32 and char not in "\t\n\r"]
        assert not [char for char in text if 0x7F <= ord(char) <= 0x9F]
    # Line breaks stay line breaks; a formula stays text in Excel and is quoted in the CSV.
    expected = {
        CONTROL_NAMES[0]: "Ash\ngrove Surgery",
        CONTROL_NAMES[1]: "BeechHouse",
        CONTROL_NAMES[2]: "=Cedar\nPractice",
        CONTROL_NAMES[3]: "ElmTree",
    }[name]
    assert excel_name == expected
    assert csv_row[0] == ("'" + expected if expected.startswith("=") else expected)


def test_the_downloads_count_tasks_linked_systems_and_re_entry_as_numbers(client, icb_user, wave):
    cedar = wave[2]
    add_task(cedar, phase=Phase.PREPARATION, status=Task.Status.DONE, due_in=-5)
    add_task(cedar, phase=Phase.PREPARATION, due_in=-5)
    add_task(cedar, phase=Phase.AFTER_GO_LIVE, due_in=9)
    add_system(cedar, switched_off=True)
    add_system(cedar, not_applicable=True)
    add_system(cedar)
    add_entry(cedar, recorded=-1)
    add_entry(cedar, recorded=-1)
    client.force_login(icb_user)
    expected = {
        "Preparation tasks done": 1,
        "Preparation tasks": 2,
        "Cutover tasks done": 0,
        "Cutover tasks": 0,
        "After go-live tasks done": 0,
        "After go-live tasks": 1,
        "Overdue tasks": 1,
        "Linked systems switched off": 1,
        "Linked systems": 2,
        "Still to re-enter": 2,
        "RAG": "Red",
    }
    header, row = xlsx_rows(client, {"q": "C10003", **EVERY_COLUMN})
    excel = dict(zip(header, row, strict=True))
    assert {name: excel[name] for name in expected} == expected
    header, row = csv_rows(client, {"q": "C10003", **EVERY_COLUMN})
    from_csv = dict(zip(header, row, strict=True))
    assert {name: from_csv[name] for name in expected} == {name: str(value) for name, value in expected.items()}
    assert from_csv["Why"].startswith("1 linked system not confirmed switched off (1 of 2 off)")
