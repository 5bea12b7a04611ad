"""National services: the catalogue every migration starts with, their notice dated in working days,
and a superuser's edit reaching only the migrations created after it."""

import datetime

import pytest
from django.urls import reverse

from coordinator.services import migration_create
from cutover.timeline import local_today
from cutover.workdays import add_working_days, bank_holiday_names
from practices.models import NationalService, ThirdPartyState, ThirdPartySystem
from systems.national import national_rows, national_services_add
from systems.third_party import StepRefused, third_party_confirm_none, third_party_step_record

from ..factories import MigrationFactory, PracticeFactory, ThirdPartySystemFactory, UserFactory, enable_totp

pytestmark = pytest.mark.django_db

EPS = "Electronic Prescription Service (EPS)"
PCSE = "Primary Care Support England (PCSE)"
APP = "NHS App and online services"


def counted_back(day: datetime.date, working_days: int) -> datetime.date:
    """The test's own count: step back a day at a time, counting weekdays that are not bank holidays."""
    while working_days:
        day -= datetime.timedelta(days=1)
        if day.weekday() < 5 and day not in bank_holiday_names(day.year):
            working_days -= 1
    return day


def fdp_just_after_a_bank_holiday() -> datetime.date:
    """A weekday FDP 3 working days after the first bank holiday at least 8 weeks ahead, so a 10
    working-day notice spans that holiday and a weekend or two."""
    day = local_today() + datetime.timedelta(weeks=8)
    while day not in bank_holiday_names(day.year) or day.weekday() >= 5:
        day += datetime.timedelta(days=1)
    return add_working_days(day, 3)


def create(practice, suppliers, manager, fdp, go_live=None):
    return migration_create(
        practice=practice,
        current_system="EMIS Web",
        current_supplier=suppliers[0],
        new_system="TPP SystmOne",
        new_supplier=suppliers[1],
        fdp_date=fdp,
        go_live_date=go_live or fdp + datetime.timedelta(days=7),
        by=manager,
    )


def by_name(migration):
    return {row.system.name: row for row in national_rows(migration, today=local_today())}


def test_the_catalogue_holds_the_national_services_in_our_own_words():
    services = {service.name: service for service in NationalService.objects.filter(active=True)}
    assert len(services) == 8
    assert (services[EPS].notice_working_days, services[EPS].notice_counted_from) == (25, "fdp")
    assert services[PCSE].notice_working_days >= 10
    assert "FP69" in services[PCSE].task_lines and "mailbox" in services[PCSE].task_lines
    assert "repeat-dispensing" in services[EPS].task_lines
    assert services[APP].notice_counted_from == "go_live"
    assert all(service.description and service.task_lines for service in services.values())


def test_a_new_migration_starts_with_every_national_service(practice, suppliers, manager):
    migration = create(practice, suppliers, manager, add_working_days(local_today(), 40))
    rows = by_name(migration)
    assert len(rows) == NationalService.objects.filter(active=True).count()
    assert {EPS, PCSE, "GP2GP record transfers", "Summary Care Record", "Screening programmes", APP} <= set(rows)
    eps = rows[EPS]
    assert eps.system.category == ThirdPartySystem.Category.NATIONAL_SERVICE
    assert not eps.state.needs_backup  # nothing of a national service to back up
    assert eps.state.history.get().history_user == manager
    assert [step.label for step in eps.steps] == ["Give notice", "Confirm switched off", "Back on and checked"]
    assert any("repeat-dispensing" in line for line in eps.lines)


def test_notice_is_counted_in_working_days_over_weekends_and_bank_holidays(practice, suppliers, manager):
    fdp = fdp_just_after_a_bank_holiday()
    go_live = add_working_days(fdp, 5)
    migration = create(practice, suppliers, manager, fdp, go_live)
    rows = by_name(migration)
    assert rows[PCSE].notice_date == counted_back(fdp, 10)
    # Ten working days is two calendar weeks; the bank holiday in between makes it longer.
    assert (fdp - rows[PCSE].notice_date).days > 14
    assert rows[EPS].notice_date == counted_back(fdp, 25)
    assert rows[APP].notice_date == counted_back(go_live, 15)
    for row in rows.values():
        assert row.notice_date.weekday() < 5
        assert row.notice_date not in bank_holiday_names(row.notice_date.year)


def test_moving_fdp_moves_the_notice_dates(practice, suppliers, manager):
    migration = create(practice, suppliers, manager, add_working_days(local_today(), 40))
    migration.fdp_date = add_working_days(migration.fdp_date, 10)
    migration.go_live_date = migration.fdp_date + datetime.timedelta(days=7)
    migration.save()
    assert by_name(migration)[PCSE].notice_date == counted_back(migration.fdp_date, 10)


def test_a_notice_date_that_has_passed_unrecorded_is_shown_as_late(practice, suppliers, manager):
    migration = create(practice, suppliers, manager, add_working_days(local_today(), 15))
    rows = by_name(migration)
    assert rows[EPS].notice_late and not rows[PCSE].notice_late
    third_party_step_record(migration=migration, system=rows[EPS].system, step="notified", by=manager)
    assert not by_name(migration)[EPS].notice_late


def test_a_superuser_edit_reaches_only_migrations_created_afterwards(client, superuser, suppliers, manager):
    earlier = create(PracticeFactory(ods_code="A11111"), suppliers, manager, add_working_days(local_today(), 40))
    eps = NationalService.objects.get(name=EPS)
    client.force_login(superuser)
    url = reverse("admin:practices_nationalservice_change", args=[eps.pk])
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {
            "name": eps.name,
            "description": eps.description,
            "notice_working_days": 30,
            "notice_counted_from": "fdp",
            "task_lines": eps.task_lines + "\nCheck the nominated pharmacies after go-live.",
            "active": "on",
            "position": eps.position,
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert NationalService.objects.get(pk=eps.pk).history.latest("history_id").history_user == superuser

    later = create(PracticeFactory(ods_code="B22222"), suppliers, manager, earlier.fdp_date)
    assert by_name(earlier)[EPS].notice_date == counted_back(earlier.fdp_date, 25)
    assert by_name(later)[EPS].notice_date == counted_back(later.fdp_date, 30)
    assert "nominated pharmacies" in by_name(later)[EPS].lines[-1]
    assert "nominated pharmacies" not in by_name(earlier)[EPS].state.task_lines


def test_a_retired_service_is_not_given_to_new_migrations(practice, suppliers, manager):
    NationalService.objects.filter(name="Summary Care Record").update(active=False)
    migration = create(practice, suppliers, manager, add_working_days(local_today(), 40))
    assert "Summary Care Record" not in by_name(migration)


def test_only_superusers_may_open_the_catalogue(client):
    clerk = enable_totp(UserFactory(email="clerk@example.org", is_staff=True))
    client.force_login(clerk)
    assert client.get(reverse("admin:practices_nationalservice_changelist")).status_code == 403


def test_the_next_migration_at_a_practice_keeps_its_systems_and_gets_a_fresh_notice(practice, suppliers, manager):
    first = MigrationFactory(practice=practice, current_supplier=suppliers[0], new_supplier=suppliers[1])
    national_services_add(migrations=[first], by=manager)
    pcse = ThirdPartySystem.objects.get(practice=practice, national_service__name=PCSE)
    pcse.contact_email = "pcse@example.nhs.uk"
    pcse.save()
    first.status = first.Status.COMPLETED
    first.save()
    second = create(practice, suppliers, manager, add_working_days(local_today(), 40))
    assert ThirdPartySystem.objects.filter(practice=practice, national_service__isnull=False).count() == 8
    assert by_name(second)[PCSE].system.contact_email == "pcse@example.nhs.uk"
    assert ThirdPartyState.objects.filter(migration=second, notice_working_days__isnull=False).count() == 8


def test_a_practice_system_of_the_same_name_is_kept_apart(practice, suppliers, manager):
    ThirdPartySystemFactory(practice=practice, name="Pathology")
    migration = create(practice, suppliers, manager, add_working_days(local_today(), 40))
    assert "Pathology (national service)" in by_name(migration)
    assert ThirdPartySystem.objects.get(practice=practice, name="Pathology").national_service is None


def test_the_manager_may_still_say_the_practice_has_no_systems_of_its_own(practice, suppliers, manager):
    migration = create(practice, suppliers, manager, add_working_days(local_today(), 40))
    third_party_confirm_none(migration=migration, reason="Everything is in the clinical system", by=manager)
    assert migration.no_linked_systems_at is not None
    ThirdPartySystemFactory(practice=practice, name="Docman")
    with pytest.raises(StepRefused):
        third_party_confirm_none(migration=migration, reason="Still none", by=manager)


def test_the_systems_page_shows_each_service_with_its_notice_and_what_to_do(client, practice, suppliers, manager):
    migration = create(practice, suppliers, manager, add_working_days(local_today(), 40))
    client.force_login(manager)
    page = client.get(reverse("systems", args=[migration.pk])).content.decode()
    assert 'id="national-services"' in page
    assert "Give notice by" in page and "25 working days before FDP" in page
    assert "FP69" in page
    # The practice's own list is still empty, so the page still asks about its own systems.
    assert 'id="no-linked-systems"' in page


def test_a_national_service_is_recorded_like_any_linked_system(client, practice, suppliers, manager):
    migration = create(practice, suppliers, manager, add_working_days(local_today(), 40))
    eps = by_name(migration)[EPS].system
    client.force_login(manager)
    response = client.post(
        reverse("system-step", args=[migration.pk, eps.pk]), {"step": "notified", "action": "record"}
    )
    assert response.status_code == 302
    assert by_name(migration)[EPS].steps[0].done


def test_a_notice_beyond_half_a_year_is_refused_beside_the_field(client, superuser):
    eps = NationalService.objects.get(name=EPS)
    client.force_login(superuser)
    url = reverse("admin:practices_nationalservice_change", args=[eps.pk])
    data = {
        "name": eps.name,
        "description": eps.description,
        "notice_working_days": 500,
        "notice_counted_from": "fdp",
        "task_lines": eps.task_lines,
        "active": "on",
        "position": eps.position,
    }
    response = client.post(url, data)
    assert response.status_code == 200
    assert "notice_working_days" in response.context["adminform"].form.errors
    assert NationalService.objects.get(pk=eps.pk).notice_working_days == 25
