"""Calendar feeds, read back with the icalendar library as a calendar app would read them."""

import datetime

import pytest
from django.urls import reverse
from icalendar import Calendar

from calendars.feeds import feed_token_create
from calendars.models import FeedToken
from coordinator import services
from cutover.models import Migration
from tasks.models import Task
from tasks.services import plan_create_for_migration
from tests.factories import MigrationFactory, PracticeFactory
from tests.reentry.factories import EntryFactory, RegistrationEntryFactory


def events_of(response) -> dict[str, dict]:
    """The feed's events by UID, each as {summary, start, end, sequence, status, description}."""
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    body = b"".join(response.streaming_content) if response.streaming else response.content
    calendar = Calendar.from_ical(body)
    return {
        str(event["UID"]): {
            "summary": str(event["SUMMARY"]),
            "start": event.decoded("DTSTART"),
            "end": event.decoded("DTEND"),
            "sequence": int(event["SEQUENCE"]),
            "status": str(event["STATUS"]),
            "description": str(event["DESCRIPTION"]),
        }
        for event in calendar.walk("VEVENT")
    }


def feed_path(raw: str) -> str:
    return reverse("calendar-feed", args=[raw])


def fetch(client, raw: str) -> dict[str, dict]:
    client.logout()  # calendar apps never sign in
    return events_of(client.get(feed_path(raw)))


def by_key(events: dict, key: str, migration: Migration) -> dict:
    return next(event for uid, event in events.items() if uid.startswith(f"{key}.migration-{migration.pk}@"))


@pytest.mark.django_db
def test_a_migration_feed_lists_every_key_date_as_all_day_events_and_its_open_tasks(client, manager, migration):
    tasks = plan_create_for_migration(migration=migration)
    _token, raw = feed_token_create(user=manager, kind=FeedToken.Kind.MIGRATION, migration=migration)

    events = fetch(client, raw)

    fdp = by_key(events, "fdp", migration)
    assert fdp["start"] == migration.fdp_date and not isinstance(fdp["start"], datetime.datetime)
    assert fdp["end"] == migration.fdp_date + datetime.timedelta(days=1)  # all day: DTEND is the next day
    assert fdp["summary"] == "Riverside Medical Centre: Final data production (FDP)"
    assert reverse("migration-detail", args=[migration.pk]) in fdp["description"]
    cutover = by_key(events, "cutover", migration)
    assert (cutover["start"], cutover["end"]) == (migration.fdp_date, migration.go_live_date)
    for key in ("planning_meeting", "switch_off", "go_live", "legacy_support_end"):
        assert by_key(events, key, migration)["status"] == "CONFIRMED"
    task_events = {uid for uid in events if uid.startswith("task-")}
    assert len(task_events) == len([task for task in tasks if task.is_open])


@pytest.mark.django_db
def test_uids_stay_the_same_and_sequence_rises_when_fdp_moves(client, manager, migration):
    _token, raw = feed_token_create(user=manager, kind=FeedToken.Kind.MIGRATION, migration=migration)
    before = fetch(client, raw)
    assert fetch(client, raw) == before  # fetching again changes nothing

    new_fdp = migration.fdp_date + datetime.timedelta(days=7)
    services.migration_update(
        migration=migration, by=manager, fdp_date=new_fdp, go_live_date=new_fdp + datetime.timedelta(days=7)
    )
    after = fetch(client, raw)

    assert set(after) == set(before)
    fdp_before, fdp_after = by_key(before, "fdp", migration), by_key(after, "fdp", migration)
    assert fdp_after["start"] == new_fdp
    assert fdp_after["sequence"] == fdp_before["sequence"] + 1
    # Legacy support end moved with go-live, so it rises too; a later fetch does not raise it again.
    assert by_key(after, "legacy_support_end", migration)["sequence"] == 1
    assert by_key(fetch(client, raw), "fdp", migration)["sequence"] == fdp_after["sequence"]


@pytest.mark.django_db
def test_a_closed_migration_feed_stops_listing_its_future_tasks(client, manager, migration):
    plan_create_for_migration(migration=migration)
    _token, raw = feed_token_create(user=manager, kind=FeedToken.Kind.MIGRATION, migration=migration)
    today = datetime.date.today()

    def future_tasks(events):
        return [uid for uid, event in events.items() if uid.startswith("task-") and event["start"] >= today]

    assert future_tasks(fetch(client, raw))

    Migration.objects.filter(pk=migration.pk).update(status=Migration.Status.COMPLETED)

    events = fetch(client, raw)
    assert future_tasks(events) == []
    assert by_key(events, "fdp", migration)  # its key dates stay


@pytest.mark.django_db
def test_a_cancelled_migration_shows_its_key_dates_as_cancelled(client, manager, migration):
    _token, raw = feed_token_create(user=manager, kind=FeedToken.Kind.MIGRATION, migration=migration)
    sequence = by_key(fetch(client, raw), "fdp", migration)["sequence"]
    Migration.objects.filter(pk=migration.pk).update(status=Migration.Status.CANCELLED)

    fdp = by_key(fetch(client, raw), "fdp", migration)
    assert fdp["status"] == "CANCELLED"
    assert fdp["sequence"] == sequence + 1


@pytest.mark.django_db
def test_my_calendar_has_my_practices_key_dates_and_only_my_tasks(client, manager, staff, migration, outsider):
    tasks = plan_create_for_migration(migration=migration)
    mine, theirs = tasks[0], tasks[1]
    Task.objects.filter(pk=mine.pk).update(assignee=staff)
    Task.objects.filter(pk=theirs.pk).update(assignee=manager)
    elsewhere = MigrationFactory(practice=outsider.practice_memberships.get().practice)
    _token, raw = feed_token_create(user=staff, kind=FeedToken.Kind.PERSON)

    events = fetch(client, raw)

    assert by_key(events, "go_live", migration)
    assert {uid.split("@")[0] for uid in events if uid.startswith("task-")} == {f"task-{mine.pk}"}
    assert not any(f"migration-{elsewhere.pk}@" in uid for uid in events)


@pytest.mark.django_db
def test_an_icb_feed_has_fdp_cutover_and_go_live_of_its_practices_and_no_patient_identifier(
    client, icb_user, migration, other_practice
):
    plan_create_for_migration(migration=migration)
    entry = EntryFactory(migration=migration)
    registration = RegistrationEntryFactory(migration=migration)
    MigrationFactory(practice=other_practice)  # another ICB's
    second = MigrationFactory(practice=PracticeFactory(icb=migration.practice.icb))
    _token, raw = feed_token_create(
        user=icb_user, kind=FeedToken.Kind.ORGANISATION, organisation=migration.practice.icb
    )
    client.logout()
    response = client.get(feed_path(raw))

    events = events_of(response)
    keys = sorted(uid.split("@")[0] for uid in events)
    assert keys == sorted(
        f"{key}.migration-{m.pk}" for m in (migration, second) for key in ("cutover", "fdp", "go_live")
    )
    text = response.content.decode()
    number = entry.nhs_number
    for identifier in (number, f"{number[:3]} {number[3:6]} {number[6:]}", registration.patient_name):
        assert identifier not in text


@pytest.mark.django_db
def test_wrong_revoked_and_replaced_links_answer_a_bare_404(client, manager, migration):
    old, old_raw = feed_token_create(user=manager, kind=FeedToken.Kind.PERSON)
    client.force_login(manager)
    response = client.post(reverse("calendar-feed-create"), {"kind": "person", "target": ""})
    assert response.status_code == 302
    new_url = client.get(reverse("calendar-feeds")).context["new_link"]["url"]
    new_raw = new_url.rsplit("/", 1)[1].removesuffix(".ics")

    for raw in (old_raw, "not-a-token", old_raw[:-1]):
        response = client.get(feed_path(raw))
        assert response.status_code == 404
        assert response.content == b""
    assert fetch(client, new_raw)

    client.force_login(manager)
    token = FeedToken.objects.get(user=manager, revoked_at__isnull=True)
    assert client.post(reverse("calendar-feed-revoke", args=[token.pk])).status_code == 302
    client.logout()
    assert client.get(feed_path(new_raw)).status_code == 404
    assert token.history.first().history_user == manager  # who revoked it is on record
    assert not FeedToken.objects.filter(token_hash__contains=new_raw).exists()  # only the hash is kept
    old.refresh_from_db()
    assert old.revoked_at is not None


@pytest.mark.django_db
def test_the_new_link_is_shown_once(client, manager):
    client.force_login(manager)
    client.post(reverse("calendar-feed-create"), {"kind": "person", "target": ""})
    first = client.get(reverse("calendar-feeds"))
    assert first.context["new_link"]["url"] in first.content.decode()
    assert client.get(reverse("calendar-feeds")).context["new_link"] is None


@pytest.mark.django_db
def test_a_feed_stops_when_its_owner_can_no_longer_see_the_migration(client, staff, migration):
    _token, raw = feed_token_create(user=staff, kind=FeedToken.Kind.MIGRATION, migration=migration)
    staff.practice_memberships.all().delete()
    client.logout()
    assert client.get(feed_path(raw)).status_code == 404


@pytest.mark.django_db
def test_nobody_makes_a_link_to_a_migration_or_organisation_they_cannot_see(client, outsider, migration):
    client.force_login(outsider)
    for kind, target in (("migration", migration.pk), ("organisation", migration.practice.icb_id), ("nonsense", "")):
        response = client.post(reverse("calendar-feed-create"), {"kind": kind, "target": target})
        assert response.status_code == 404
    assert not FeedToken.objects.exists()


@pytest.mark.django_db
def test_add_to_calendar_downloads_the_migration_key_dates(client, staff, migration):
    client.force_login(staff)
    page = client.get(reverse("migration-detail", args=[migration.pk])).content.decode()
    download = reverse("calendar-migration-download", args=[migration.pk])
    assert download in page

    response = client.get(download)
    assert response["Content-Disposition"] == 'attachment; filename="cutover-a81001.ics"'
    assert by_key(events_of(response), "fdp", migration)["start"] == migration.fdp_date


@pytest.mark.django_db
def test_an_organisation_feed_reads_the_database_a_fixed_number_of_times(
    client, icb_user, migration, django_assert_max_num_queries
):
    for _ in range(5):
        MigrationFactory(practice=PracticeFactory(icb=migration.practice.icb))
    _token, raw = feed_token_create(
        user=icb_user, kind=FeedToken.Kind.ORGANISATION, organisation=migration.practice.icb
    )
    fetch(client, raw)
    with django_assert_max_num_queries(4):  # the token, the organisation, the migrations, the sequences
        response = client.get(feed_path(raw))
    assert len(events_of(response)) == 6 * 3


@pytest.mark.django_db
def test_the_wave_calendar_offers_every_visible_fdp_cutover_and_go_live_to_download(
    client, icb_user, migration, other_practice
):
    hidden = MigrationFactory(practice=other_practice)
    client.force_login(icb_user)
    assert reverse("calendar-oversight-download") in client.get(reverse("dashboard-calendar")).content.decode()

    events = events_of(client.get(reverse("calendar-oversight-download")))
    assert sorted(uid.split("@")[0] for uid in events) == [
        f"{key}.migration-{migration.pk}" for key in ("cutover", "fdp", "go_live")
    ]
    assert not any(f"migration-{hidden.pk}@" in uid for uid in events)


@pytest.mark.django_db
def test_a_calendar_app_may_ask_with_head_first(client, manager):
    _token, raw = feed_token_create(user=manager, kind=FeedToken.Kind.PERSON)
    assert client.head(feed_path(raw)).status_code == 200
    assert client.head(feed_path("wrong")).status_code == 404


@pytest.mark.django_db
def test_the_page_showing_a_new_link_is_never_cached(client, manager):
    client.force_login(manager)
    client.post(reverse("calendar-feed-create"), {"kind": "person", "target": ""})
    response = client.get(reverse("calendar-feeds"))
    assert "no-store" in response["Cache-Control"]


@pytest.mark.django_db
def test_a_migration_feed_carries_the_lifecycle_dates_and_moves_them_with_a_new_sequence(client, manager, migration):
    """Order, kick-off, IDP and the data-checking sign-off are in the feed, worked back from FDP until
    the manager sets one; setting it moves that event, with a higher SEQUENCE, under the same UID."""
    _token, raw = feed_token_create(user=manager, kind=FeedToken.Kind.MIGRATION, migration=migration)
    events = fetch(client, raw)
    lifecycle = {key: by_key(events, key, migration) for key in ("order_date", "kickoff_date", "idp_date")}
    signoff = by_key(events, "data_signoff_due", migration)
    # Planned late, the order and kick-off left empty fall on the day the migration was planned.
    assert lifecycle["order_date"]["start"] <= lifecycle["kickoff_date"]["start"] < lifecycle["idp_date"]["start"]
    assert lifecycle["idp_date"]["start"] < signoff["start"] < migration.fdp_date

    new_idp = lifecycle["idp_date"]["start"] - datetime.timedelta(days=7)
    services.migration_update(migration=migration, by=manager, idp_date=new_idp)

    moved = by_key(fetch(client, raw), "idp_date", migration)  # found by the same UID
    assert moved["start"] == new_idp
    assert moved["sequence"] == lifecycle["idp_date"]["sequence"] + 1
