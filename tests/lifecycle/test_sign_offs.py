"""Sign-offs: the clinical lead's go or no-go on the data, go-live and close-out."""

import datetime as dt

import pytest
from django.urls import reverse

from coordinator import services
from cutover.formatting import day_text
from lifecycle.closing import migration_cancel, migration_complete
from lifecycle.models import SignOff
from practices.models import PracticeMembership
from tasks.models import TaskDueDateChange

from ..factories import (
    MigrationFactory,
    PracticeFactory,
    PracticeMembershipFactory,
    UserFactory,
    at,
    working_day_in,
)
from ..tasks.factories import load_plan_template

pytestmark = pytest.mark.django_db


@pytest.fixture
def clinical_lead(practice):
    return PracticeMembershipFactory(
        practice=practice,
        role=PracticeMembership.Role.PRACTICE_STAFF,
        is_clinical_lead=True,
        user=UserFactory(email="dr.lead@riverside.example", first_name="Asha", last_name="Rao"),
    ).user


@pytest.fixture
def planned(practice, suppliers, manager):
    load_plan_template()
    return services.migration_create(
        practice=practice,
        current_system="EMIS Web",
        current_supplier=suppliers[0],
        new_system="TPP SystmOne",
        new_supplier=suppliers[1],
        fdp_date=working_day_in(30),
        go_live_date=working_day_in(37),
        by=manager,
    )


def url(name, migration):
    return reverse(name, args=[migration.pk])


def test_the_clinical_lead_signs_off_the_data_as_go(client, clinical_lead, planned):
    client.force_login(clinical_lead)
    response = client.post(
        url("signoff-data-checking", planned),
        {"decision": "go", "reports_compared": "QOF and list size match", "comment": "20 patients checked"},
    )
    assert response.status_code == 302
    sign_off = SignOff.objects.get(migration=planned)
    assert (sign_off.kind, sign_off.decision, sign_off.signed_by) == ("data_checking", "go", clinical_lead)
    page = client.get(planned.get_absolute_url()).content.decode()
    assert "20 patients checked" in page and "Asha Rao" in page
    # A second go is refused: data checking has its sign-off.
    assert "was signed off on" in client.get(url("signoff-data-checking", planned)).content.decode()


@pytest.mark.parametrize("who", ["manager", "staff", "it_lead", "superuser", "icb_user"])
def test_only_the_clinical_lead_may_sign_off_the_data(client, request, who, planned):
    client.force_login(request.getfixturevalue(who))
    response = client.post(url("signoff-data-checking", planned), {"decision": "go"})
    assert response.status_code == 403
    assert not SignOff.objects.exists()


def test_a_no_go_without_a_reason_or_new_dates_is_refused_and_changes_nothing(client, clinical_lead, planned):
    client.force_login(clinical_lead)
    response = client.post(url("signoff-data-checking", planned), {"decision": "no_go"})
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert errors["comment"] and errors["new_fdp_date"] and errors["new_go_live_date"]
    assert not SignOff.objects.exists()
    fdp = planned.fdp_date
    planned.refresh_from_db()
    assert planned.fdp_date == fdp


def test_a_no_go_moves_fdp_go_live_and_the_plan_with_the_reason(client, clinical_lead, planned):
    new_fdp, new_go_live = working_day_in(51), working_day_in(58)
    before = planned.tasks.get(template_item__key="data-signoff").due_date
    client.force_login(clinical_lead)
    response = client.post(
        url("signoff-data-checking", planned),
        {
            "decision": "no_go",
            "comment": "Repeat prescriptions lost their dosage",
            "open_issues": "Supplier ticket open",
            "new_fdp_date": new_fdp.isoformat(),
            "new_go_live_date": new_go_live.isoformat(),
        },
    )
    assert response.status_code == 302
    planned.refresh_from_db()
    assert (planned.fdp_date, planned.go_live_date) == (new_fdp, new_go_live)
    moved = planned.tasks.get(template_item__key="data-signoff")
    assert moved.due_date > before
    change = TaskDueDateChange.objects.get(task=moved)
    assert change.reason.startswith("Data checking no-go: Repeat prescriptions lost their dosage. FDP moved from")
    # The clinical lead can sign off again once the data is rechecked.
    assert client.post(url("signoff-data-checking", planned), {"decision": "go"}).status_code == 302
    assert list(SignOff.objects.values_list("decision", flat=True)) == ["no_go", "go"]


def test_a_no_go_cannot_bring_fdp_forward(client, clinical_lead, planned):
    client.force_login(clinical_lead)
    response = client.post(
        url("signoff-data-checking", planned),
        {
            "decision": "no_go",
            "comment": "Not ready",
            "new_fdp_date": working_day_in(20).isoformat(),
            "new_go_live_date": working_day_in(27).isoformat(),
        },
    )
    assert response.status_code == 200
    assert "A no-go moves FDP later" in " ".join(response.context["form"].errors["new_fdp_date"])


def test_go_live_is_signed_off_by_the_manager_from_go_live_day(client, manager, staff, practice, suppliers):
    today = dt.date.today()
    live = MigrationFactory(
        practice=practice,
        current_supplier=suppliers[0],
        new_supplier=suppliers[1],
        fdp_date=today - dt.timedelta(days=7),
        go_live_date=today,
    )
    client.force_login(staff)
    assert client.post(url("signoff-go-live", live), {}).status_code == 403
    client.force_login(manager)
    assert client.post(url("signoff-go-live", live), {"comment": "Smooth first morning"}).status_code == 302
    assert SignOff.objects.get(migration=live, kind="go_live").comment == "Smooth first morning"
    # Twice is refused, with the reason beside the form.
    response = client.post(url("signoff-go-live", live), {})
    assert response.status_code == 200
    assert SignOff.objects.filter(migration=live, kind="go_live").count() == 1


def test_go_live_cannot_be_signed_off_before_go_live(client, manager, planned):
    client.force_login(manager)
    response = client.post(url("signoff-go-live", planned), {})
    assert response.status_code == 200
    assert "can be signed off from go-live day" in response.content.decode()
    assert not SignOff.objects.exists()


def test_completing_signs_off_close_out_and_the_summary_lists_every_sign_off(
    client, manager, clinical_lead, practice, suppliers
):
    today = dt.date.today()
    live = MigrationFactory(
        practice=practice,
        current_supplier=suppliers[0],
        new_supplier=suppliers[1],
        fdp_date=today - dt.timedelta(days=8),
        go_live_date=today - dt.timedelta(days=1),
    )
    for kind, decision, who, days_ago in [
        ("data_checking", "no_go", clinical_lead, 20),
        ("data_checking", "go", clinical_lead, 12),
        ("go_live", "go", manager, 1),
    ]:
        SignOff.objects.create(
            migration=live,
            kind=kind,
            decision=decision,
            signed_by=who,
            signed_at=at(today - dt.timedelta(days=days_ago)),
            comment="Checked",
        )
    client.force_login(manager)
    preview = client.get(url("migration-complete", live)).content.decode()
    assert "Close-out, when you complete the migration" in preview
    closure = migration_complete(migration=live, lessons_learned="Start data checking earlier.", by=manager)
    close_out = SignOff.objects.get(migration=live, kind="close_out")
    assert (close_out.signed_by, close_out.comment) == (manager, "Start data checking earlier.")
    assert [kind for kind, *_ in closure.summary["sign_offs"]] == [
        "Data checking",
        "Data checking",
        "Go-live",
        "Close-out",
    ]
    page = client.get(live.get_absolute_url()).content.decode()
    summary = page[page.index("On the day it closed") :]
    assert f"Data checking: no-go, by Asha Rao on {day_text(today - dt.timedelta(days=20))}" in summary
    assert f"Data checking: go, by Asha Rao on {day_text(today - dt.timedelta(days=12))}" in summary
    assert f"Go-live, by {manager.get_full_name()} on {day_text(today - dt.timedelta(days=1))}" in summary
    assert f"Close-out, by {manager.get_full_name()} on {day_text(today)}" in summary
    assert "None" not in summary[: summary.index("Plan tasks overdue")]


def test_a_cancelled_migration_lists_no_close_out_sign_off(manager, migration):
    closure = migration_cancel(migration=migration, reason="The practice merged.", by=manager)
    assert not closure.summary["sign_offs"]
    assert not SignOff.objects.filter(migration=migration).exists()


def test_the_icb_sees_sign_offs_on_the_dashboard_filters_by_them_and_exports_them(
    client, icb_user, clinical_lead, practice, suppliers, planned
):
    client.force_login(clinical_lead)
    client.post(url("signoff-data-checking", planned), {"decision": "go", "comment": "Checked"})
    unsigned = MigrationFactory(
        practice=PracticeFactory(icb=practice.icb, delivery_partner=practice.delivery_partner),
        current_supplier=suppliers[0],
        new_supplier=suppliers[1],
    )
    client.force_login(icb_user)
    dashboard = reverse("dashboard")
    today = f"{dt.date.today():%-d %b %Y}"
    # The sign-offs are a column the ICB chooses (not in the default set).
    assert f"Data checking: go ({today})" in client.get(dashboard, {"cols": ["rag", "sign-offs"]}).content.decode()
    signed = client.get(dashboard, {"sign_off": "data-go"}).content.decode()
    assert practice.name in signed and unsigned.practice.name not in signed
    not_signed = client.get(dashboard, {"sign_off": "data-none"}).content.decode()
    assert unsigned.practice.name in not_signed and practice.name not in not_signed
    response = client.get(reverse("dashboard-export-csv"), {"cols": ["rag", "sign-offs"]})
    export = (b"".join(response.streaming_content) if response.streaming else response.content).decode("utf-8-sig")
    header, *rows = export.splitlines()
    assert "Data checking sign-off" in header
    assert any(practice.name in row and ",Go," in row for row in rows), rows
