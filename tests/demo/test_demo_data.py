import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from cutover.models import Migration
from dashboard import rag
from practices.models import Practice, User

from ..factories import enable_totp

pytestmark = pytest.mark.django_db


def test_seed_demo_creates_migrations_at_three_stages_and_a_user_per_role(settings):
    settings.DEBUG = True
    call_command("seed_demo", password="demo-password-123")
    manager = User.objects.get(email="manager@example.org")
    stages = sorted(m.stage() for m in Migration.objects.filter(practice__memberships__user=manager))
    assert stages == ["after go-live", "closed", "cutover", "planning"]
    # Riverside's earlier migration is completed, with its lessons learned, and the next one is under way.
    riverside = Migration.objects.filter(practice__ods_code="Y90001").order_by("fdp_date")
    assert [m.status for m in riverside] == [Migration.Status.COMPLETED, Migration.Status.ACTIVE]
    assert riverside[0].closures.get().note.startswith("Book the suppliers")
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


def test_the_demo_icb_sees_a_wave_with_every_stage_and_every_colour_and_says_why(client, settings):
    settings.DEBUG = True
    call_command("seed_demo")
    icb_user = User.objects.get(email="icb@example.org")
    enable_totp(icb_user)
    client.force_login(icb_user)
    response = client.get(reverse("dashboard"))
    rows = response.context["rows"]
    assert len(rows) == Migration.objects.count() == 12
    assert {row.stage.key for row in rows} == {"planning", "preparation", "cutover", "after-go-live", "closed"}
    assert {row.rag for row in rows} == {rag.RED, rag.AMBER, rag.GREEN}
    fired = {rule.key for row in rows for rule in rag.RAG_RULES if getattr(row.migration, rule.flag)}
    assert {"planning_meeting_missing", "systems_still_on", "preparation_open_at_fdp", "tasks_overdue"} <= fired
    assert all(row.reasons for row in rows if row.rag != rag.GREEN)


def test_the_demo_practice_manager_still_sees_only_their_three_practices_one_with_a_closed_migration(client, settings):
    settings.DEBUG = True
    call_command("seed_demo")
    client.force_login(User.objects.get(email="manager@example.org"))
    rows = client.get(reverse("dashboard")).context["rows"]
    assert sorted(row.migration.practice.ods_code for row in rows) == ["Y90001", "Y90001", "Y90002", "Y90003"]


def test_demo_key_dates_fall_on_working_days_except_one_weekend_go_live_that_is_warned_about(client, settings):
    from cutover.workdays import is_working_day

    settings.DEBUG = True
    call_command("seed_demo")
    off_days = [
        (m.practice.name, key, day)
        for m in Migration.objects.select_related("practice")
        for key, day in (("FDP", m.fdp_date), ("go-live", m.go_live_date), ("meeting", m.planning_meeting_date))
        if day and not is_working_day(day)
    ]
    assert [(name, key, day.weekday()) for name, key, day in off_days] == [("Elmwood Family Practice", "go-live", 5)]
    elmwood = Migration.objects.get(practice__name="Elmwood Family Practice")
    client.force_login(User.objects.get(email="manager.y90007@example.org"))
    page = client.get(elmwood.get_absolute_url()).content.decode()
    assert f"{elmwood.go_live_date:%a %-d %b %Y} is a Saturday: check the suppliers" in page
