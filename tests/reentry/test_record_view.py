"""The recording page, as the person at the desk uses it."""

import datetime
import re
import uuid

import pytest
from django.urls import reverse

from reentry.models import Entry, Kind

from .conftest import FDP, GO_LIVE

pytestmark = pytest.mark.django_db


def url(migration):
    return reverse("reentry-record", args=[migration.pk])


def consultation(**fields):
    return {
        "kind": Kind.CONSULTATION,
        "nhs_number": "943 476 5919",
        "occurred_at": "2026-11-25T09:45",
        "summary": "Asthma review, inhaler changed",
        "token": str(uuid.uuid4()),
    } | fields


def test_before_fdp_the_page_says_when_recording_opens(client, staff, cutover, before_fdp):
    client.force_login(staff)
    response = client.get(url(cutover))
    assert response.status_code == 200
    assert "Recording opens on FDP day, <strong>23 Nov 2026</strong>" in response.text
    assert "<form" not in response.text.split('id="maincontent"')[1].split("</main>")[0]


def test_before_fdp_a_post_saves_nothing(client, staff, cutover, before_fdp):
    client.force_login(staff)
    response = client.post(url(cutover), consultation(occurred_at="2026-11-20T09:00"))
    assert response.status_code == 200
    assert not Entry.objects.exists()


def test_on_fdp_day_the_form_opens_with_the_kind_focused_and_the_time_set_to_now(client, staff, cutover):
    import time_machine

    from ..factories import at

    with time_machine.travel(at(FDP, 8, 3), tick=False):
        client.force_login(staff)
        response = client.get(url(cutover))
    assert response.status_code == 200
    form = response.context["form"]
    assert form["kind"].field.widget.attrs["autofocus"] is True
    assert 'value="2026-11-23T08:03"' in response.text
    assert re.search(r'<input type="hidden" name="token" value="[0-9a-f-]{36}"', response.text)
    assert "reentry/reentry.js" in response.text
    assert "<script>" not in response.text  # no inline scripts: the CSP will forbid them


def test_recording_a_consultation_saves_it_and_returns_an_empty_form(client, staff, cutover, during_cutover):
    client.force_login(staff)
    response = client.post(url(cutover), consultation(), follow=True)
    entry = Entry.objects.get()
    assert (entry.kind, entry.nhs_number, entry.recorded_by) == (Kind.CONSULTATION, "9434765919", staff)
    assert entry.occurred_at.isoformat() == "2026-11-25T09:45:00+00:00"
    assert response.redirect_chain == [(url(cutover), 302)]
    assert f"Recorded entry {entry.pk}: Consultation." in response.text
    assert response.context["form"]["nhs_number"].value() is None


def test_the_last_kind_is_chosen_for_the_next_entry(client, staff, cutover, during_cutover):
    client.force_login(staff)
    client.post(url(cutover), consultation(kind=Kind.TELEPHONE_CALL))
    response = client.get(url(cutover))
    assert response.context["form"]["kind"].value() == Kind.TELEPHONE_CALL
    assert '<option value="telephone_call" selected>' in response.text


def test_a_bad_nhs_number_is_explained_beside_the_field_and_everything_typed_is_kept(
    client, staff, cutover, during_cutover
):
    client.force_login(staff)
    data = consultation(nhs_number="943 476 5918", summary="Dressing changed on left leg")
    response = client.post(url(cutover), data)
    assert response.status_code == 200
    assert not Entry.objects.exists()
    field_html = response.text.split('id="div_id_nhs_number"')[1].split("</div>\n")[0:3]
    assert "last digit does not match" in "".join(field_html)
    assert 'value="943 476 5918"' in response.text
    assert "Dressing changed on left leg" in response.text
    assert f'value="{data["token"]}"' in response.text
    assert 'value="2026-11-25T09:45"' in response.text
    assert response.context["form"]["nhs_number"].field.widget.attrs.get("autofocus") is True
    assert "autofocus" not in response.context["form"]["kind"].field.widget.attrs


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"nhs_number": ""}, "nhs_number", "Enter the patient&#x27;s NHS number"),
        ({"nhs_number": "943 476 591"}, "nhs_number", "this one has 9"),
        ({"summary": ""}, "summary", "Say briefly what must be re-entered"),
        ({"occurred_at": "2026-11-22T23:00"}, "occurred_at", "must have happened during the cutover"),
        ({"occurred_at": "2026-11-25T11:00"}, "occurred_at", "cannot be in the future"),
        ({"occurred_at": "yesterday-ish"}, "occurred_at", "Enter a valid date/time."),
        ({"kind": "gossip"}, "kind", "Select a valid choice."),
        ({"token": "not-a-uuid"}, "__all__", "could not be matched to the page it came from"),
    ],
)
def test_bad_input_is_refused_with_a_clear_message_and_nothing_saved(
    client, staff, cutover, during_cutover, fields, field, message
):
    client.force_login(staff)
    response = client.post(url(cutover), consultation(**fields))
    assert response.status_code == 200
    assert message in response.text
    assert field in response.context["form"].errors
    assert not Entry.objects.exists()


def test_a_new_registration_takes_name_birth_date_and_address_and_ignores_a_stray_nhs_number(
    client, staff, cutover, during_cutover
):
    client.force_login(staff)
    response = client.post(
        url(cutover),
        consultation(
            kind=Kind.NEW_REGISTRATION,
            nhs_number="12",  # left over from the last patient: not this entry's field, so not an error
            patient_name="Jordan Fletcher",
            patient_date_of_birth="1988-04-12",
            patient_address="14 Mill Lane\r\nDemo Town",
            summary="",
        ),
    )
    assert response.status_code == 302
    entry = Entry.objects.get()
    assert (entry.nhs_number, entry.patient_name, entry.patient_date_of_birth) == (
        "",
        "Jordan Fletcher",
        datetime.date(1988, 4, 12),
    )
    assert entry.needs_gms_registration


def test_a_new_registration_without_its_details_says_which_are_missing(client, staff, cutover, during_cutover):
    client.force_login(staff)
    response = client.post(url(cutover), consultation(kind=Kind.NEW_REGISTRATION, nhs_number=""))
    errors = response.context["form"].errors
    assert set(errors) == {"patient_name", "patient_date_of_birth", "patient_address"}
    assert "Enter the new patient&#x27;s address." in response.text
    assert not Entry.objects.exists()


def test_a_birth_date_in_the_future_is_refused(client, staff, cutover, during_cutover):
    client.force_login(staff)
    response = client.post(
        url(cutover),
        consultation(
            kind=Kind.NEW_REGISTRATION,
            patient_name="Jordan Fletcher",
            patient_date_of_birth="2027-01-01",
            patient_address="14 Mill Lane",
        ),
    )
    assert response.context["form"].errors["patient_date_of_birth"] == ["The date of birth cannot be in the future."]


def test_a_dispensing_practice_records_stock(client, staff, dispensing_cutover, during_cutover):
    client.force_login(staff)
    response = client.get(url(dispensing_cutover))
    assert '<option value="dispensary_stock">Dispensary stock</option>' in response.text
    response = client.post(
        url(dispensing_cutover),
        consultation(
            kind=Kind.DISPENSARY_STOCK,
            stock_item="Amoxicillin 500 mg capsules",
            stock_quantity="300",
            stock_unit="capsules",
            summary="",
        ),
    )
    assert response.status_code == 302
    entry = Entry.objects.get()
    assert (entry.stock_item, entry.stock_quantity, entry.nhs_number) == ("Amoxicillin 500 mg capsules", 300, "")


def test_stock_needs_a_positive_quantity(client, staff, dispensing_cutover, during_cutover):
    client.force_login(staff)
    response = client.post(
        url(dispensing_cutover),
        consultation(kind=Kind.DISPENSARY_STOCK, stock_item="Amoxicillin", stock_quantity="0", stock_unit="capsules"),
    )
    assert "stock_quantity" in response.context["form"].errors
    assert not Entry.objects.exists()


def test_a_practice_that_does_not_dispense_is_not_offered_stock(client, staff, cutover, during_cutover):
    client.force_login(staff)
    response = client.get(url(cutover))
    assert "dispensary_stock" not in response.text
    assert "stock_item" not in response.text
    response = client.post(url(cutover), consultation(kind=Kind.DISPENSARY_STOCK))
    assert "Select a valid choice." in response.context["form"].errors["kind"][0]


def test_a_lost_token_is_replaced_so_the_next_submit_works(client, staff, cutover, during_cutover):
    client.force_login(staff)
    response = client.post(url(cutover), consultation(token=""))
    fresh = re.search(r'name="token" value="([0-9a-f-]{36})"', response.text).group(1)
    assert client.post(url(cutover), consultation(token=fresh)).status_code == 302
    assert Entry.objects.count() == 1


def test_a_double_submit_records_one_entry(client, staff, cutover, during_cutover):
    client.force_login(staff)
    data = consultation()
    first = client.post(url(cutover), data)
    second = client.post(url(cutover), data)
    assert (first.status_code, second.status_code) == (302, 302)
    assert Entry.objects.count() == 1


def test_after_go_live_a_paper_entry_keeps_its_written_date(client, staff, cutover, after_go_live):
    client.force_login(staff)
    response = client.get(url(cutover))
    assert "Key in a paper entry" in response.text
    form = response.context["form"]
    assert form["from_paper"].field.disabled
    assert "Cutover has ended, so anything recorded now is copied from paper" in response.text
    assert 'type="checkbox" name="from_paper"' not in response.text  # nothing to tick: always from paper now
    assert form["occurred_at"].value() is None
    client.post(url(cutover), consultation(occurred_at="2026-11-27T15:10"))
    entry = Entry.objects.get()
    assert entry.from_paper
    assert entry.occurred_at.isoformat() == "2026-11-27T15:10:00+00:00"


def test_a_paper_entry_dated_after_go_live_day_is_refused(client, staff, cutover, after_go_live):
    client.force_login(staff)
    response = client.post(url(cutover), consultation(occurred_at=f"{GO_LIVE + datetime.timedelta(days=1)}T08:00"))
    assert "occurred_at" in response.context["form"].errors
    assert not Entry.objects.exists()


def test_the_recording_page_refuses_other_methods(client, staff, cutover):
    client.force_login(staff)
    assert client.put(url(cutover)).status_code == 405
    assert client.delete(url(cutover)).status_code == 405


def test_nothing_typed_reaches_the_logs_or_the_flash_message(client, staff, cutover, during_cutover, caplog):
    client.force_login(staff)
    with caplog.at_level("DEBUG"):
        client.post(url(cutover), consultation(nhs_number="943 476 5918"))
        client.post(url(cutover), consultation(), follow=True)
    assert "5919" not in caplog.text and "5918" not in caplog.text
    assert "9434765919" not in str(client.cookies)


def test_patient_details_are_hidden_from_error_reports(client, staff, cutover, during_cutover):
    client.force_login(staff)
    response = client.post(url(cutover), consultation())
    hidden = response.wsgi_request.sensitive_post_parameters
    assert {"nhs_number", "patient_name", "patient_date_of_birth", "patient_address", "summary"} <= set(hidden)
