"""The data-checking log: test patients compared (by outcome only), reports compared and issues raised.

Test patients are logged by outcome, never by identifier: the comparison itself happens in the two
clinical systems, and the ICB and delivery partner may see the whole log's counts. The report names,
explanations and issue summaries are typed by the practice and could name a patient, so only members
of the practice see them; everyone who sees the migration sees the counts.
"""

from dataclasses import dataclass

from django.db.models import Count, F, Q

from cutover.models import Migration
from practices.models import PracticeMembership

from .models import PatientComparison, ReportComparison, SupplierIssue


def can_see_log_details(user, migration: Migration) -> bool:
    return PracticeMembership.objects.filter(user=user, practice_id=migration.practice_id).exists()


@dataclass(frozen=True)
class DataCheckingCounts:
    patients: int
    patients_matching: int
    patients_minor: int
    patients_significant: int
    reports: int
    reports_differing: int
    reports_unexplained: int
    issues_open: int
    issues_closed: int


def data_checking_counts(migration: Migration) -> DataCheckingCounts:
    """The log in numbers, for everyone who sees the migration: three grouped queries."""
    outcome = PatientComparison.Outcome
    patients = PatientComparison.objects.filter(migration=migration).aggregate(
        total=Count("pk"),
        matching=Count("pk", filter=Q(outcome=outcome.MATCHES)),
        minor=Count("pk", filter=Q(outcome=outcome.MINOR)),
        significant=Count("pk", filter=Q(outcome=outcome.SIGNIFICANT)),
    )
    differing = ~Q(old_figure=F("new_figure"))
    reports = ReportComparison.objects.filter(migration=migration).aggregate(
        total=Count("pk"),
        differing=Count("pk", filter=differing),
        unexplained=Count("pk", filter=differing & Q(explanation="")),
    )
    issues = SupplierIssue.objects.filter(migration=migration).aggregate(
        open=Count("pk", filter=Q(state=SupplierIssue.State.OPEN)),
        closed=Count("pk", filter=~Q(state=SupplierIssue.State.OPEN)),
    )
    return DataCheckingCounts(
        patients=patients["total"],
        patients_matching=patients["matching"],
        patients_minor=patients["minor"],
        patients_significant=patients["significant"],
        reports=reports["total"],
        reports_differing=reports["differing"],
        reports_unexplained=reports["unexplained"],
        issues_open=issues["open"],
        issues_closed=issues["closed"],
    )


def patient_comparison_record(*, migration: Migration, outcome: str, by) -> PatientComparison:
    comparison = PatientComparison(migration=migration, outcome=outcome, recorded_by=by)
    comparison._history_user = by
    comparison.save()
    return comparison


def report_comparison_record(
    *, migration: Migration, name: str, old_figure: int, new_figure: int, explanation: str, by
) -> ReportComparison:
    report = ReportComparison(
        migration=migration,
        name=name,
        old_figure=old_figure,
        new_figure=new_figure,
        explanation=explanation.strip(),
        recorded_by=by,
    )
    report._history_user = by
    report.save()
    return report


def supplier_issue_raise(*, migration: Migration, summary: str, by) -> SupplierIssue:
    issue = SupplierIssue(migration=migration, summary=summary.strip(), raised_by=by)
    issue._history_user = by
    issue.save()
    return issue


def supplier_issue_set_state(*, issue: SupplierIssue, state: str, by) -> SupplierIssue:
    issue.state = state
    issue._history_user = by
    issue.save(update_fields=["state"])
    return issue
