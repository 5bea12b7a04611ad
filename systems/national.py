"""National services (EPS, PCSE, GP2GP, screening...): the catalogue every migration starts with.

A national service is a linked system of the practice (``ThirdPartySystem.national_service``), so it
goes through the same steps as the practice's own systems (third_party.py): notified, switched off
in the switch-off window, back on and checked from go-live. What it adds is its notice: told a number
of working days before FDP or go-live, copied from the catalogue onto the migration's state when the
migration is created, so a later change to the catalogue leaves planned migrations alone.
"""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import transaction

from cutover.bulk import create_with_history
from cutover.timeline import switch_off_window
from cutover.workdays import add_working_days
from practices.models import NationalService, ThirdPartyState, ThirdPartySystem, name_key

CountedFrom = NationalService.CountedFrom


def national_notice_date(*, migration, working_days: int, counted_from: str) -> datetime.date:
    """The last day to tell the service: `working_days` working days before FDP or go-live.

    Counted in working days, so the day is never a weekend or a bank holiday and the service's
    staff have that many days at work to act on it."""
    anchor = migration.go_live_date if counted_from == CountedFrom.GO_LIVE else migration.fdp_date
    return add_working_days(anchor, -working_days)


def national_anchor_date(migration, counted_from: str) -> datetime.date:
    return migration.go_live_date if counted_from == CountedFrom.GO_LIVE else migration.fdp_date


def national_services_add(*, migrations: Iterable, by) -> list[ThirdPartyState]:
    """Give each new migration the active services of the catalogue, with their notice as it is today.

    The one builder for every way a migration is made (the migration form and the wave import both
    go through coordinator.services.migration_create). Set-based: a few queries however many
    migrations, so a wave of a hundred practices costs what one does. A practice that already has a
    service's system (from an earlier migration) keeps it, with its contacts and notes.
    """
    migrations = list(migrations)
    services = list(NationalService.objects.filter(active=True))
    if not migrations or not services:
        return []
    practice_ids = {migration.practice_id for migration in migrations}
    with transaction.atomic():
        systems = _systems_of(practice_ids, services)
        taken = set(
            ThirdPartySystem.objects.filter(practice_id__in=practice_ids).values_list("practice_id", "name_key")
        )
        missing = []
        for practice_id in sorted(practice_ids):
            for service in services:
                if (practice_id, service.pk) in systems:
                    continue
                name = service.name
                if (practice_id, name_key(name)) in taken:
                    # The practice named one of its own systems the same: keep both, told apart.
                    name = f"{service.name} (national service)"
                missing.append(
                    ThirdPartySystem(
                        practice_id=practice_id,
                        name=name,
                        name_key=name_key(name),
                        category=ThirdPartySystem.Category.NATIONAL_SERVICE,
                        # Nothing of a national service lives in the clinical system to back up.
                        backed_up_by_current_supplier=True,
                        national_service=service,
                    )
                )
        for system in create_with_history(missing, ThirdPartySystem, by=by, reason="National services catalogue"):
            systems[(system.practice_id, system.national_service_id)] = system
        states = [
            ThirdPartyState(
                migration=migration,
                system=systems[(migration.practice_id, service.pk)],
                notice_working_days=service.notice_working_days,
                notice_counted_from=service.notice_counted_from,
                task_lines=service.task_lines,
            )
            for migration in migrations
            for service in services
        ]
        return create_with_history(states, ThirdPartyState, by=by, reason="National services catalogue")


def _systems_of(practice_ids, services) -> dict[tuple[int, int], ThirdPartySystem]:
    return {
        (system.practice_id, system.national_service_id): system
        for system in ThirdPartySystem.objects.filter(practice_id__in=practice_ids, national_service__in=services)
    }


# Reading -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DatedStep:
    label: str
    due: datetime.date
    due_last: datetime.date | None  # a window's last day, when the step has a window
    done_at: datetime.datetime | None

    @property
    def done(self) -> bool:
        return self.done_at is not None


@dataclass(frozen=True)
class NationalRow:
    """One national service of one migration, ready to show: its notice and its dated steps."""

    state: ThirdPartyState
    notice_date: datetime.date
    counted_from_label: str
    steps: list[DatedStep]
    lines: list[str]
    notice_late: bool  # the notice date has passed and nobody recorded telling the service

    @property
    def system(self) -> ThirdPartySystem:
        return self.state.system

    @property
    def service(self) -> NationalService | None:
        return self.state.system.national_service


def national_rows(migration, *, today: datetime.date) -> list[NationalRow]:
    """The migration's national services with the dates of their steps, in one query.

    Only services the migration was given (a state with a notice): the dates follow the migration's
    current FDP and go-live, so moving them moves these too with nothing to rewrite.
    """
    states = (
        ThirdPartyState.objects.filter(migration=migration, notice_working_days__isnull=False)
        .select_related("system__national_service")
        .order_by("system__national_service__position", "system__name", "pk")
    )
    return [national_row(state, migration=migration, today=today) for state in states]


def national_row(state: ThirdPartyState, *, migration, today: datetime.date) -> NationalRow:
    """One state that has a notice, with its dates worked out from the migration's FDP and go-live."""
    state.migration = migration
    first, last = switch_off_window(migration.fdp_date)
    notice = national_notice_date(
        migration=migration, working_days=state.notice_working_days, counted_from=state.notice_counted_from
    )
    return NationalRow(
        state=state,
        notice_date=notice,
        counted_from_label=CountedFrom(state.notice_counted_from).label,
        steps=[
            DatedStep("Give notice", notice, None, state.notified_at),
            DatedStep("Confirm switched off", first, last, state.switched_off_at),
            DatedStep("Back on and checked", migration.go_live_date, None, state.back_on_at),
        ],
        lines=[line.strip() for line in state.task_lines.splitlines() if line.strip()],
        notice_late=state.notified_at is None and state.not_applicable_at is None and today > notice,
    )


@dataclass(frozen=True)
class NoticeDue:
    """National services of one migration whose notice falls on one day, not yet given."""

    migration_id: int
    notice_date: datetime.date
    anchor: datetime.date
    names: tuple[str, ...]


def national_notices_outstanding(migrations: list) -> list[NoticeDue]:
    """For the reminder rule: each migration's national services still to be told (not notified, not
    marked not applicable), grouped by their notice date. One query for any number of migrations."""
    by_pk = {migration.pk: migration for migration in migrations}
    if not by_pk:
        return []
    states = (
        ThirdPartyState.objects.filter(
            migration_id__in=by_pk,
            notice_working_days__isnull=False,
            notified_at__isnull=True,
            not_applicable_at__isnull=True,
        )
        .values_list("migration_id", "notice_working_days", "notice_counted_from", "system__name")
        .order_by("migration_id", "system__name")
    )
    # One reminder a migration and notice day (the reminder log's key). Each lists the services due
    # that day and any whose earlier notice is still not given, since only the latest of a series is
    # caught up; it may go late until the day before the earliest date they count from.
    outstanding: dict[int, list[tuple[datetime.date, datetime.date, str]]] = {}
    for migration_id, days, counted_from, name in states:
        migration = by_pk[migration_id]
        notice = national_notice_date(migration=migration, working_days=days, counted_from=counted_from)
        outstanding.setdefault(migration_id, []).append((notice, national_anchor_date(migration, counted_from), name))
    result = []
    for migration_id, items in outstanding.items():
        for notice in sorted({notice for notice, _, _ in items}):
            due = [(anchor, name) for day, anchor, name in items if day <= notice]
            result.append(
                NoticeDue(
                    migration_id=migration_id,
                    notice_date=notice,
                    anchor=min(anchor for anchor, _ in due),
                    names=tuple(name for _, name in due),
                )
            )
    return result


@dataclass(frozen=True)
class NationalItem:
    """A national service on the systems page: its step cells (the same row as any linked system's)
    and, when the migration was given it from the catalogue, its notice and dated steps."""

    row: object  # system_rows.SystemRow
    notice: NationalRow | None


def split_system_rows(migration, rows: list, *, today: datetime.date) -> tuple[list, list[NationalItem]]:
    """The page's rows as (the practice's own systems, the national services), from the states the
    rows already hold: no query of its own.

    A national system without a notice (a service retired from the catalogue, or a migration made
    before it) still shows, so its links are still switched off and back on."""
    own, items = [], []
    for row in rows:
        if row.system.national_service_id is None:
            own.append(row)
            continue
        state = row.state
        notice = None if state.notice_working_days is None else national_row(state, migration=migration, today=today)
        items.append(NationalItem(row=row, notice=notice))
    items.sort(key=lambda item: (item.row.system.national_service.position, item.row.system.name))
    return own, items
