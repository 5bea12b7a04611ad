"""Who may see and change a migration. Outsiders get a 404, never a 403 that confirms it exists."""

import pytest
from django.http import Http404
from django.test import RequestFactory
from django.urls import reverse

from cutover.access import MIGRATION_RELATED, can_manage_migration, get_migration_for_user, viewer_role
from cutover.models import Migration
from practices.models import PracticeMembership

from ..factories import MigrationFactory, PracticeFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("role", "detail", "edit"),
    [
        ("manager", 200, 200),
        ("staff", 200, 403),
        ("it_lead", 200, 403),
        ("icb", 200, 403),
        ("partner", 200, 403),
        ("outsider", 404, 404),
        ("other_icb", 404, 404),
        ("superuser", 200, 200),
    ],
)
def test_migration_pages_by_role(client, users, migration, role, detail, edit):
    client.force_login(users[role])
    assert client.get(reverse("migration-detail", args=[migration.pk])).status_code == detail
    assert client.get(reverse("migration-edit", args=[migration.pk])).status_code == edit


def test_a_missing_migration_is_a_404_like_someone_elses(client, manager):
    client.force_login(manager)
    assert client.get(reverse("migration-detail", args=[99999])).status_code == 404


@pytest.mark.parametrize("pk", [2**31, 2**63, 10**30])
def test_a_number_too_big_for_any_migration_is_a_404_not_a_database_error(client, manager, pk):
    client.force_login(manager)
    assert client.get(f"/migrations/{pk}/").status_code == 404


def test_a_migration_asked_for_by_its_number_as_text_is_found_and_anything_else_is_a_404(manager, migration):
    request = RequestFactory().get("/")
    request.user = manager
    assert get_migration_for_user(request, str(migration.pk)).pk == migration.pk
    with pytest.raises(Http404):
        get_migration_for_user(request, "not-a-number")


@pytest.mark.parametrize(
    "url",
    [
        reverse("migration-list"),
        reverse("migration-create"),
        reverse("migration-detail", args=[1]),
        reverse("migration-edit", args=[1]),
    ],
)
def test_anonymous_people_are_sent_to_sign_in(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


@pytest.mark.parametrize(
    ("method", "url_name", "needs_pk"),
    [
        ("post", "migration-list", False),
        ("post", "migration-detail", True),
        ("put", "migration-edit", True),
        ("delete", "migration-create", False),
        ("post", "health", False),
    ],
)
def test_wrong_http_method_is_refused(client, manager, migration, method, url_name, needs_pk):
    client.force_login(manager)
    url = reverse(url_name, args=[migration.pk] if needs_pk else [])
    assert getattr(client, method)(url).status_code == 405


def test_posting_to_the_edit_page_as_staff_changes_nothing(client, staff, migration):
    client.force_login(staff)
    before = migration.fdp_date
    response = client.post(reverse("migration-edit", args=[migration.pk]), {"fdp_date": "2030-01-01"})
    assert response.status_code == 403
    migration.refresh_from_db()
    assert migration.fdp_date == before


def test_only_managers_can_open_the_create_page(client, manager, staff, icb_user):
    client.force_login(manager)
    assert client.get(reverse("migration-create")).status_code == 200
    client.force_login(staff)
    assert client.get(reverse("migration-create")).status_code == 403
    client.force_login(icb_user)
    assert client.get(reverse("migration-create")).status_code == 403


def test_the_list_shows_only_migrations_the_user_may_see(client, users, migration, other_practice, suppliers):
    theirs = MigrationFactory(practice=other_practice, current_supplier=suppliers[0], new_supplier=suppliers[1])
    expectations = {
        "manager": {migration},
        "staff": {migration},
        "icb": {migration},
        "partner": {migration},
        "outsider": {theirs},
        "other_icb": {theirs},
        "superuser": {migration, theirs},
    }
    for role, expected in expectations.items():
        client.force_login(users[role])
        response = client.get(reverse("migration-list"))
        assert set(response.context["migrations"]) == expected, role


def test_icb_users_see_the_migration_read_only(client, icb_user, migration):
    client.force_login(icb_user)
    page = client.get(reverse("migration-detail", args=[migration.pk])).content.decode()
    assert reverse("migration-edit", args=[migration.pk]) not in page


def test_migration_list_runs_a_fixed_number_of_queries(
    client, manager, practice, suppliers, django_assert_max_num_queries
):
    for _ in range(15):
        other = PracticeFactory(icb=practice.icb)
        PracticeMembership.objects.create(user=manager, practice=other, role="practice_manager")
        MigrationFactory(practice=other, current_supplier=suppliers[0], new_supplier=suppliers[1])
    client.force_login(manager)
    with django_assert_max_num_queries(6):
        response = client.get(reverse("migration-list"))
    assert len(response.context["migrations"]) == 15


def test_migration_detail_runs_a_fixed_number_of_queries(client, manager, migration, django_assert_max_num_queries):
    for week in range(1, 15):
        migration.legacy_support_days = 90 + week
        migration.save()
    client.force_login(manager)
    # Each section of the page (timeline, people, re-entry, reminders) costs a fixed few queries,
    # whatever the amount of history behind it; the history itself is loaded when its section is
    # opened (migration-changes).
    # Sign-offs add two: the sign-offs themselves and whether the user is the clinical lead. The
    # reminders still to come are loaded when their section is opened (migration-reminders), and
    # the third-party systems are read once for the plan and the people panel. On PostgreSQL one
    # more reads the plan's fingerprint, so that the next view can use the plan kept from this one.
    with django_assert_max_num_queries(12):
        response = client.get(reverse("migration-detail", args=[migration.pk]))
    assert response.status_code == 200


def test_the_role_read_with_a_migration_answers_for_the_person_it_was_read_for_alone(
    manager, staff, icb_user, migration, django_assert_num_queries
):
    """The plan and migration pages read the viewer's role in the migration's own query (one query
    less); a migration read for one person never lends their role to another."""
    read_for_manager = Migration.objects.with_role_of(manager).get(pk=migration.pk)

    with django_assert_num_queries(0):
        assert viewer_role(manager, read_for_manager) == PracticeMembership.Role.PRACTICE_MANAGER
        assert can_manage_migration(manager, read_for_manager)
    assert viewer_role(staff, read_for_manager) == PracticeMembership.Role.PRACTICE_STAFF
    assert not can_manage_migration(staff, read_for_manager)
    assert viewer_role(icb_user, read_for_manager) is None
    assert not can_manage_migration(icb_user, Migration.objects.with_role_of(icb_user).get(pk=migration.pk))


def test_the_one_query_access_check_lets_in_exactly_whom_the_visibility_rule_does(
    users, migration, other_practice, suppliers
):
    """get_migration_for_user reads visibility and role together (visible_with_role_of); it must
    agree with visible_to, the rule every list uses, for every kind of person, inactive ones too."""
    other = MigrationFactory(practice=other_practice, current_supplier=suppliers[0], new_supplier=suppliers[1])
    inactive = users["staff"]
    inactive.is_active = False
    inactive.save()
    people = {**users, "inactive staff": inactive}
    for name, user in people.items():
        together = Migration.objects.visible_with_role_of(user).filter(pk__in=[migration.pk, other.pk])
        by_rule = Migration.objects.visible_to(user).with_role_of(user).filter(pk__in=[migration.pk, other.pk])
        seen = {m.pk: m.viewer_role for m in together}
        assert seen == {m.pk: m.viewer_role for m in by_rule}, name
    assert set(Migration.objects.visible_with_role_of(users["partner"]).values_list("pk", flat=True)) == {migration.pk}
    assert (
        Migration.objects.visible_with_role_of(users["manager"]).get(pk=migration.pk).viewer_role == "practice_manager"
    )


def test_the_access_check_answers_each_person_with_their_own_role_in_one_query(
    users, migration, other_practice, suppliers, django_assert_num_queries
):
    """get_migration_for_user runs a query compiled once per process (cutover/prepared.py): every
    call must still be for the person asking, with the related rows loaded, whoever asked first."""
    other = MigrationFactory(practice=other_practice, current_supplier=suppliers[0], new_supplier=suppliers[1])
    inactive = users["staff"]
    inactive.is_active = False
    inactive.save()
    people = {**users, "inactive staff": inactive}
    for related in [MIGRATION_RELATED, ("practice",)]:
        for name, user in people.items():
            for target in [migration, other]:
                expected = Migration.objects.visible_with_role_of(user).filter(pk=target.pk).first()
                request = RequestFactory().get("/")
                request.user = user
                if expected is None:
                    with pytest.raises(Http404):
                        get_migration_for_user(request, target.pk, related=related)
                    continue
                with django_assert_num_queries(1):
                    found = get_migration_for_user(request, target.pk, related=related)
                    assert found.practice.name == target.practice.name
                    if related == MIGRATION_RELATED:
                        assert found.new_supplier.name == target.new_supplier.name
                        assert found.practice.icb_id == target.practice.icb_id
                assert (found.pk, found.fdp_date) == (target.pk, target.fdp_date), name
                assert viewer_role(user, found) == expected.viewer_role, name
