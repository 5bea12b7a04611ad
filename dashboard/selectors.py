"""Read-only queries behind the dashboard. Every queryset starts from Migration.objects.visible_to()."""

import calendar
import datetime
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet

from cutover.models import Migration
from cutover.workdays import bank_holiday_names
from lifecycle.annotations import sign_off_filter
from practices.models import Organisation, practices_visible_to

from . import annotations, columns, rag, stages
from .models import ImportBatch, ImportedMigration


def dashboard_queryset(*, user, filters: dict[str, Any], sort: str, today: datetime.date) -> QuerySet[Migration]:
    """The user's migrations with every dashboard value annotated, filtered and sorted.

    `filters` is the cleaned data of DashboardFilterForm; empty values are ignored.
    """
    qs = annotations.annotate_dashboard(Migration.objects.visible_to(user), today)
    if text := (filters.get("q") or "").strip():
        qs = qs.filter(Q(practice__name__icontains=text) | Q(practice__ods_code__icontains=text))
    if icb := filters.get("icb"):
        qs = qs.filter(practice__icb=icb)
    if partner := filters.get("partner"):
        qs = qs.filter(practice__delivery_partner=partner)
    if pair := filters.get("suppliers"):
        current_id, new_id = pair
        qs = qs.filter(current_supplier_id=current_id, new_supplier_id=new_id)
    if stage := filters.get("stage"):
        qs = qs.filter(stage_rank=stages.STAGE_BY_KEY[stage].rank)
    if colour := filters.get("rag"):
        qs = qs.filter(rag.rag_filter(colour, today))
    if sign_off := filters.get("sign_off"):
        qs = qs.filter(sign_off_filter(sign_off))
    if wave := filters.get("wave"):
        qs = qs.filter(imported_from__batch=wave)
    for name, lookup in [
        ("fdp_from", "fdp_date__gte"),
        ("fdp_to", "fdp_date__lte"),
        ("go_live_from", "go_live_date__gte"),
        ("go_live_to", "go_live_date__lte"),
    ]:
        if value := filters.get(name):
            qs = qs.filter(**{lookup: value})
    return qs.select_related("practice", "current_supplier", "new_supplier").order_by(*columns.ordering(sort))


def summary(qs: QuerySet[Migration]) -> dict[str, Any]:
    """The tiles: counts per stage and RAG colour, and totals such as overdue tasks, in one aggregate query."""
    counts = qs.order_by().aggregate(**columns.summary_aggregates())
    return {
        "total": counts["total"],
        "stages": [(stage, counts[f"stage_{stage.rank}"]) for stage in stages.STAGES],
        "rags": [(colour, rag.RAG_LABELS[colour], counts[f"rag_{colour}"]) for colour in rag.RAG_RANK],
        "totals": [(total.label, counts[name]) for name, total in columns.SUMMARY_TOTALS.items()],
    }


def icb_choices(user) -> QuerySet[Organisation]:
    return Organisation.objects.filter(
        kind=Organisation.Kind.ICB, icb_practices__in=practices_visible_to(user)
    ).distinct()


def partner_choices(user) -> QuerySet[Organisation]:
    return Organisation.objects.filter(
        kind=Organisation.Kind.DELIVERY_PARTNER, partner_practices__in=practices_visible_to(user)
    ).distinct()


def wave_choices(user) -> QuerySet[ImportBatch]:
    """The imported waves holding at least one migration the user may see, newest first.

    A wave of another ICB is never offered: its file name alone would say more than the user may know.
    """
    visible = ImportedMigration.objects.filter(batch=OuterRef("pk"), migration__in=Migration.objects.visible_to(user))
    return ImportBatch.objects.filter(Exists(visible)).defer("content").order_by("-imported_at", "-pk")


def supplier_pair_choices(user) -> list[tuple[str, str]]:
    """Each current → new supplier pair among the user's migrations, as ("3-5", "EMIS Health → TPP")."""
    pairs = (
        Migration.objects.visible_to(user)
        .values_list("current_supplier_id", "current_supplier__name", "new_supplier_id", "new_supplier__name")
        .order_by("current_supplier__name", "new_supplier__name")
        .distinct()
    )
    return [(f"{cid}-{nid}", f"{cname} → {nname}") for cid, cname, nid, nname in pairs]


# --- The wave calendar -------------------------------------------------------------------


@dataclass
class CalendarDay:
    date: datetime.date
    in_month: bool
    bank_holiday: str = ""
    fdp: list[tuple[int, str, str]] = field(default_factory=list)  # (migration id, practice, ODS code)
    go_live: list[tuple[int, str, str]] = field(default_factory=list)

    @property
    def events(self) -> int:
        return len(self.fdp) + len(self.go_live)

    @property
    def clash(self) -> bool:
        return self.events > 1


def month_start(value: str | None, today: datetime.date) -> datetime.date:
    """The first day of the month in `value` ("2026-11"); this month if it is missing or unreadable."""
    try:
        year, month = (int(part) for part in (value or "").split("-"))
        first = datetime.date(year, month, 1)
    except (ValueError, OverflowError):  # a year too long for a date overflows
        return today.replace(day=1)
    # Far-off years are not a wave anyone plans, and would overflow the month arithmetic.
    return first if 2000 <= year <= 2100 else today.replace(day=1)


def calendar_weeks(qs: QuerySet[Migration], first: datetime.date) -> list[list[CalendarDay]]:
    """The month as weeks (Monday first), each day holding the FDPs and go-lives that fall on it.

    One query fetches just the month's migrations; the days are laid out in Python.
    """
    weeks_of_dates = calendar.Calendar(firstweekday=0).monthdatescalendar(first.year, first.month)
    start, end = weeks_of_dates[0][0], weeks_of_dates[-1][-1]
    holiday_names = {
        day: name
        for year in {start.year, end.year}
        for day, name in bank_holiday_names(year).items()
        if start <= day <= end
    }
    days = {
        day: CalendarDay(date=day, in_month=day.month == first.month, bank_holiday=holiday_names.get(day, ""))
        for week in weeks_of_dates
        for day in week
    }
    rows = (
        qs.filter(Q(fdp_date__range=(start, end)) | Q(go_live_date__range=(start, end)))
        .order_by("practice__name")
        .values_list("pk", "practice__name", "practice__ods_code", "fdp_date", "go_live_date")
    )
    for pk, name, ods_code, fdp, go_live in rows:
        if fdp in days:
            days[fdp].fdp.append((pk, name, ods_code))
        if go_live in days:
            days[go_live].go_live.append((pk, name, ods_code))
    return [[days[day] for day in week] for week in weeks_of_dates]


def import_batches(organisations: QuerySet[Organisation], limit: int = 20) -> QuerySet[ImportBatch]:
    """The latest batches of the given organisations, newest first."""
    return (
        ImportBatch.objects.filter(organisation__in=organisations)
        .select_related("organisation", "uploaded_by")
        .defer("content")[:limit]
    )
