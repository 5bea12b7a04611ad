"""Error pages sit in the site layout and say what happened and what to do next."""

import pytest
from django.template.loader import render_to_string
from django.test import Client
from django.urls import reverse

from tests.reentry.factories import EntryFactory

pytestmark = pytest.mark.django_db


def in_layout(html: str) -> bool:
    return 'class="nhsuk-header"' in html and 'id="maincontent"' in html and 'class="nhsuk-footer"' in html


def test_a_missing_page_says_so_in_the_layout(client, manager):
    client.force_login(manager)
    response = client.get("/migrations/999999/")
    html = response.content.decode()
    assert response.status_code == 404
    assert in_layout(html) and "<h1>Page not found</h1>" in html
    assert "What you can do" in html and f'href="{reverse("home")}"' in html


def test_staff_refused_a_managers_page_read_why_and_what_to_do(client, staff, migration):
    client.force_login(staff)
    response = client.get(reverse("migration-edit", args=[migration.pk]))
    html = response.content.decode()
    assert response.status_code == 403
    assert in_layout(html) and "You cannot do this" in html and "What you can do" in html
    assert "Patient details are for the practice only" not in html


@pytest.mark.parametrize("role", ["icb", "partner"])
def test_icb_and_partner_users_are_told_patient_details_are_for_the_practice_only(client, users, migration, role):
    EntryFactory(migration=migration)
    client.force_login(users[role])
    response = client.get(reverse("reentry-log", args=[migration.pk]))
    html = response.content.decode()
    assert response.status_code == 403
    assert in_layout(html) and "Patient details are for the practice only" in html
    assert f'<a href="{reverse("migration-detail", args=[migration.pk])}">the migration page</a>' in html


def test_a_form_sent_with_a_stale_token_explains_nothing_was_saved(manager, migration):
    client = Client(enforce_csrf_checks=True)
    client.force_login(manager)
    response = client.post(reverse("migration-edit", args=[migration.pk]), {"legacy_support_days": 1})
    html = response.content.decode()
    assert response.status_code == 403
    assert in_layout(html) and "Your form could not be sent" in html and "Nothing was saved" in html


def test_a_bad_request_page_is_in_the_layout(rf, manager):
    from django.views.defaults import bad_request

    request = rf.get("/")
    request.user = manager
    html = bad_request(request, Exception("bad")).content.decode()
    assert in_layout(html) and "Something was wrong with the request" in html


def test_the_server_error_page_renders_without_a_request_or_the_database(django_assert_num_queries):
    with django_assert_num_queries(0):
        html = render_to_string("500.html")
    assert 'class="nhsuk-header"' in html and "Sorry, there is a problem with the service" in html
    assert "What you can do" in html and "<script" not in html


def test_an_unexpected_failure_shows_the_server_error_page(client, manager, monkeypatch):
    from coordinator import views

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(views, "render", broken)
    client.raise_request_exception = False
    client.force_login(manager)
    response = client.get(reverse("migration-list"))
    assert response.status_code == 500
    assert "Sorry, there is a problem with the service" in response.content.decode()
