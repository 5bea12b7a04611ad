"""Who may see the log. Members of the practice see entries; ICB and delivery-partner users see counts only."""

import pytest
from django.urls import reverse

from reentry import services
from reentry.models import AccessEvent, Entry

from .factories import EntryFactory, RegistrationEntryFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def entries(cutover, staff):
    consultation = EntryFactory(migration=cutover, recorded_by=staff, nhs_number="9434765919")
    registration = RegistrationEntryFactory(
        migration=cutover,
        recorded_by=staff,
        patient_name="Jordan Fletcher",
        patient_address="14 Mill Lane\nDemo Town\nDT1 2AB",
    )
    return consultation, registration


IDENTIFIERS = ["9434765919", "943 476 5919", "Jordan Fletcher", "14 Mill Lane", "DT1 2AB"]


def page_urls(migration, entry):
    return [
        reverse("reentry-record", args=[migration.pk]),
        reverse("reentry-paper-form", args=[migration.pk]),
        reverse("reentry-worklist", args=[migration.pk]),
        reverse("reentry-log", args=[migration.pk]),
        reverse("reentry-export", args=[migration.pk]),
        reverse("reentry-entry", args=[migration.pk, entry.pk]),
        reverse("reentry-void", args=[migration.pk, entry.pk]),
    ]


def action_urls(migration, entry):
    return [
        reverse("reentry-record", args=[migration.pk]),
        reverse("reentry-bulk-mark", args=[migration.pk]),
        reverse("reentry-mark", args=[migration.pk, entry.pk]),
        reverse("reentry-check", args=[migration.pk, entry.pk]),
        reverse("reentry-void", args=[migration.pk, entry.pk]),
    ]


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("manager", 200),
        ("staff", 200),
        ("it_lead", 200),
        ("icb", 403),
        ("partner", 403),
        ("superuser", 403),
        ("outsider", 404),
        ("other_icb", 404),
    ],
)
def test_log_pages_by_role(client, users, cutover, entries, after_go_live, role, status):
    client.force_login(users[role])
    for url in page_urls(cutover, entries[0]):
        response = client.get(url)
        assert response.status_code == status, url
        if status != 200:
            body = response.content.decode()
            for identifier in IDENTIFIERS:
                assert identifier not in body, (url, identifier)


@pytest.mark.parametrize("role", ["icb", "partner", "superuser", "outsider"])
def test_people_outside_the_practice_change_nothing(client, users, cutover, entries, after_go_live, role):
    client.force_login(users[role])
    entry = entries[0]
    data = {"entries": [entry.pk], "reason": "Not mine", "kind": "consultation", "nhs_number": "9434765919"}
    for url in action_urls(cutover, entry):
        assert client.post(url, data).status_code in (403, 404), url
    entry.refresh_from_db()
    assert (entry.is_re_entered, entry.is_voided) == (False, False)
    assert Entry.objects.count() == 2
    assert not AccessEvent.objects.exists()


def test_the_icb_sees_counts_on_the_migration_page_but_never_patient_details(
    client, icb_user, partner_user, cutover, entries, after_go_live
):
    for user in (icb_user, partner_user):
        client.force_login(user)
        response = client.get(reverse("migration-detail", args=[cutover.pk]))
        assert response.status_code == 200
        body = response.content.decode()
        assert "2 recorded, 2 still to re-enter, 1 new registration to re-register" in body
        assert "Only the practice's own staff can open the entries" in body
        assert "/re-entry/" not in body
        for identifier in IDENTIFIERS:
            assert identifier not in body


def test_anonymous_people_are_sent_to_sign_in(client, cutover, entries):
    requests = [(client.get, url) for url in page_urls(cutover, entries[0])]
    requests += [(client.post, url) for url in action_urls(cutover, entries[0])]
    for send, url in requests:
        response = send(url)
        assert response.status_code == 302, url
        assert response.url.startswith(reverse("login")), url
        assert "9434765919" not in response.url


@pytest.mark.parametrize(
    ("method", "name", "with_entry"),
    [
        ("post", "reentry-paper-form", False),
        ("post", "reentry-worklist", False),
        ("get", "reentry-bulk-mark", False),
        ("post", "reentry-log", False),
        ("post", "reentry-export", False),
        ("post", "reentry-entry", True),
        ("get", "reentry-mark", True),
        ("get", "reentry-check", True),
        ("put", "reentry-void", True),
        ("delete", "reentry-entry", True),
    ],
)
def test_wrong_methods_are_refused(client, staff, cutover, entries, method, name, with_entry):
    client.force_login(staff)
    args = [cutover.pk, entries[0].pk] if with_entry else [cutover.pk]
    assert getattr(client, method)(reverse(name, args=args)).status_code == 405


def test_a_missing_migration_is_a_404(client, staff):
    client.force_login(staff)
    assert client.get(reverse("reentry-worklist", args=[99999])).status_code == 404


def test_no_link_on_any_log_page_carries_an_nhs_number(client, staff, cutover, entries, after_go_live):
    import re

    services.entry_void(entry=EntryFactory(migration=cutover, recorded_by=staff), reason="Duplicate", by=staff)
    client.force_login(staff)
    for url in page_urls(cutover, entries[0]):
        if url.endswith(".csv"):
            continue
        body = client.get(url).content.decode()
        for target in re.findall(r'(?:href|action|formaction)="([^"]*)"', body):
            assert not re.search(r"\d{3}\W?\d{3}\W?\d{4}", target), (url, target)


def test_pages_with_patient_details_are_not_cached(client, staff, cutover, entries, after_go_live):
    client.force_login(staff)
    for url in page_urls(cutover, entries[0]):
        if "paper-form" in url:
            continue
        assert "no-store" in client.get(url).headers.get("Cache-Control", ""), url
