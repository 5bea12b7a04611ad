import pytest
from django.core.management import CommandError, call_command

from cutover.models import Migration
from practices.models import Practice, User

pytestmark = pytest.mark.django_db


def test_seed_demo_creates_migrations_at_three_stages_and_a_user_per_role(settings):
    settings.DEBUG = True
    call_command("seed_demo", password="demo-password-123")
    stages = sorted(m.stage() for m in Migration.objects.all())
    assert stages == ["after go-live", "cutover", "planning"]
    assert Practice.objects.filter(dispensing=True).count() == 1
    for email in ["manager", "staff", "itlead", "icb", "partner", "admin"]:
        assert User.objects.get(email=f"{email}@example.org").check_password("demo-password-123")


def test_seed_demo_twice_changes_nothing(settings):
    settings.DEBUG = True
    call_command("seed_demo")
    counts = (User.objects.count(), Practice.objects.count(), Migration.objects.count())
    call_command("seed_demo")
    assert (User.objects.count(), Practice.objects.count(), Migration.objects.count()) == counts


def test_seed_demo_refuses_to_run_with_debug_off(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="Refusing to load demo data"):
        call_command("seed_demo")
    assert not User.objects.exists()
    call_command("seed_demo", force=True)
    assert User.objects.filter(email="admin@example.org", is_superuser=True).exists()


def test_demo_users_sign_in_with_their_email_address(client, settings):
    settings.DEBUG = True
    call_command("seed_demo", password="demo-password-123")
    response = client.post("/accounts/login/", {"login": "Manager@Example.org", "password": "demo-password-123"})
    assert response.status_code == 302
