"""Reading and checking a wave file, row by row, without touching the database's contents."""

import datetime

import pytest

from dashboard.wave_file import UnreadableFile, checking, reading
from dashboard.wave_file.checking import check_rows, parse_date
from dashboard.wave_file.reading import read_table

from ..factories import DeliveryPartnerFactory, PracticeFactory, SupplierFactory
from .factories import HEADERS, TODAY, days, migration_at, wave_csv, wave_row, wave_xlsx

pytestmark = pytest.mark.django_db


def check(content: bytes, organisation, fmt: str = "csv") -> list[checking.CheckedRow]:
    return list(check_rows(read_table(content, fmt), organisation=organisation, today=TODAY))


def only(rows):
    (row,) = rows
    return row


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2027-03-01", datetime.date(2027, 3, 1)),
        ("01/03/2027", datetime.date(2027, 3, 1)),
        ("1/3/2027", datetime.date(2027, 3, 1)),
        ("1 Mar 2027", datetime.date(2027, 3, 1)),
        ("1 March 2027", datetime.date(2027, 3, 1)),
        (" 1  mar 2027 ", datetime.date(2027, 3, 1)),
        (datetime.datetime(2027, 3, 1, 0, 0), datetime.date(2027, 3, 1)),
    ],
)
def test_dates_are_read_in_the_forms_people_write_them(text, expected):
    assert parse_date(text) == expected


@pytest.mark.parametrize("text", ["03/01/27", "2027/03/01", "March 1st 2027", "31/02/2027", "next week", "46082"])
def test_dates_in_other_forms_are_refused(text):
    with pytest.raises(ValueError):
        parse_date(text)


def test_a_valid_row_for_a_new_practice_has_no_problems(icb, suppliers):
    row = only(check(wave_csv([wave_row(1)]), icb))
    assert row.errors == [] and row.warnings == []
    assert row.new_practice
    assert (row.ods_code, row.dispensing, row.fdp_date) == ("W00001", False, days(60))
    assert row.current_supplier == suppliers[0] and row.new_supplier == suppliers[1]
    assert row.display["fdp_date"] == "25 Jan 2027"
    assert row.line == 2


@pytest.mark.parametrize(
    ("overrides", "error"),
    [
        ({"ODS code": "A8100"}, "ODS code 'A8100' is not a practice code"),
        ({"ODS code": "81001A"}, "ODS code '81001A' is not a practice code"),
        ({"ODS code": ""}, "ODS code is missing."),
        ({"Practice name": ""}, "Practice name is missing."),
        ({"Dispensing": "sometimes"}, "Dispensing: write yes or no, not 'sometimes'."),
        ({"FDP date": "31/02/2027"}, "FDP date: we cannot read '31/02/2027'. Write it like 2027-03-01"),
        ({"Go-live date": "soon"}, "Go-live date: we cannot read 'soon'."),
        ({"Go-live date": days(50).isoformat()}, "Go-live must be after the FDP date."),
        ({"Go-live date": days(60).isoformat()}, "Go-live must be after the FDP date."),
        ({"FDP date": days(-1).isoformat()}, "FDP 25 Nov 2026 is in the past"),
        ({"Current supplier": "EMSI Health"}, "Current supplier 'EMSI Health' is not a clinical system supplier"),
        ({"New supplier": "Nobody Ltd"}, "New supplier 'Nobody Ltd' is not a clinical system supplier"),
        ({"Practice manager email": "not-an-email"}, "Practice manager email 'not-an-email' is not an email"),
        ({"Current system": "x" * 101}, "Current system is longer than 100 characters."),
    ],
)
def test_each_kind_of_row_error_is_explained(icb, suppliers, overrides, error):
    row = only(check(wave_csv([wave_row(1, **overrides)]), icb))
    assert any(message.startswith(error) for message in row.errors), row.errors


def test_an_ods_code_of_another_icbs_practice_is_an_error(icb, other_practice, suppliers):
    row = only(check(wave_csv([wave_row(1, **{"ODS code": other_practice.ods_code})]), icb))
    assert row.errors == [
        f"ODS code {other_practice.ods_code} is registered to a practice of another ICB. Check the code."
    ]


def test_a_practice_with_an_active_migration_is_an_error(icb, practice, migration):
    row = only(check(wave_csv([wave_row(1, **{"ODS code": practice.ods_code, "Practice name": practice.name})]), icb))
    assert row.errors == [
        f"This practice already has an active migration (FDP {migration.fdp_date:%-d %b %Y}). "
        "Leave this row out, or close that migration first."
    ]


def test_a_registered_practice_of_the_icb_is_used_and_differences_are_warned(icb, practice, suppliers):
    row = only(
        check(
            wave_csv([wave_row(1, **{"ODS code": "a81001", "Practice name": "Riverside MC", "Dispensing": "yes"})]), icb
        )
    )
    assert row.errors == []
    assert row.practice == practice and not row.new_practice
    assert row.warnings == [
        "Registered as 'Riverside Medical Centre': that name is kept.",
        "Registered as a non-dispensing practice: that is kept.",
    ]


def test_duplicate_rows_in_the_file_are_errors_on_the_later_rows(icb, suppliers):
    rows = check(wave_csv([wave_row(1), wave_row(2), wave_row(1, **{"Practice name": "Again"}), wave_row(1)]), icb)
    assert [row.errors for row in rows[:2]] == [[], []]
    assert rows[2].errors == ["ODS code W00001 is also on row 2: keep one row per practice."]
    assert rows[3].errors == ["ODS code W00001 is also on row 2: keep one row per practice."]


def test_fdp_less_than_four_weeks_away_is_a_warning_not_an_error(icb, suppliers):
    row = only(
        check(wave_csv([wave_row(1, **{"FDP date": days(20).isoformat(), "Go-live date": days(27).isoformat()})]), icb)
    )
    assert row.errors == []
    assert row.warnings == [
        "FDP is in 20 days: the planning meeting deadline (18 Nov 2026) has passed, so it can no longer be held "
        "4 weeks before FDP."
    ]


def test_a_key_date_on_a_weekend_or_bank_holiday_is_a_warning_that_names_the_day(icb, suppliers):
    # days(30) is Sat 26 Dec 2026 (Boxing Day); days(32) is Mon 28 Dec 2026, its bank holiday.
    row = only(
        check(wave_csv([wave_row(1, **{"FDP date": days(30).isoformat(), "Go-live date": days(32).isoformat()})]), icb)
    )
    assert row.errors == []
    assert row.warnings[-2:] == [
        "FDP: Sat 26 Dec 2026 is Boxing Day. Check suppliers and staff will be at work.",
        "Go-live: Mon 28 Dec 2026 is the bank holiday for Boxing Day, moved from the weekend. Check suppliers "
        "and staff will be at work.",
    ]


@pytest.mark.parametrize(
    ("overrides", "error"),
    [
        ({"FDP date": "9999-12-30", "Go-live date": "9999-12-31"}, "FDP date: 30 Dec 9999 is not a plannable date."),
        ({"Go-live date": "9999-12-31"}, "Go-live date: 31 Dec 9999 is not a plannable date."),
    ],
)
def test_dates_at_the_end_of_the_calendar_are_row_errors_not_failures(icb, suppliers, overrides, error):
    row = only(check(wave_csv([wave_row(1, **overrides)]), icb))
    assert any(message.startswith(error) for message in row.errors), row.errors


def test_a_long_cutover_is_a_warning(icb, suppliers):
    row = only(check(wave_csv([wave_row(1, **{"Go-live date": days(90).isoformat()})]), icb))
    assert row.errors == []
    assert row.warnings[0].startswith("The cutover lasts 30 days, longer than the usual 21")


def test_a_manager_named_without_an_email_is_a_warning(icb, suppliers):
    row = only(check(wave_csv([wave_row(1, **{"Practice manager email": ""})]), icb))
    assert row.warnings == ["No email for the practice manager, so nobody can be invited."]


def test_suppliers_match_whatever_the_capitals(icb, suppliers):
    row = only(check(wave_csv([wave_row(1, **{"Current supplier": " emis   HEALTH ", "New supplier": "tpp"})]), icb))
    assert row.errors == []
    assert row.display["current_supplier"] == "EMIS Health"


def test_an_unknown_supplier_lists_the_known_ones_but_other_kinds_of_organisation_do_not_count(icb, suppliers):
    SupplierFactory(name="Medicus Health")
    row = only(check(wave_csv([wave_row(1, **{"New supplier": icb.name})]), icb))
    assert "(known: EMIS Health, Medicus Health, TPP)" in row.errors[0]


def test_a_delivery_partner_imports_only_practices_it_covers(practice, other_practice, suppliers):
    partner = practice.delivery_partner
    rows = check(
        wave_csv(
            [
                wave_row(1, **{"ODS code": practice.ods_code, "Practice name": practice.name}),
                wave_row(2, **{"ODS code": other_practice.ods_code, "Practice name": other_practice.name}),
                wave_row(3),
            ]
        ),
        partner,
    )
    assert rows[0].errors == [] and rows[0].practice == practice
    assert rows[1].errors == [f"The practice with ODS code {other_practice.ods_code} is not one that {partner} covers."]
    assert rows[2].errors[0].startswith("No practice with ODS code W00003 is registered. A delivery partner can import")


def test_columns_may_come_in_any_order_with_other_names_and_extra_columns(icb, suppliers):
    headers = ["Notes", *reversed(HEADERS)]
    renamed = [h.replace("ODS code", "ods_code").replace("Go-live date", "GO LIVE") for h in headers]
    rows = [{**wave_row(1), "Notes": "first of the wave"}]
    content = wave_csv([{renamed[headers.index(k)]: v for k, v in row.items()} for row in rows], renamed)
    assert only(check(content, icb)).errors == []


def test_missing_columns_make_the_file_unreadable(icb):
    headers = [h for h in HEADERS if h not in {"FDP date", "New supplier"}]
    with pytest.raises(UnreadableFile, match=r"Missing: New supplier, FDP date\."):
        read_table(wave_csv([wave_row(1)], headers), "csv")


def test_a_column_given_twice_makes_the_file_unreadable():
    with pytest.raises(UnreadableFile, match="'FDP date' appears twice"):
        read_table(wave_csv([], [*HEADERS, "FDP"]), "csv")


@pytest.mark.parametrize(
    ("content", "fmt", "message"),
    [
        (b"", "csv", "This file is empty."),
        (wave_csv([]), "csv", "no practices"),
        (b"PK\x03\x04 not really a zip", "xlsx", "not an Excel .xlsx file"),
        (b"ODS code,Practice name\n", "xlsx", "not an Excel .xlsx file"),
    ],
)
def test_empty_or_damaged_files_are_unreadable(content, fmt, message):
    with pytest.raises(UnreadableFile, match=message):
        read_table(content, fmt)


def test_blank_lines_are_skipped_and_row_numbers_match_the_spreadsheet(icb, suppliers):
    content = wave_csv([wave_row(1)]) + b",,,,,,,,,,\n\n" + wave_csv([wave_row(2)]).split(b"\n", 1)[1]
    rows = check(content, icb)
    assert [row.line for row in rows] == [2, 5]


def test_an_excel_file_is_read_with_its_real_dates(icb, suppliers):
    content = wave_xlsx([wave_row(1, **{"FDP date": datetime.datetime(2027, 1, 25), "Go-live date": "01/02/2027"})])
    row = only(check(content, icb, "xlsx"))
    assert row.errors == []
    assert (row.fdp_date, row.go_live_date) == (datetime.date(2027, 1, 25), datetime.date(2027, 2, 1))


def test_a_windows_csv_is_read(icb, suppliers):
    content = wave_csv([wave_row(1, **{"Practice name": "Café Surgery"})]).decode().encode("cp1252")
    assert only(check(content, icb)).practice_name == "Café Surgery"


def test_inspect_counts_rows_and_refuses_too_many(settings):
    assert reading.inspect(wave_csv([wave_row(n) for n in range(5)]), "csv") == 5
    assert reading.inspect(wave_xlsx([wave_row(n) for n in range(5)]), "xlsx") == 5
    settings.IMPORT_MAX_ROWS = 3
    with pytest.raises(UnreadableFile, match="at most 3"):
        reading.inspect(wave_csv([wave_row(n) for n in range(5)]), "csv")


def test_a_new_practice_takes_its_delivery_partner_by_name_or_ods_code(icb, suppliers):
    partner = DeliveryPartnerFactory(name="North of England CSU", ods_code="0AR")
    by_name, by_code = check(
        wave_csv(
            [wave_row(1, **{"Delivery partner": "north of england csu"}), wave_row(2, **{"Delivery partner": "0ar"})]
        ),
        icb,
    )
    assert by_name.errors == by_code.errors == []
    assert by_name.delivery_partner == by_code.delivery_partner == partner
    assert by_name.display["delivery_partner"] == "North of England CSU"


def test_an_unknown_delivery_partner_is_an_error(icb, suppliers):
    DeliveryPartnerFactory(name="North of England CSU")
    row = only(check(wave_csv([wave_row(1, **{"Delivery partner": "Nowhere CSU"})]), icb))
    (error,) = row.errors
    assert error.startswith("Delivery partner 'Nowhere CSU' is not an IT delivery partner we know (known: ")
    assert "North of England CSU" in error and error.endswith(
        "Correct the spelling, or ask an administrator to add it."
    )


def test_a_registered_practice_keeps_its_delivery_partner(icb, practice, suppliers):
    other = DeliveryPartnerFactory(name="Elsewhere CSU")
    row = only(check(wave_csv([wave_row(1, **{"ODS code": practice.ods_code, "Delivery partner": other.name})]), icb))
    assert row.errors == [] and row.delivery_partner is None
    registered = practice.delivery_partner.name if practice.delivery_partner else "no delivery partner"
    assert f"Registered with {registered}: that is kept." in row.warnings


def test_checking_a_long_file_takes_a_fixed_number_of_queries(icb, suppliers, django_assert_num_queries):
    PracticeFactory(icb=icb, ods_code="W00003")
    migration_at(icb=icb, suppliers=suppliers, practice=PracticeFactory(icb=icb, ods_code="W00004"))
    table = read_table(wave_csv([wave_row(n) for n in range(1, 1201)]), "csv")
    # Suppliers and delivery partners once; practices and active migrations once per 500 ODS codes.
    with django_assert_num_queries(2 + 2 * 3):
        rows = list(check_rows(table, organisation=icb, today=TODAY))
    assert sum(1 for row in rows if row.errors) == 1
    assert sum(1 for row in rows if not row.new_practice) == 2


def test_a_partner_without_practices_gets_one_error_per_row(suppliers):
    partner = DeliveryPartnerFactory()
    rows = check(wave_csv([wave_row(1), wave_row(2)]), partner)
    assert all(len(row.errors) == 1 for row in rows)
