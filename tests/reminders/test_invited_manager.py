"""A practice whose manager was named in a wave import but has not joined yet: the manager's
reminders go to the invited address rather than to nobody."""

import pytest

from practices.models import PracticeMembership

from ..factories import ContactFactory, UserFactory
from .conftest import by_address, send_due, walk

pytestmark = pytest.mark.django_db

INVITED = "new.manager@wave.example"


@pytest.fixture
def invited(make_migration, staff):
    migration = make_migration("2027-03-10", "2027-03-17")
    ContactFactory(migration=migration, role="practice_manager", name="Priya Shah", email=INVITED)
    return migration


def test_the_invited_manager_hears_about_the_planning_meeting_until_someone_joins(clock, invited):
    assert walk(clock, "2027-01-27", "2027-02-03") == {
        "2027-01-27": {"planning_meeting_ahead": [INVITED]},
        "2027-02-03": {"planning_meeting_ahead": [INVITED]},
    }


def test_the_email_says_how_to_get_in_and_still_links_to_the_page(clock, invited):
    clock("2027-01-27 07:30")
    (message,) = send_due()
    assert message.to == [f"Priya Shah <{INVITED}>"]
    assert "You were invited to Cutover Coordinator as the practice manager" in message.body
    assert f"/migrations/{invited.pk}/" in message.body
    assert "To stop these emails" not in message.body  # a deadline reminder: no way out


def test_go_live_day_goes_to_the_invited_manager_and_the_team(clock, invited, staff):
    clock("2027-03-17 07:30")
    assert sorted(by_address(send_due())) == sorted([INVITED, staff.email])


def test_once_a_manager_is_a_member_the_invitation_address_is_left_alone(clock, invited, practice):
    member = UserFactory(email="joined@riverside.example")
    PracticeMembership.objects.create(user=member, practice=practice, role=PracticeMembership.Role.PRACTICE_MANAGER)
    assert walk(clock, "2027-01-27", "2027-01-27") == {"2027-01-27": {"planning_meeting_ahead": [member.email]}}


def test_a_removed_invited_manager_gets_nothing(clock, invited):
    invited.stakeholders.update(removed_at=invited.created_at)
    assert walk(clock, "2027-01-27", "2027-02-03") == {}
