"""A sign-off, told to the Teams channels that chose sign-offs.

The lifecycle app records the sign-off and hands it to reminders.teams_announced in the same
transaction; the sweep and sender post it to a local HTTPS webhook the test starts."""

import pytest

from lifecycle.closing import migration_complete
from lifecycle.signoffs import signoff_data_checking, signoff_go_live
from reminders.models import ReminderLog
from reminders.send import reminder_send
from reminders.sweep import reminders_sweep
from reminders.teams import teams_channel_save
from reminders.teams_announced import SIGN_OFF_CLOSE_OUT, SIGN_OFF_DATA_CHECKING

from .conftest import d

pytestmark = pytest.mark.django_db

EVENTS = {
    "escalations": False,
    "switch_off": False,
    "fdp_day": False,
    "go_live": False,
    "turned_red": False,
    "sign_off": True,
}


@pytest.fixture
def planned(clock, make_migration, manager, practice):
    """Tue 2 Feb 2027: FDP 2 Mar, go-live 9 Mar; the manager is also the practice's clinical lead."""
    clock("2027-02-02 10:00")
    manager.practice_memberships.filter(practice=practice).update(is_clinical_lead=True)
    return make_migration("2027-03-02", planning_meeting_date=d("2027-01-20"))


def send_all():
    for pk in reminders_sweep(enqueue=False).ready_ids:
        reminder_send(reminder_id=pk)


def sign_off_cards(server) -> list[dict]:
    return [
        card for card in server.cards if "signed off" in card["body"][0]["text"] or "closed" in card["body"][0]["text"]
    ]


def test_a_data_checking_go_is_told_once_without_what_the_clinical_lead_wrote(teams_server, practice, planned, manager):
    channel = teams_channel_save(channel=None, practice=practice, url=teams_server.url(), events=EVENTS)

    signoff_data_checking(migration=planned, by=manager, decision="go", comment="Mrs Example's record matched")
    send_all()
    send_all()

    [card] = sign_off_cards(teams_server)
    assert card["body"][0]["text"] == "Riverside Medical Centre: data checking signed off"
    who = manager.get_full_name() or manager.email
    assert f"- Data checking: go, signed off by {who} on 2 Feb 2027." in card["body"][2]["text"]
    assert "Mrs Example" not in str(card)
    assert ReminderLog.objects.get(channel=channel, kind=SIGN_OFF_DATA_CHECKING).status == "sent"


def test_a_no_go_says_where_the_dates_moved(teams_server, practice, planned, manager):
    teams_channel_save(channel=None, practice=practice, url=teams_server.url(), events=EVENTS)

    signoff_data_checking(
        migration=planned,
        by=manager,
        decision="no_go",
        comment="QOF registers differ",
        new_fdp_date=d("2027-03-16"),
        new_go_live_date=d("2027-03-23"),
    )
    send_all()

    [card] = sign_off_cards(teams_server)
    assert "Data checking: no-go" in card["body"][2]["text"]
    assert "FDP moves to 16 Mar 2027 and go-live to 23 Mar 2027." in card["body"][2]["text"]


def test_a_channel_that_did_not_choose_sign_offs_hears_nothing(teams_server, practice, planned, manager):
    teams_channel_save(channel=None, practice=practice, url=teams_server.url(), events={**EVENTS, "sign_off": False})

    signoff_data_checking(migration=planned, by=manager, decision="go")
    send_all()

    assert sign_off_cards(teams_server) == []
    assert not ReminderLog.objects.filter(kind=SIGN_OFF_DATA_CHECKING).exists()


def test_go_live_and_completing_are_told_to_the_icb_too(teams_server, practice, planned, manager, clock):
    teams_channel_save(channel=None, organisation=practice.icb, url=teams_server.url(), events=EVENTS)
    clock("2027-03-09 10:00")  # go-live day

    signoff_go_live(migration=planned, by=manager)
    send_all()
    migration_complete(migration=planned, lessons_learned="Book the trainers earlier.", by=manager)
    send_all()

    titles = [card["body"][0]["text"] for card in sign_off_cards(teams_server)]
    assert titles == [
        "Riverside Medical Centre: go-live signed off",
        "Riverside Medical Centre: migration completed and closed",
    ]
    # Completing closes the migration and cancels what was waiting; its own message still goes.
    assert ReminderLog.objects.get(kind=SIGN_OFF_CLOSE_OUT).status == "sent"
