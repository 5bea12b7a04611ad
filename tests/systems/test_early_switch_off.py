"""Links confirmed switched off before the switch-off window opens: a reason, and "early" everywhere.

Every date is built from the frozen today, Thursday 26 Nov 2026 (10:00 London): FDP is 12 days on,
Tuesday 8 Dec, so the switch-off window is Friday 4 and Monday 7 Dec.
"""

import datetime as dt

import pytest
import time_machine
from django.db import IntegrityError, transaction
from django.urls import reverse

from cutover.models import Migration
from cutover.timeline import switch_off_window
from dashboard import annotations, columns, rag
from practices.models import ThirdPartyState
from systems.third_party import EarlyReasonNeeded, third_party_step_record, third_party_step_undo

from ..factories import MigrationFactory, ThirdPartySystemFactory, at

pytestmark = pytest.mark.django_db
Step = ThirdPartyState.Step
HTMX = {"HTTP_HX_REQUEST": "true"}
REASON = "The supplier switches links off only on Thursdays; results come by email until FDP."


@pytest.fixture
def today():
    day = dt.date(2026, 11, 26)
    with time_machine.travel(at(day), tick=False):
        yield day


@pytest.fixture
def migration(today, practice, suppliers):
    return MigrationFactory(
        practice=practice,
        current_supplier=suppliers[0],
        new_supplier=suppliers[1],
        fdp_date=today + dt.timedelta(days=12),
        go_live_date=today + dt.timedelta(days=19),
        planning_meeting_date=today - dt.timedelta(days=20),  # so the meeting rule leaves the row alone
    )


@pytest.fixture
def docman(practice):
    return ThirdPartySystemFactory(practice=practice, name="Docman")


@pytest.fixture
def pathology(practice):
    return ThirdPartySystemFactory(practice=practice, name="Pathology results link")


def step_url(migration, system) -> str:
    return reverse("system-step", args=[migration.pk, system.pk])


def switch_off(client, migration, system, reason=None, **extra):
    data = {"step": "switched_off", "action": "record"}
    if reason is not None:
        data["reason"] = reason
    return client.post(step_url(migration, system), data, **extra)


def dashboard_row(migration, today) -> columns.Row:
    annotated = annotations.annotate_dashboard(Migration.objects.filter(pk=migration.pk), today).get()
    return columns.Row(migration=annotated, today=today)


# --- The rule ---------------------------------------------------------------------------------------


def test_the_window_opens_after_today(migration, today):
    first, last = switch_off_window(migration.fdp_date)
    assert today < first < last < migration.fdp_date


def test_a_switch_off_before_the_window_needs_a_reason_and_nothing_is_saved(migration, docman, it_lead):
    with pytest.raises(EarlyReasonNeeded, match=r"due off between 4 Dec 2026 and 7 Dec 2026\. Say why"):
        third_party_step_record(migration=migration, system=docman, step=Step.SWITCHED_OFF, by=it_lead, reason="  ")
    assert not ThirdPartyState.objects.exists()


def test_with_a_reason_it_is_recorded_as_early_with_who_and_why(migration, docman, it_lead):
    state = third_party_step_record(
        migration=migration, system=docman, step=Step.SWITCHED_OFF, by=it_lead, reason=REASON
    )
    assert (state.switched_off_early, state.switched_off_early_reason, state.switched_off_late) == (True, REASON, False)
    record = state.history.latest()
    assert (record.history_user, record.switched_off_early_reason) == (it_lead, REASON)


def test_from_the_first_day_of_the_window_no_reason_is_asked(migration, docman, it_lead):
    first, _ = switch_off_window(migration.fdp_date)
    with time_machine.travel(at(first), tick=False):
        state = third_party_step_record(migration=migration, system=docman, step=Step.SWITCHED_OFF, by=it_lead)
    assert (state.switched_off_early, state.switched_off_late) == (False, False)


def test_after_fdp_it_stays_late_and_a_reason_typed_anyway_is_not_kept(migration, docman, it_lead):
    with time_machine.travel(at(migration.fdp_date + dt.timedelta(days=1)), tick=False):
        state = third_party_step_record(
            migration=migration, system=docman, step=Step.SWITCHED_OFF, by=it_lead, reason=REASON
        )
    assert (state.switched_off_late, state.switched_off_early, state.switched_off_early_reason) == (True, False, "")


def test_taking_it_back_clears_early_and_its_reason(migration, docman, it_lead):
    third_party_step_record(migration=migration, system=docman, step=Step.SWITCHED_OFF, by=it_lead, reason=REASON)
    state = third_party_step_undo(migration=migration, system=docman, step=Step.SWITCHED_OFF, by=it_lead)
    assert (state.switched_off_at, state.switched_off_early, state.switched_off_early_reason) == (None, False, "")


def test_the_database_refuses_early_without_a_reason_or_both_early_and_late(migration, docman, it_lead):
    state = third_party_step_record(
        migration=migration, system=docman, step=Step.SWITCHED_OFF, by=it_lead, reason=REASON
    )
    for changes in ({"switched_off_early_reason": ""}, {"switched_off_late": True}):
        with pytest.raises(IntegrityError), transaction.atomic():
            ThirdPartyState.objects.filter(pk=state.pk).update(**changes)  # Audit: a test of the constraint


# --- The systems page -------------------------------------------------------------------------------


def test_before_the_window_the_page_asks_why_instead_of_a_one_click_button(client, staff, migration, docman):
    client.force_login(staff)
    page = client.get(reverse("systems", args=[migration.pk])).content.decode()
    assert "Due from 4 Dec 2026" in page
    assert "Already switched off?" in page
    assert f'id="early-reason-{docman.pk}" name="reason"' in page
    assert ">Confirm switched off<" not in page


def test_staff_confirm_early_with_a_reason_without_javascript_and_the_page_says_early(client, staff, migration, docman):
    client.force_login(staff)
    response = switch_off(client, migration, docman, REASON, follow=True)
    page = response.content.decode()
    assert "Recorded: links switched off for Docman." in page
    assert "Switched off early</strong>" in page
    assert f"Why: {REASON}" in page
    state = ThirdPartyState.objects.get()
    assert (state.switched_off_by, state.switched_off_early) == (staff, True)


def test_the_manager_confirms_early_with_htmx_and_gets_the_row(client, manager, migration, docman):
    client.force_login(manager)
    response = switch_off(client, migration, docman, REASON, **HTMX)
    row = response.content.decode()
    assert response.status_code == 200
    assert row.lstrip().startswith(f'<tr id="system-{docman.pk}"')
    assert "Switched off early</strong>" in row
    assert ThirdPartyState.objects.get().switched_off_early_reason == REASON


@pytest.mark.parametrize("reason", [None, "", "   "])
def test_without_a_reason_the_page_shows_the_error_beside_the_field_and_saves_nothing(
    client, staff, migration, docman, reason
):
    client.force_login(staff)
    response = switch_off(client, migration, docman, reason)
    assert response.status_code == 400
    page = response.content.decode()
    assert '<details class="nhsuk-details system-action" open>' in page
    error = f'id="early-reason-{docman.pk}-error" class="nhsuk-error-message">'
    assert error + '<span class="nhsuk-u-visually-hidden">Error: </span>Links to Docman are due off between' in page
    assert not ThirdPartyState.objects.exists()


def test_without_a_reason_htmx_gets_the_row_back_with_the_error(client, it_lead, migration, docman):
    client.force_login(it_lead)
    response = switch_off(client, migration, docman, "", **HTMX)
    row = response.content.decode()
    assert response.status_code == 200
    assert row.lstrip().startswith(f'<tr id="system-{docman.pk}"')
    assert 'aria-invalid="true"' in row and "Say why they are being switched off before then" in row
    assert not ThirdPartyState.objects.exists()


def test_a_reason_too_long_is_refused_and_kept_for_editing(client, staff, migration, docman):
    client.force_login(staff)
    response = switch_off(client, migration, docman, "x" * 501)
    assert response.status_code == 400
    assert "Keep the reason to 500 characters." in response.content.decode()
    assert not ThirdPartyState.objects.exists()


@pytest.mark.parametrize("role", ["icb_user", "partner_user"])
def test_icb_and_partner_users_cannot_confirm(client, request, role, migration, docman):
    client.force_login(request.getfixturevalue(role))
    assert switch_off(client, migration, docman, REASON).status_code == 403
    assert not ThirdPartyState.objects.exists()


def test_another_practice_gets_a_404(client, outsider, migration, docman):
    client.force_login(outsider)
    assert switch_off(client, migration, docman, REASON).status_code == 404
    assert not ThirdPartyState.objects.exists()


def test_anonymous_people_are_sent_to_sign_in(client, migration, docman):
    response = switch_off(client, migration, docman, REASON)
    assert response.status_code == 302 and response.url.startswith(reverse("login"))
    assert not ThirdPartyState.objects.exists()


def test_the_step_address_refuses_get(client, manager, migration, docman):
    client.force_login(manager)
    assert client.get(step_url(migration, docman)).status_code == 405


# --- The dashboard ----------------------------------------------------------------------------------


def test_the_dashboard_names_an_early_switch_off_and_is_amber_until_fdp(migration, docman, pathology, it_lead, today):
    third_party_step_record(migration=migration, system=docman, step=Step.SWITCHED_OFF, by=it_lead, reason=REASON)
    row = dashboard_row(migration, today)
    assert columns.COLUMN_BY_KEY["switched-off"].text(row) == "1 of 2 (1 early)"
    assert row.rag == rag.AMBER
    assert row.reasons == [
        "1 linked system switched off early, before the switch-off window opens on 4 Dec 2026; "
        "see the reason on the practice's third-party systems page."
    ]
    values = dict(zip(columns.export_header(), columns.export_values(row), strict=True))
    assert (values["Linked systems switched off"], values["Linked systems switched off early"]) == (1, 1)

    # On FDP every link should be off anyway: early no longer colours the row (the other one still does, red).
    on_fdp = dashboard_row(migration, migration.fdp_date)
    assert "systems_switched_off_early" not in [r.key for r in rag.RAG_RULES if getattr(on_fdp.migration, r.flag)]
    assert columns.COLUMN_BY_KEY["switched-off"].text(on_fdp) == "1 of 2 (1 early)"


def test_a_switch_off_in_the_window_is_counted_as_normal(migration, docman, it_lead, today):
    first, _ = switch_off_window(migration.fdp_date)
    with time_machine.travel(at(first), tick=False):
        third_party_step_record(migration=migration, system=docman, step=Step.SWITCHED_OFF, by=it_lead)
    row = dashboard_row(migration, first)
    assert columns.COLUMN_BY_KEY["switched-off"].text(row) == "1 of 1"
    assert row.rag == rag.GREEN


def test_the_dashboard_links_the_count_to_the_systems_page(client, icb_user, migration, docman, it_lead):
    third_party_step_record(migration=migration, system=docman, step=Step.SWITCHED_OFF, by=it_lead, reason=REASON)
    client.force_login(icb_user)
    page = client.get(reverse("dashboard")).content.decode()
    assert f'<a href="{reverse("systems", args=[migration.pk])}">1 of 1 (1 early)</a>' in page
    systems_page = client.get(reverse("systems", args=[migration.pk])).content.decode()
    assert f"Why: {REASON}" in systems_page


def test_an_early_reason_holding_a_control_character_is_refused_and_one_typed_decomposed_is_stored_composed(
    client, staff, migration, docman
):
    client.force_login(staff)
    response = switch_off(client, migration, docman, "Docman\x0b only switches off on Tuesdays")
    assert "This text holds a control character (U+000B)" in response.content.decode()
    assert not ThirdPartyState.objects.filter(switched_off_at__isnull=False).exists()
    switch_off(client, migration, docman, "Cafe\u0301 rota: Docman only switches off on Tuesdays")
    assert ThirdPartyState.objects.get().switched_off_early_reason.startswith("Caf\u00e9 rota")
