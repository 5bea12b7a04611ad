"""Races and look-alike names answer with the form's error, never 500 (issue 19, item 6).

The same submit arriving many times at once: ten adds of one third-party system, ten invitations
to one address, six accepts of one invitation. The threaded tests need PostgreSQL's row locks and
real concurrent connections, so they are skipped on SQLite (as in tests/tasks/test_concurrency.py);
the same paths are tested one after the other on every database first.
"""

import threading
import time

import pytest
from django.db import connection, transaction
from django.test import Client
from django.urls import reverse

from coordinator import people_forms as practice_forms
from practices.invitations import (
    InvitationProblem,
    invitation_accept_as_new_user,
    invitation_create,
    invitation_token,
)
from practices.models import Invitation, Practice, ThirdPartySystem, User, name_key
from systems.third_party import DuplicateSystemName, third_party_system_create

SYSTEM = {"name": "PILOT LINK", "category": "pathology_link"}
NEW_PERSON = "new.person@riverside.example"
ACCOUNT = {"first_name": "Sam", "last_name": "Okafor", "password1": "a-brand-new-password-7"}
ACCOUNT["password2"] = ACCOUNT["password1"]


def _add_system(client, migration, **data):
    return client.post(reverse("system-add", args=[migration.pk]), {**SYSTEM, **data})


# One after the other, on every database ---------------------------------------------------------


@pytest.mark.parametrize("again", ["PİLOT LINK", "pilot  link", "Pilot Link", "PILÔT LINK"])
def test_a_name_that_differs_only_in_case_accent_or_spaces_is_refused_with_a_field_error(
    client, migration, manager, again
):
    client.force_login(manager)
    assert _add_system(client, migration).status_code == 302
    response = _add_system(client, migration, name=again)
    assert response.status_code == 200
    assert "The practice already has a system called" in response.context["form"].errors["name"][0]
    assert ThirdPartySystem.objects.count() == 1


def test_the_form_and_the_database_share_one_rule():
    assert name_key("PİLOT LINK") == name_key("pilot link") == name_key(" Pilot\tLink ") == "pilot link"
    assert name_key("Straße") == name_key("STRASSE")
    assert name_key("Docman") != name_key("Docman 10")


def test_a_name_taken_after_the_form_checked_is_a_field_error_not_500(client, migration, manager, monkeypatch):
    """What the losers of a race see: the form found no clash, the database did."""
    client.force_login(manager)
    assert _add_system(client, migration).status_code == 302
    monkeypatch.setattr(practice_forms, "third_party_system_with_name", lambda **kwargs: None)
    response = _add_system(client, migration, name="Pilot link")
    assert response.status_code == 200
    assert response.context["form"].errors["name"] == ["The practice already has a system called PILOT LINK."]
    assert ThirdPartySystem.objects.count() == 1


def test_renaming_onto_a_taken_name_is_a_field_error_not_500(client, migration, manager, practice, monkeypatch):
    client.force_login(manager)
    third_party_system_create(practice=practice, by=manager, **SYSTEM)
    other = third_party_system_create(practice=practice, by=manager, name="Docman", category="document_management")
    monkeypatch.setattr(practice_forms, "third_party_system_with_name", lambda **kwargs: None)
    response = client.post(reverse("system-edit", args=[migration.pk, other.pk]), {**SYSTEM, "name": "PİLOT LINK"})
    assert response.status_code == 200
    assert "already has a system called PILOT LINK" in response.context["form"].errors["name"][0]
    other.refresh_from_db()
    assert other.name == "Docman"


def test_the_service_refuses_a_taken_name_whatever_called_it(practice, manager):
    third_party_system_create(practice=practice, by=manager, **SYSTEM)
    with pytest.raises(DuplicateSystemName) as refused:
        third_party_system_create(practice=practice, by=manager, **{**SYSTEM, "name": "PİLOT LINK"})
    assert refused.value.existing.name == "PILOT LINK"


def test_accepting_an_invitation_twice_makes_one_account(practice, migration, manager):
    invitation = invitation_create(practice=practice, migration=migration, email=NEW_PERSON, role="it_lead", by=manager)
    names = {"first_name": "Sam", "last_name": "Okafor", "password": ACCOUNT["password1"]}
    invitation_accept_as_new_user(invitation=invitation, **names)
    with pytest.raises(InvitationProblem) as problem:
        invitation_accept_as_new_user(invitation=invitation, **names)  # the second submit's copy, loaded earlier
    assert problem.value.kind == "used"
    assert User.objects.filter(email=NEW_PERSON).count() == 1


# At the same moment, on PostgreSQL -------------------------------------------------------------


@pytest.fixture
def postgresql(transactional_db):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL for concurrent transactions (set DATABASE_URL)")


def _at_once(requests: list) -> list:
    """Run each callable in its own thread (and database connection); their results or exceptions."""
    results: list = [None] * len(requests)

    def run(index, request):
        try:
            results[index] = request()
        except Exception as exc:  # the test looks at what each got
            results[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, r)) for i, r in enumerate(requests)]
    for thread in threads:
        thread.start()
    return threads, results


def _wait_until_waiting(count: int) -> None:
    """Wait until `count` other connections to this database wait for a lock this test holds."""
    deadline = time.monotonic() + 15
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            cursor.execute("SELECT pg_stat_clear_snapshot()")  # else one snapshot per transaction
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
            )
            if cursor.fetchone()[0] >= count:
                return
            time.sleep(0.02)
        cursor.execute(
            "SELECT wait_event_type, wait_event, state, left(query, 80) FROM pg_stat_activity"
            " WHERE datname = current_database()"
        )
        seen = cursor.fetchall()
    raise AssertionError(f"{count} requests never queued behind the lock: {seen}")


def _signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _join(threads):
    for thread in threads:
        thread.join(30)


def test_ten_adds_of_one_name_at_once_make_one_system_and_nine_field_errors(postgresql, migration, manager):
    clients = [_signed_in(manager) for _ in range(10)]
    # An uncommitted row with the name holds every insert at the unique index, after each form
    # has checked and found nothing; then it goes, and the ten race for real.
    with transaction.atomic():
        ThirdPartySystem.objects.create(practice=migration.practice, name="Pilot link", category="other")
        threads, results = _at_once([lambda c=c: _add_system(c, migration) for c in clients])
        _wait_until_waiting(10)
        transaction.set_rollback(True)
    _join(threads)
    statuses = sorted(getattr(result, "status_code", result) for result in results)
    assert statuses == [200] * 9 + [302], results
    refused = [r for r in results if r.status_code == 200]
    assert all("already has a system called" in r.context["form"].errors["name"][0] for r in refused)
    assert ThirdPartySystem.objects.filter(practice=migration.practice).count() == 1


def test_ten_invitations_to_one_address_at_once_make_one_invitation_and_one_email(
    postgresql, migration, manager, mailoutbox
):
    clients = [_signed_in(manager) for _ in range(10)]
    url = reverse("invitation-create", args=[migration.pk])
    with transaction.atomic():
        Practice.objects.select_for_update().get(pk=migration.practice_id)
        threads, results = _at_once(
            [lambda c=c: c.post(url, {"email": NEW_PERSON, "role": "practice_staff"}) for c in clients]
        )
        _wait_until_waiting(10)
    _join(threads)
    assert [getattr(result, "status_code", result) for result in results] == [302] * 10, results
    assert Invitation.objects.count() == 1
    assert [message.to for message in mailoutbox] == [[NEW_PERSON]]


def test_six_accepts_of_one_invitation_at_once_make_one_account(postgresql, migration, manager):
    invitation = invitation_create(
        practice=migration.practice, migration=migration, email=NEW_PERSON, role="practice_staff", by=manager
    )
    url = reverse("invitation-accept", args=[migration.practice.ods_code, invitation_token(invitation)])
    clients = [Client() for _ in range(6)]
    with transaction.atomic():
        Invitation.objects.select_for_update().get(pk=invitation.pk)
        threads, results = _at_once([lambda c=c: c.post(url, ACCOUNT) for c in clients])
        _wait_until_waiting(6)
    _join(threads)
    statuses = sorted(getattr(result, "status_code", result) for result in results)
    assert statuses == [302] + [410] * 5, results
    assert User.objects.filter(email=NEW_PERSON).count() == 1
    invitation.refresh_from_db()
    assert invitation.accepted_by.email == NEW_PERSON
