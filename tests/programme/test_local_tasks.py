"""An ICB's (or delivery partner's) programme lead adds the organisation's own tasks to its
practices' plans: for migrations created from then on, and, when pushed, for those under way."""

import datetime

import pytest
from django.urls import reverse

from cutover.models import Migration
from cutover.timeline import local_today
from cutover.workdays import add_working_days
from practices.models import OrganisationMembership
from tasks.local import local_item_create, local_item_push, local_item_retire
from tasks.models import LocalPlanItem, Task
from tasks.selectors import tasks_for_plan
from tasks.services import plan_create_for_migration

from ..factories import MigrationFactory, OrganisationMembershipFactory, PracticeFactory, UserFactory, enable_totp

pytestmark = pytest.mark.django_db

DATA_QUALITY = {
    "title": "Run the ICB's data-quality report",
    "guidance": "Run the report from the ICB's dashboard and send the results to the programme team.",
    "phase": "preparation",
    "anchor": "fdp",
    "direction": "before",
    "offset_days": 10,
    "default_owner_role": "practice_manager",
}


@pytest.fixture
def lead(practice):
    """The programme lead of the practice's ICB."""
    membership = OrganisationMembershipFactory(
        organisation=practice.icb, user=UserFactory(email="programme@icb.example"), is_programme_lead=True
    )
    return enable_totp(membership.user)


@pytest.fixture
def check(practice, lead):
    return local_item_create(organisation=practice.icb, by=lead, **DATA_QUALITY)


def new_migration(practice, **dates):
    migration = MigrationFactory(practice=practice, **dates)
    plan_create_for_migration(migration=migration)
    return migration


def list_url(organisation):
    return reverse("local-tasks", args=[organisation.pk])


def item_url(name, item):
    return reverse(name, args=[item.organisation_id, item.pk])


class TestNewPlans:
    def test_a_migration_created_afterwards_gets_the_icbs_task_marked_as_added_by_the_icb(self, practice, check):
        migration = new_migration(practice)

        task = migration.tasks.get(local_item=check)
        assert task.title == DATA_QUALITY["title"]
        assert task.default_owner_role == "practice_manager"
        assert task.added_by == f"Added by {practice.icb.name}"
        assert not task.is_custom
        assert task.due_date == task.computed_due_date()
        assert task.due_date < migration.fdp_date

    def test_the_delivery_partners_tasks_come_too_but_not_another_icbs(self, practice, other_practice, lead):
        local_item_create(organisation=practice.delivery_partner, by=None, **DATA_QUALITY | {"title": "Partner check"})
        local_item_create(organisation=other_practice.icb, by=None, **DATA_QUALITY | {"title": "Elsewhere check"})

        titles = set(new_migration(practice).tasks.filter(local_item__isnull=False).values_list("title", flat=True))

        assert titles == {"Partner check"}

    def test_a_migration_created_before_the_task_was_added_does_not_get_it_until_pushed(
        self, practice, migration, lead
    ):
        plan_create_for_migration(migration=migration)
        local_item_create(organisation=practice.icb, by=lead, **DATA_QUALITY)

        assert not migration.tasks.filter(local_item__isnull=False).exists()

    def test_a_retired_task_is_left_out_of_new_plans(self, practice, check, lead):
        local_item_retire(item=check, by=lead)

        assert not new_migration(practice).tasks.filter(local_item=check).exists()

    def test_the_icbs_task_moves_with_the_migrations_dates_like_the_rest_of_the_plan(self, practice, check):
        from coordinator.services import migration_update

        migration = new_migration(practice)
        task = migration.tasks.get(local_item=check)
        later = migration.fdp_date + datetime.timedelta(days=14)

        migration_update(
            migration=migration,
            by=None,
            reason="Supplier asked for a later date",
            fdp_date=later,
            go_live_date=later + datetime.timedelta(days=7),
        )

        task.refresh_from_db()
        assert task.due_date == task.computed_due_date() == add_working_days(later, -10)

    def test_the_plan_rows_label_costs_no_extra_query(self, practice, check, django_assert_num_queries):
        migration = new_migration(practice)
        with django_assert_num_queries(2):  # the tasks, then their notes
            labels = {task.added_by for task in tasks_for_plan(migration)}
        assert labels == {"", f"Added by {practice.icb.name}"}


class TestPush:
    def test_push_adds_the_task_to_open_migrations_once_with_who_and_why(self, practice, lead, check):
        migration = new_migration(practice)
        migration.tasks.filter(local_item=check).delete()  # as if created before the task existed

        added = local_item_push(item=check, by=lead, today=local_today())
        again = local_item_push(item=check, by=lead, today=local_today())

        assert [task.migration_id for task in added] == [migration.pk]
        assert again == []
        task = migration.tasks.get(local_item=check)
        created = task.history.get(history_type="+")
        assert created.history_user == lead
        assert practice.icb.name in created.history_change_reason

    def test_push_leaves_out_closed_migrations_and_other_icbs_practices(self, practice, other_practice, lead, check):
        closed = MigrationFactory(practice=practice, status=Migration.Status.COMPLETED)
        elsewhere = MigrationFactory(practice=other_practice)

        assert local_item_push(item=check, by=lead, today=local_today()) == []
        assert not Task.objects.filter(migration__in=[closed, elsewhere]).exists()

    def test_push_leaves_out_a_migration_where_the_task_would_already_be_overdue(self, practice, lead, check):
        # FDP in 5 working days: "10 working days before FDP" has passed.
        soon = MigrationFactory(
            practice=PracticeFactory(icb=practice.icb),
            fdp_date=local_today() + datetime.timedelta(days=8),
            go_live_date=local_today() + datetime.timedelta(days=15),
        )
        later = MigrationFactory(practice=practice)

        added = local_item_push(item=check, by=lead, today=local_today())

        assert [task.migration_id for task in added] == [later.pk]
        assert not soon.tasks.exists()

    def test_a_retired_task_is_never_pushed(self, practice, lead, check):
        MigrationFactory(practice=practice)
        local_item_retire(item=check, by=lead)

        assert local_item_push(item=check, by=lead, today=local_today()) == []


class TestLeadPages:
    def test_the_lead_adds_a_task_and_sees_it_listed(self, client, practice, lead):
        client.force_login(lead)

        response = client.post(reverse("local-task-add", args=[practice.icb.pk]), DATA_QUALITY)

        assert response.status_code == 302
        item = LocalPlanItem.objects.get()
        assert (item.organisation, item.title, item.offset_days) == (practice.icb, DATA_QUALITY["title"], 10)
        assert item.history.get().history_user == lead
        page = client.get(list_url(practice.icb)).content.decode()
        assert "Run the ICB&#x27;s data-quality report" in page
        assert "10 working days before FDP" in page

    @pytest.mark.parametrize(
        ("change", "field", "message"),
        [
            ({"title": ""}, "title", "Give the task a short title."),
            ({"offset_days": "251"}, "offset_days", "Ensure this value is less than or equal to 250."),
            ({"offset_days": "ten"}, "offset_days", "Enter a whole number."),
            ({"anchor": "fixed"}, "anchor", "Select a valid choice. fixed is not one of the available choices."),
            (
                {"phase": "after_go_live"},
                "anchor",
                "A go-live-and-after task cannot be due before go-live: count forward from go-live.",
            ),
            ({"title": "Bell\x07"}, "title", None),
        ],
    )
    def test_bad_input_is_refused_beside_the_field_and_nothing_saved(
        self, client, practice, lead, change, field, message
    ):
        client.force_login(lead)

        response = client.post(reverse("local-task-add", args=[practice.icb.pk]), DATA_QUALITY | change)

        assert response.status_code == 200
        errors = response.context["form"].errors[field]
        assert errors[0] == message if message else errors[0].startswith("This text holds a control character")
        assert 'class="nhsuk-error-message"' in response.content.decode()
        assert not LocalPlanItem.objects.exists()

    def test_a_change_reaches_new_plans_and_leaves_existing_copies_alone(self, client, practice, lead, check):
        before = new_migration(practice)
        client.force_login(lead)

        response = client.post(item_url("local-task-edit", check), DATA_QUALITY | {"offset_days": "15"})

        assert response.status_code == 302
        assert before.tasks.get(local_item=check).offset_days == 10
        neighbour = PracticeFactory(icb=practice.icb)
        assert new_migration(neighbour).tasks.get(local_item=check).offset_days == 15

    def test_the_lead_retires_a_task(self, client, practice, lead, check):
        client.force_login(lead)

        assert client.post(item_url("local-task-retire", check)).status_code == 302

        check.refresh_from_db()
        assert check.is_retired
        assert client.get(item_url("local-task-retire", check)).status_code == 405

    def test_the_push_page_shows_what_will_happen_then_pushing_twice_adds_once(self, client, practice, lead, check):
        migration = MigrationFactory(practice=practice)
        client.force_login(lead)

        page = client.get(item_url("local-task-push", check)).content.decode()
        assert "It will be added to 1 migration" in page and practice.name in page

        client.post(item_url("local-task-push", check))
        client.post(item_url("local-task-push", check))

        assert migration.tasks.filter(local_item=check).count() == 1
        assert "Already in 1 open migration" in client.get(item_url("local-task-push", check)).content.decode()

    def test_the_list_page_makes_the_same_few_queries_however_many_tasks(
        self, client, practice, lead, django_assert_max_num_queries
    ):
        for number in range(12):
            local_item_create(organisation=practice.icb, by=lead, **DATA_QUALITY | {"title": f"Check {number}"})
        new_migration(practice)
        client.force_login(lead)
        with django_assert_max_num_queries(12):
            response = client.get(list_url(practice.icb))
        assert response.content.decode().count("Push to open migrations") == 12

    def test_a_lead_of_one_organisation_goes_straight_to_its_list(self, client, practice, lead):
        client.force_login(lead)

        response = client.get(reverse("programme-home"))

        assert response["Location"] == list_url(practice.icb)


class TestWhoMay:
    def test_an_icb_user_who_is_not_its_programme_lead_is_refused(self, client, practice, icb_user, check):
        client.force_login(icb_user)

        assert client.get(list_url(practice.icb)).status_code == 403
        assert client.post(reverse("local-task-add", args=[practice.icb.pk]), DATA_QUALITY).status_code == 403
        assert client.post(item_url("local-task-push", check)).status_code == 403
        assert LocalPlanItem.objects.count() == 1

    @pytest.mark.parametrize("who", ["manager", "staff", "it_lead", "partner"])
    def test_practice_users_and_the_partners_plain_users_are_refused(self, client, users, check, who):
        client.force_login(users[who])

        assert client.get(item_url("local-task-edit", check)).status_code == 403
        assert client.post(item_url("local-task-retire", check)).status_code == 403
        check.refresh_from_db()
        assert not check.is_retired

    def test_another_icbs_programme_lead_gets_not_found(self, client, other_practice, check):
        other_lead = enable_totp(
            OrganisationMembershipFactory(organisation=other_practice.icb, is_programme_lead=True).user
        )
        client.force_login(other_lead)

        assert client.get(list_url(check.organisation)).status_code == 404
        assert client.post(item_url("local-task-edit", check), DATA_QUALITY | {"title": "Hijack"}).status_code == 404
        # Their own organisation's address with this task's number is not found either.
        url = reverse("local-task-edit", args=[other_practice.icb.pk, check.pk])
        assert client.get(url).status_code == 404
        check.refresh_from_db()
        assert check.title == DATA_QUALITY["title"]

    def test_anonymous_people_are_sent_to_sign_in(self, client, check):
        response = client.get(list_url(check.organisation))
        assert response.status_code == 302 and reverse("login") in response["Location"]

    def test_the_national_template_stays_superuser_only(self, client, lead):
        client.force_login(lead)
        response = client.get(reverse("admin:tasks_plantemplateitem_changelist"))
        assert response.status_code == 302  # sent to the admin's sign-in, as for anyone not an admin

    def test_a_superuser_makes_someone_a_programme_lead_on_their_admin_page(self, client, superuser, icb_user):
        client.force_login(superuser)

        page = client.get(reverse("admin:practices_user_change", args=[icb_user.pk])).content.decode()

        assert "is_programme_lead" in page
        assert OrganisationMembership._meta.get_field("is_programme_lead").default is False
