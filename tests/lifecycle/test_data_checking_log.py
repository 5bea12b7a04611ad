"""The data-checking log: the practice keeps it; the ICB and delivery partner see its counts only."""

import pytest
from django.urls import reverse

from lifecycle.models import PatientComparison, ReportComparison, SupplierIssue

pytestmark = pytest.mark.django_db


def log_url(migration):
    return reverse("data-checking-log", args=[migration.pk])


def test_staff_log_test_patients_reports_and_issues(client, staff, migration):
    client.force_login(staff)
    url = log_url(migration)
    for outcome in ["matches", "matches", "minor"]:
        assert client.post(url, {"action": "patient", "patient-outcome": outcome}).status_code == 302
    client.post(
        url,
        {
            "action": "report",
            "report-name": "QOF diabetes register",
            "report-old_figure": "412",
            "report-new_figure": "410",
            "report-explanation": "Two patients left before the extract",
        },
    )
    client.post(url, {"action": "issue", "issue-summary": "Repeat templates lost their dose"})
    issue = SupplierIssue.objects.get()
    client.post(url, {"action": "issue-state", "issue": issue.pk, "state": "fixed"})
    issue.refresh_from_db()
    assert issue.state == "fixed"
    assert issue.history.first().history_user == staff
    page = client.get(url).content.decode()
    assert "3: 2 matching, 1 with minor differences" in page
    assert "Two patients left before the extract" in page


def test_a_report_without_its_figures_is_refused_beside_the_field(client, staff, migration):
    client.force_login(staff)
    response = client.post(log_url(migration), {"action": "report", "report-name": "List size"})
    assert response.status_code == 200
    assert response.context["forms"]["report"].errors["old_figure"]
    assert not ReportComparison.objects.exists()


@pytest.mark.parametrize("who", ["icb_user", "partner_user"])
def test_the_icb_sees_the_counts_but_never_the_practices_wording(client, request, who, staff, migration):
    client.force_login(staff)
    client.post(log_url(migration), {"action": "issue", "issue-summary": "Mrs Example's allergies missing"})
    client.post(log_url(migration), {"action": "patient", "patient-outcome": "significant"})
    client.force_login(request.getfixturevalue(who))
    page = client.get(log_url(migration)).content.decode()
    assert "1 open, 0 fixed or accepted" in page
    assert "Mrs Example" not in page
    assert client.post(log_url(migration), {"action": "patient", "patient-outcome": "matches"}).status_code == 403
    assert PatientComparison.objects.count() == 1


def test_an_outsider_cannot_find_the_log(client, outsider, migration):
    client.force_login(outsider)
    assert client.get(log_url(migration)).status_code == 404
