"""The printed cutover papers, as the people who print them see them."""

import re

import pytest
from django.urls import reverse

from practices.models import Stakeholder, StakeholderRole
from reentry.models import AccessEvent
from tasks.models import Task
from tasks.services import plan_create_for_migration
from tests.factories import ThirdPartySystemFactory
from tests.reentry.factories import EntryFactory, RegistrationEntryFactory

SECTIONS = ["Cutover pack:", "Key dates", "Who is involved", "Linked systems", "The plan", "Cutover activity record"]


def headings(html: str) -> list[str]:
    return [" ".join(text.split()) for text in re.findall(r"<h[12][^>]*>(.*?)</h[12]>", html, flags=re.S)]


@pytest.fixture
def ready(migration, manager):
    plan_create_for_migration(migration=migration)
    Stakeholder.objects.create(
        migration=migration, role=StakeholderRole.PRACTICE_MANAGER, user=manager, phone="0113 496 0000"
    )
    ThirdPartySystemFactory(practice=migration.practice, name="Docman", contact_phone="0113 496 0101")
    return migration


@pytest.mark.django_db
def test_the_pack_holds_every_section_for_the_practice_manager(client, manager, ready):
    client.force_login(manager)
    text = client.get(reverse("print-pack", args=[ready.pk])).content.decode()

    found = headings(text)
    positions = [next(i for i, heading in enumerate(found) if heading.startswith(section)) for section in SECTIONS]
    assert positions == sorted(positions), f"the sections come in the pack's order: {found}"
    assert "EMIS Health" in text and "TPP" in text  # both suppliers
    assert "0113 496 0000" in text  # the manager's phone number
    assert "Docman" in text and "0113 496 0101" in text  # the system and its supplier's phone
    open_tasks = Task.objects.filter(migration=ready, status=Task.Status.OPEN).count()
    assert text.count('aria-label="Box to tick"') == open_tasks + 2  # every open task, and both steps of Docman
    assert 'class="print-section"' in text


@pytest.mark.django_db
def test_the_pack_is_printed_with_a_stylesheet_that_hides_navigation_and_buttons(client, manager, ready):
    client.force_login(manager)
    text = client.get(reverse("print-pack", args=[ready.pk])).content.decode()
    assert "printouts/print.css" in text
    css = (client.get("/static/printouts/print.css").getvalue() or b"").decode()
    assert "@media print" in css and ".print-screen-only" in css and "table-header-group" in css


@pytest.mark.django_db
def test_an_icb_user_gets_the_pack_without_paper_forms_or_patient_details(client, icb_user, ready):
    entry = EntryFactory(migration=ready)
    registration = RegistrationEntryFactory(migration=ready)
    client.force_login(icb_user)
    response = client.get(reverse("print-pack", args=[ready.pk]))

    assert response.status_code == 200
    text = response.content.decode()
    assert "Cutover activity record" not in text
    assert "The practice prints its own paper forms" in text
    assert entry.nhs_number not in text and registration.patient_name not in text


@pytest.mark.django_db
def test_the_plan_prints_alone(client, staff, ready):
    client.force_login(staff)
    text = client.get(reverse("print-plan", args=[ready.pk])).content.decode()
    assert "Cutover plan: Riverside Medical Centre" in text
    assert "Hold the cutover planning meeting" in text
    assert "Who is involved" not in text and "Cutover activity record" not in text


@pytest.mark.django_db
def test_the_worklist_prints_alone_for_the_practice_and_is_recorded(client, staff, icb_user, ready):
    entry = EntryFactory(migration=ready)
    client.force_login(staff)
    response = client.get(reverse("print-worklist", args=[ready.pk]))

    assert entry.nhs_number_display in response.content.decode()
    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]
    assert AccessEvent.objects.filter(user=staff, action=AccessEvent.Action.VIEWED_WORKLIST).count() == 1

    client.force_login(icb_user)
    assert client.get(reverse("print-worklist", args=[ready.pk])).status_code == 403


@pytest.mark.django_db
def test_the_pack_reads_the_database_a_fixed_number_of_times(client, manager, ready, django_assert_max_num_queries):
    for n in range(5):
        ThirdPartySystemFactory(practice=ready.practice, name=f"System {n}")
    client.force_login(manager)
    client.get(reverse("print-pack", args=[ready.pk]))
    with django_assert_max_num_queries(20):
        client.get(reverse("print-pack", args=[ready.pk]))
