import pytest
from django.urls import reverse

from cutover import health

pytestmark = pytest.mark.django_db


def test_health_reports_unhealthy_when_no_worker_answers(client, monkeypatch):
    monkeypatch.setattr(health, "broker_status", lambda: ("no workers answered", 0))
    response = client.get(reverse("health"))
    assert response.status_code == 503
    assert response.json() == {
        "status": "unhealthy",
        "database": "ok",
        "broker": "no workers answered",
        "workers": 0,
    }


def test_health_reports_a_broken_database(client, monkeypatch):
    monkeypatch.setattr(health, "database_status", lambda: "error: OperationalError")
    monkeypatch.setattr(health, "broker_status", lambda: ("ok", 1))
    response = client.get(reverse("health"))
    assert response.status_code == 503
    assert response.json()["database"] == "error: OperationalError"


def test_health_reports_a_broker_that_cannot_be_reached(client, settings):
    from cutover.celery import app

    original = app.conf.broker_url
    app.conf.broker_url = "redis://127.0.0.1:1/0"
    try:
        response = client.get(reverse("health"))
    finally:
        app.conf.broker_url = original
    assert response.status_code == 503
    assert response.json()["broker"].startswith("error")


def test_superusers_can_use_the_admin(client, superuser, migration):
    client.force_login(superuser)
    for url in [
        reverse("admin:index"),
        reverse("admin:cutover_migration_changelist"),
        reverse("admin:cutover_migration_change", args=[migration.pk]),
        reverse("admin:practices_user_add"),
        reverse("admin:practices_practice_changelist"),
    ]:
        assert client.get(url).status_code == 200, url


def test_admin_can_add_a_user_by_email(client, superuser):
    from practices.models import User

    client.force_login(superuser)
    response = client.post(
        reverse("admin:practices_user_add"),
        {
            "email": "New.Person@example.org",
            "usable_password": "true",
            "password1": "a-long-test-password-9",
            "password2": "a-long-test-password-9",
        },
    )
    assert response.status_code == 302
    assert User.objects.filter(email="new.person@example.org").exists()


def test_practice_users_cannot_use_the_admin(client, manager):
    client.force_login(manager)
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302
