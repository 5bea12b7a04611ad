"""The practice manager marks who is the practice's clinical lead: one or more members, audited,
in their own practice only. The clinical lead signs off the data checking."""

import pytest
from django.urls import reverse

from practices.models import PracticeMembership

from ..factories import PracticeMembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


def url(migration):
    return reverse("clinical-leads", args=[migration.pk])


def membership(user, practice):
    return PracticeMembership.objects.get(user=user, practice=practice)


@pytest.fixture
def gp(practice):
    return PracticeMembershipFactory(
        practice=practice,
        role=PracticeMembership.Role.PRACTICE_STAFF,
        user=UserFactory(email="dr.lead@riverside.example", first_name="Asha", last_name="Rao"),
    )


def test_the_manager_marks_the_clinical_lead_who_can_then_sign_off_the_data(client, manager, gp, migration):
    client.force_login(manager)
    people = client.get(reverse("people", args=[migration.pk])).content.decode()
    assert "nobody yet" in people and "Choose the clinical lead" in people
    response = client.post(url(migration), {"leads": [gp.pk]})
    assert response.status_code == 302
    gp.refresh_from_db()
    assert gp.is_clinical_lead
    change = gp.history.first()
    assert (change.history_user, change.history_change_reason) == (manager, "Marked as clinical lead")
    assert "Asha Rao" in client.get(reverse("people", args=[migration.pk])).content.decode()
    client.force_login(gp.user)
    assert client.get(reverse("signoff-data-checking", args=[migration.pk])).status_code == 200


def test_a_practice_may_have_more_than_one_clinical_lead_and_change_them(
    client, manager, staff, gp, practice, migration
):
    client.force_login(manager)
    client.post(url(migration), {"leads": [gp.pk, membership(staff, practice).pk]})
    assert set(PracticeMembership.objects.filter(is_clinical_lead=True)) == {gp, membership(staff, practice)}
    client.post(url(migration), {"leads": [membership(staff, practice).pk]})
    gp.refresh_from_db()
    assert not gp.is_clinical_lead
    assert gp.history.first().history_change_reason == "No longer clinical lead"


def test_choosing_nobody_is_refused_beside_the_field_and_nothing_changes(client, manager, gp, migration):
    gp.is_clinical_lead = True
    gp.save()
    client.force_login(manager)
    response = client.post(url(migration), {})
    assert response.status_code == 200
    assert "Choose at least one clinical lead" in " ".join(response.context["form"].errors["leads"])
    assert "nhsuk-error-summary" in response.content.decode()
    gp.refresh_from_db()
    assert gp.is_clinical_lead


def test_a_member_of_another_practice_cannot_be_marked(client, manager, migration):
    stranger = PracticeMembershipFactory(role=PracticeMembership.Role.PRACTICE_STAFF)
    client.force_login(manager)
    response = client.post(url(migration), {"leads": [stranger.pk]})
    assert response.status_code == 200
    assert "leads" in response.context["form"].errors
    stranger.refresh_from_db()
    assert not stranger.is_clinical_lead


@pytest.mark.parametrize("who", ["staff", "it_lead", "icb_user"])
def test_only_the_manager_marks_the_clinical_lead(client, request, who, gp, migration):
    client.force_login(request.getfixturevalue(who))
    assert client.post(url(migration), {"leads": [gp.pk]}).status_code == 403
    gp.refresh_from_db()
    assert not gp.is_clinical_lead


def test_an_outsider_gets_not_found_and_the_wrong_method_is_refused(client, manager, gp, migration):
    outsider = PracticeMembershipFactory(role=PracticeMembership.Role.PRACTICE_MANAGER).user
    client.force_login(outsider)
    assert client.get(url(migration)).status_code == 404
    client.force_login(manager)
    assert client.put(url(migration)).status_code == 405
    client.logout()
    assert client.get(url(migration)).status_code == 302
