"""Inviting someone to a practice: the email, and a link that works once, for one practice, for a week."""

import datetime

import pytest
import time_machine
from django.core import signing
from django.urls import reverse
from django.utils import timezone
from kombu.exceptions import OperationalError

from practices import jobs
from practices.invitations import (
    REPEAT_WINDOW,
    SALT,
    AlreadyMember,
    InvitationProblem,
    invitation_accept,
    invitation_accept_as_new_user,
    invitation_create,
    invitation_open,
    invitation_token,
    invitations_create,
)
from practices.models import Invitation, PracticeMembership, User

from ..factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a-brand-new-password-7"


@pytest.fixture
def invite(practice, migration, manager, django_capture_on_commit_callbacks, mailoutbox):
    def go(email="new.person@riverside.example", role="practice_staff"):
        with django_capture_on_commit_callbacks(execute=True):
            invitation = invitation_create(practice=practice, migration=migration, email=email, role=role, by=manager)
        return invitation, _link(mailoutbox[-1])

    return go


def _link(message) -> str:
    line = next(line for line in message.body.splitlines() if "/join/" in line)
    return line.strip().removeprefix("http://127.0.0.1:8000")


def test_the_invitation_email_has_a_subject_text_and_html_with_the_link(invite, mailoutbox, practice):
    _, link = invite()
    message = mailoutbox[0]
    assert message.to == ["new.person@riverside.example"]
    assert message.subject == "Join Riverside Medical Centre on Cutover Coordinator"
    assert "as practice staff" in message.body
    html, kind = message.alternatives[0]
    assert kind == "text/html"
    assert link in html
    assert link.startswith(f"/join/{practice.ods_code}/")


def test_the_email_is_sent_only_once_the_invitation_is_saved(practice, manager, mailoutbox):
    from django.db import transaction

    with transaction.atomic():
        invitation_create(practice=practice, email="someone@riverside.example", role="it_lead", by=manager)
        assert mailoutbox == []


# Committing for real, as in production: the email goes as soon as the invitation is saved, while
# the request is still running, so the page can say at once whether it went.
@pytest.mark.django_db(transaction=True)
def test_a_mail_server_that_refuses_the_email_leaves_the_invitation_saved_and_says_so(
    client, practice, migration, manager, settings
):
    settings.EMAIL_BACKEND = "tests.reminders.failing_backend.EmailBackend"
    client.force_login(manager)
    invite_url = reverse("invitation-create", args=[migration.pk])
    person = {"email": "new.person@riverside.example", "role": "practice_staff"}
    response = client.post(invite_url, person, follow=True)
    assert response.status_code == 200
    invitation = Invitation.objects.get(email="new.person@riverside.example")
    assert invitation.email_failed_at is not None
    page = response.content.decode()
    assert "the email could not be sent" in page and "Email not sent" in page
    # "Send again" opens the form with the address and role filled in.
    resend = client.get(invite_url, {"email": "new.person@riverside.example", "role": "practice_staff"})
    assert f"{invite_url}?email=new.person%40riverside.example&amp;role=practice_staff" in page
    assert resend.context["form"].initial == {"email": "new.person@riverside.example", "role": "practice_staff"}
    # Inviting again once the server is back replaces the failed one with one that went.
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    response = client.post(invite_url, person, follow=True)
    assert "Invitation sent to new.person@riverside.example" in response.content.decode()
    current = Invitation.objects.get(email="new.person@riverside.example", replaced_at__isnull=True)
    assert current.email_failed_at is None


def test_a_new_person_accepts_by_choosing_a_password(client, invite, practice, migration, manager):
    invitation, link = invite()
    page = client.get(link)
    assert page.status_code == 200
    assert "Choose a password" in page.content.decode()
    response = client.post(
        link, {"first_name": "Nia", "last_name": "Jones", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
    )
    assert response.status_code == 302
    user = User.objects.get(email="new.person@riverside.example")
    assert user.check_password(NEW_PASSWORD)
    assert PracticeMembership.objects.get(user=user, practice=practice).role == "practice_staff"
    invitation.refresh_from_db()
    assert invitation.accepted_by == user
    assert invitation.accepted_at is not None
    # They are signed in, and now part of the migration they were invited from.
    assert client.get(reverse("migration-detail", args=[migration.pk])).status_code == 200
    assert migration.stakeholders.get(user=user).role == "practice_staff"


def test_a_weak_or_mismatched_password_keeps_nothing(client, invite):
    _, link = invite()
    response = client.post(
        link, {"first_name": "Nia", "last_name": "Jones", "password1": "short", "password2": "short"}
    )
    assert response.status_code == 200
    assert "too short" in response.content.decode()
    response = client.post(
        link, {"first_name": "Nia", "last_name": "Jones", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD + "x"}
    )
    assert "The two passwords are different" in response.content.decode()
    assert not User.objects.filter(email="new.person@riverside.example").exists()
    assert Invitation.objects.get().accepted_at is None


def test_someone_with_an_account_signs_in_then_accepts(client, invite, practice):
    existing = UserFactory(email="new.person@riverside.example")
    _, link = invite(role="it_lead")
    page = client.get(link).content.decode()
    assert "Sign in to accept" in page
    client.force_login(existing)
    assert "Join Riverside Medical Centre" in client.get(link).content.decode()
    assert client.post(link).status_code == 302
    assert PracticeMembership.objects.get(user=existing, practice=practice).role == "it_lead"


def test_an_expired_link_gets_a_clear_page(client, invite):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        _, link = invite()
    with time_machine.travel(start + datetime.timedelta(days=7, minutes=1), tick=False):
        response = client.get(link)
        assert response.status_code == 410
        assert "This invitation has expired" in response.content.decode()
        response = client.post(
            link, {"first_name": "N", "last_name": "J", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
        )
    assert response.status_code == 410
    assert not User.objects.filter(email="new.person@riverside.example").exists()


def test_a_link_still_works_on_its_last_day(client, invite):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        _, link = invite()
    with time_machine.travel(start + datetime.timedelta(days=6, hours=23), tick=False):
        assert client.get(link).status_code == 200


def test_a_used_link_cannot_be_used_again(client, invite):
    _, link = invite()
    client.post(link, {"first_name": "Nia", "last_name": "Jones", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    client.logout()
    response = client.get(link)
    assert response.status_code == 410
    assert "already been used" in response.content.decode()


def test_two_clicks_at_once_accept_only_once(invite, practice):
    invitation, _ = invite()
    user = UserFactory(email="new.person@riverside.example")
    stale_copy = Invitation.objects.get(pk=invitation.pk)
    invitation_accept(invitation=invitation, user=user)
    with pytest.raises(InvitationProblem) as caught:
        invitation_accept(invitation=stale_copy, user=user)
    assert caught.value.kind == "used"
    assert PracticeMembership.objects.filter(user=user, practice=practice).count() == 1


def test_a_link_for_another_practice_gets_a_clear_page(client, invite, other_practice):
    _, link = invite()
    token = link.rstrip("/").rsplit("/", 1)[1]
    response = client.get(reverse("invitation-accept", args=[other_practice.ods_code, token]))
    assert response.status_code == 404
    assert "This link is for a different practice" in response.content.decode()


def test_a_token_naming_another_practice_is_not_valid(invite, other_practice):
    invitation, _ = invite()
    forged = signing.dumps({"i": invitation.pk, "p": other_practice.pk}, salt=SALT, compress=True)
    with pytest.raises(InvitationProblem) as caught:
        invitation_open(forged, ods_code=other_practice.ods_code)
    assert caught.value.kind == "invalid"


@pytest.mark.parametrize("token", ["not-a-token", "eyJpIjoxfQ:1vQ:abc"])
def test_a_damaged_link_gets_a_clear_page_not_an_error(client, practice, token):
    response = client.get(reverse("invitation-accept", args=[practice.ods_code, token]))
    assert response.status_code == 404
    assert "This invitation link is not valid" in response.content.decode()


def test_signed_in_as_someone_else_the_link_says_so(client, invite, staff):
    invitation, link = invite()
    client.force_login(staff)
    for response in (client.get(link), client.post(link)):
        assert response.status_code == 403
        assert "sent to someone else" in response.content.decode()
    invitation.refresh_from_db()
    assert invitation.accepted_at is None


def test_inviting_the_same_address_again_replaces_the_older_link(client, invite):
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        first, first_link = invite()
        traveller.shift(REPEAT_WINDOW)  # later than a double submit
        _, second_link = invite()
    first.refresh_from_db()
    assert first.replaced_at is not None
    assert client.get(first_link).status_code == 410
    assert "has been replaced" in client.get(first_link).content.decode()
    assert client.get(second_link).status_code == 200


def test_the_same_invitation_sent_twice_at_once_is_one_invitation_and_one_email(invite, mailoutbox):
    first, _ = invite()
    second, _ = invite()
    assert second == first and first.replaced_at is None
    assert Invitation.objects.count() == 1
    assert len(mailoutbox) == 1


def test_a_different_role_or_a_failed_email_is_a_new_invitation_at_once(invite, mailoutbox):
    first, _ = invite(role="practice_staff")
    second, _ = invite(role="it_lead")
    assert second != first
    Invitation.objects.filter(pk=second.pk).update(email_failed_at=timezone.now())
    third, _ = invite(role="it_lead")  # "Send again" after the mail server refused it
    assert third != second
    assert len(mailoutbox) == 3


def test_a_member_cannot_be_invited_again(practice, manager, staff):
    with pytest.raises(AlreadyMember):
        invitation_create(practice=practice, email=staff.email.upper(), role="it_lead", by=manager)
    assert not Invitation.objects.exists()


def test_accepting_keeps_the_role_of_someone_who_became_a_member_meanwhile(invite, practice):
    invitation, _ = invite(role="it_lead")
    user = UserFactory(email="new.person@riverside.example")
    PracticeMembership.objects.create(user=user, practice=practice, role="practice_staff")
    invitation_accept(invitation=invitation, user=user)
    assert PracticeMembership.objects.get(user=user, practice=practice).role == "practice_staff"


def test_the_token_is_made_with_djangos_signing_and_names_the_invitation(invite):
    invitation, _ = invite()
    assert signing.loads(invitation_token(invitation), salt=SALT) == {"i": invitation.pk, "p": invitation.practice_id}


def test_the_password_of_an_existing_account_is_untouched(client, invite):
    existing = UserFactory(email="new.person@riverside.example")
    _, link = invite()
    client.post(link, {"first_name": "X", "last_name": "Y", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    existing.refresh_from_db()
    assert existing.check_password(PASSWORD)
    assert Invitation.objects.get().accepted_at is None


# --- A wave's invitations (invitations_create), emailed by a worker job ------------------------------


def wave_invitations(practice, migration, manager, *addresses):
    invitations_create(
        wanted=[(practice, address, migration) for address in addresses],
        role=PracticeMembership.Role.PRACTICE_MANAGER,
        by=manager,
    )


def test_a_waves_invitations_go_to_one_worker_job_once_they_are_saved(
    practice, migration, manager, monkeypatch, mailoutbox, django_capture_on_commit_callbacks
):
    handed = []
    monkeypatch.setattr(jobs.send_invitations, "delay", handed.append)
    with django_capture_on_commit_callbacks(execute=True):
        wave_invitations(practice, migration, manager, "one@riverside.example", "two@riverside.example")
        assert handed == []  # nothing before the commit

    saved = Invitation.objects.order_by("pk")
    assert handed == [[invitation.pk for invitation in saved]]
    assert mailoutbox == []  # the worker sends them, not the job creating the wave

    assert jobs.send_invitations(handed[0]) == 2
    assert sorted(message.to[0] for message in mailoutbox) == ["one@riverside.example", "two@riverside.example"]
    assert all(practice.name in message.subject for message in mailoutbox)


def test_with_the_broker_down_a_waves_invitations_are_emailed_at_once_instead(
    practice, migration, manager, monkeypatch, mailoutbox, django_capture_on_commit_callbacks
):
    def broker_down(ids):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(jobs.send_invitations, "delay", broker_down)
    with django_capture_on_commit_callbacks(execute=True):
        wave_invitations(practice, migration, manager, "one@riverside.example")

    assert [message.to for message in mailoutbox] == [["one@riverside.example"]]


def test_an_invitation_replaced_or_accepted_before_the_job_runs_is_not_emailed(
    practice, migration, manager, monkeypatch, mailoutbox, django_capture_on_commit_callbacks
):
    handed = []
    monkeypatch.setattr(jobs.send_invitations, "delay", handed.append)
    with django_capture_on_commit_callbacks(execute=True):
        wave_invitations(
            practice, migration, manager, "one@riverside.example", "two@riverside.example", "three@riverside.example"
        )
    _, two, _ = Invitation.objects.order_by("pk")
    with django_capture_on_commit_callbacks(execute=True):
        invitation_create(practice=practice, email="one@riverside.example", role="it_lead", by=manager)
    invitation_accept_as_new_user(invitation=two, first_name="Sam", last_name="Two", password=NEW_PASSWORD)
    mailoutbox.clear()

    assert jobs.send_invitations(handed[0]) == 1

    assert [message.to for message in mailoutbox] == [["three@riverside.example"]]
