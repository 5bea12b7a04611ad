"""Migration page warnings about linked systems, by date (frozen clock).

FDP is Monday 7 Dec 2026 (switch-off window Thursday 3 and Friday 4 Dec); go-live Monday 14 Dec.
"""

import datetime

import pytest
import time_machine
from django.urls import reverse

from practices.models import ThirdPartyState
from systems.third_party import (
    third_party_mark_not_applicable,
    third_party_step_record,
    third_party_warnings,
)

from ..factories import at

pytestmark = pytest.mark.django_db
Step = ThirdPartyState.Step


@pytest.mark.parametrize(
    ("today", "count"),
    [
        (datetime.date(2026, 12, 1), 0),  # Tuesday: 4 working days before FDP
        (datetime.date(2026, 12, 2), 2),  # Wednesday: 3 working days before FDP
        (datetime.date(2026, 12, 5), 2),  # Saturday, after the window
        (datetime.date(2026, 12, 7), 2),  # FDP
        (datetime.date(2026, 12, 13), 2),  # last day of cutover
    ],
)
def test_systems_not_switched_off_are_warned_about_from_three_working_days_before_fdp(
    dated_migration, docman, pathology_link, today, count
):
    warnings = third_party_warnings(dated_migration, today=today)
    assert len(warnings) == count
    if count:
        assert any("Links to Docman are not yet confirmed switched off" in w for w in warnings)


def test_the_warning_says_when_the_links_were_due(dated_migration, docman):
    assert third_party_warnings(dated_migration, today=datetime.date(2026, 12, 2)) == [
        "Links to Docman are not yet confirmed switched off: they are due off by 4 Dec 2026."
    ]
    assert third_party_warnings(dated_migration, today=datetime.date(2026, 12, 7)) == [
        "Links to Docman are not yet confirmed switched off: they were due off by 4 Dec 2026."
    ]


def test_the_warning_start_counts_back_over_a_bank_holiday(practice, suppliers, docman):
    from cutover.models import Migration

    # FDP Tuesday 4 May 2027: Monday 3 May is the early May bank holiday, so 3 working
    # days before is Wednesday 28 April, not Friday 30 April.
    migration = Migration.objects.create(
        practice=practice,
        current_system="EMIS Web",
        current_supplier=suppliers[0],
        new_system="TPP SystmOne",
        new_supplier=suppliers[1],
        fdp_date=datetime.date(2027, 5, 4),
        go_live_date=datetime.date(2027, 5, 11),
    )
    assert third_party_warnings(migration, today=datetime.date(2027, 4, 27)) == []
    assert len(third_party_warnings(migration, today=datetime.date(2027, 4, 28))) == 1


def test_switched_off_and_not_applicable_systems_are_not_warned_about(dated_migration, docman, pathology_link, manager):
    third_party_step_record(
        migration=dated_migration, system=docman, step=Step.SWITCHED_OFF, by=manager, at=at(datetime.date(2026, 12, 3))
    )
    third_party_mark_not_applicable(migration=dated_migration, system=pathology_link, reason="Paper only", by=manager)
    assert third_party_warnings(dated_migration, today=datetime.date(2026, 12, 4)) == []


def test_after_go_live_every_system_not_back_on_is_warned_about(dated_migration, docman, pathology_link, manager):
    for system in (docman, pathology_link):
        third_party_step_record(
            migration=dated_migration,
            system=system,
            step=Step.SWITCHED_OFF,
            by=manager,
            at=at(datetime.date(2026, 12, 3)),
        )
    third_party_step_record(
        migration=dated_migration, system=docman, step=Step.BACK_ON, by=manager, at=at(datetime.date(2026, 12, 14))
    )
    assert third_party_warnings(dated_migration, today=datetime.date(2026, 12, 14)) == [
        "Pathology results link is not yet confirmed switched back on and working since go-live on 14 Dec 2026."
    ]


def test_a_closed_migration_has_no_warnings(dated_migration, docman):
    dated_migration.status = dated_migration.Status.COMPLETED
    dated_migration.save()
    assert third_party_warnings(dated_migration, today=datetime.date(2026, 12, 7)) == []


@pytest.mark.parametrize(
    ("now", "shown"),
    [
        (datetime.datetime(2027, 6, 1, 23, 30), False),
        # 00:30 on Wednesday 2 June in London is still Tuesday in UTC (BST): the London date counts.
        (datetime.datetime(2027, 6, 2, 0, 30), True),
    ],
)
def test_the_migration_page_shows_the_warnings_from_the_london_date(
    client, manager, practice, suppliers, docman, now, shown
):
    from django.utils import timezone

    from cutover.models import Migration

    migration = Migration.objects.create(
        practice=practice,
        current_system="EMIS Web",
        current_supplier=suppliers[0],
        new_system="TPP SystmOne",
        new_supplier=suppliers[1],
        fdp_date=datetime.date(2027, 6, 7),
        go_live_date=datetime.date(2027, 6, 14),
    )
    with time_machine.travel(timezone.make_aware(now), tick=False):
        client.force_login(manager)
        response = client.get(reverse("migration-detail", args=[migration.pk]))
    assert response.status_code == 200
    page = response.content.decode()
    assert ("Links to Docman are not yet confirmed switched off" in page) is shown
