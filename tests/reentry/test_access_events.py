"""Looking at patient details leaves a record: who, when, what (reentry.AccessEvent).

Viewing an entry (its page, or the void page that shows it), the worklist, the whole log and the
CSV export each add one; refused requests add none; and the practice manager can read them back on
the Activity page, which nobody else can.
"""

import datetime

import pytest
from django.urls import reverse

from reentry.models import AccessEvent

from ..audit.test_activity import activity_url, rows
from ..factories import at
from .conftest import GO_LIVE, travel
from .factories import EntryFactory

pytestmark = pytest.mark.django_db
WHEN = at(GO_LIVE + datetime.timedelta(days=1), 9)


@pytest.fixture
def entry(cutover):
    return EntryFactory(migration=cutover)


def visit(client, user, url):
    with travel(WHEN):
        client.force_login(user)
        return client.get(url)


@pytest.mark.parametrize(
    ("name", "with_entry", "action"),
    [
        ("reentry-entry", True, AccessEvent.Action.VIEWED_ENTRY),
        ("reentry-void", True, AccessEvent.Action.VIEWED_ENTRY),
        ("reentry-worklist", False, AccessEvent.Action.VIEWED_WORKLIST),
        ("reentry-log", False, AccessEvent.Action.VIEWED_LOG),
        ("reentry-export", False, AccessEvent.Action.EXPORTED_CSV),
    ],
)
def test_each_page_with_patient_details_records_who_looked_and_when(
    client, cutover, entry, staff, name, with_entry, action
):
    args = [cutover.pk, entry.pk] if with_entry else [cutover.pk]
    response = visit(client, staff, reverse(name, args=args))
    assert response.status_code == 200
    event = AccessEvent.objects.get()
    assert (event.user, event.action, event.migration, event.at) == (staff, action, cutover, WHEN)
    assert event.entry == (entry if with_entry else None)


def test_an_export_is_recorded_before_a_single_row_is_sent(client, cutover, entry, staff):
    response = visit(client, staff, reverse("reentry-export", args=[cutover.pk]))
    assert response.streaming  # nothing read yet
    assert AccessEvent.objects.filter(action=AccessEvent.Action.EXPORTED_CSV, user=staff).count() == 1


def test_each_view_is_its_own_record(client, cutover, entry, staff, colleague):
    url = reverse("reentry-entry", args=[cutover.pk, entry.pk])
    visit(client, staff, url)
    visit(client, staff, url)
    visit(client, colleague, url)
    assert AccessEvent.objects.filter(entry=entry).count() == 3


def test_the_entry_page_shows_who_has_looked_at_it(client, cutover, entry, staff, colleague):
    url = reverse("reentry-entry", args=[cutover.pk, entry.pk])
    visit(client, colleague, url)
    assert str(colleague) in visit(client, staff, url).content.decode()


def test_a_refused_request_records_nothing(client, cutover, entry, icb_user, partner_user, superuser, outsider):
    urls = [reverse("reentry-entry", args=[cutover.pk, entry.pk]), reverse("reentry-export", args=[cutover.pk])]
    for user in (icb_user, partner_user, superuser, outsider):
        for url in urls:
            assert visit(client, user, url).status_code in (403, 404)
    client.logout()
    assert client.get(urls[0]).status_code == 302
    assert not AccessEvent.objects.exists()


def test_voiding_an_entry_records_the_change_not_another_view(client, cutover, entry, staff):
    with travel(WHEN):
        client.force_login(staff)
        client.post(reverse("reentry-void", args=[cutover.pk, entry.pk]), {"reason": "Recorded twice"})
    entry.refresh_from_db()
    assert entry.is_voided
    assert not AccessEvent.objects.exists()


def test_the_manager_reads_who_looked_on_the_activity_page(client, cutover, entry, staff, manager):
    visit(client, staff, reverse("reentry-entry", args=[cutover.pk, entry.pk]))
    visit(client, staff, reverse("reentry-export", args=[cutover.pk]))
    lines = rows(visit(client, manager, activity_url(cutover, kind="access")))
    assert len(lines) == 2
    assert f"{staff}" in lines[0] and "Re-entry log: exported as a spreadsheet (CSV)" in lines[0]
    assert f"Re-entry entry #{entry.pk}: details viewed" in lines[1]
    # Looks are not changes: "Everything" leaves them out.
    assert not any("details viewed" in line for line in rows(visit(client, manager, activity_url(cutover))))


@pytest.mark.parametrize("role", ["staff", "icb"])
def test_nobody_but_the_manager_can_ask_who_looked(client, cutover, entry, staff, icb_user, role):
    visit(client, staff, reverse("reentry-entry", args=[cutover.pk, entry.pk]))
    user = {"staff": staff, "icb": icb_user}[role]
    response = visit(client, user, activity_url(cutover, kind="access"))
    assert response.status_code == 200
    assert "kind" in response.context["filter_form"].errors
    assert not any("details viewed" in line for line in rows(response))
