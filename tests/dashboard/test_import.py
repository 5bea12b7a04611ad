"""Setting up a wave from a spreadsheet: who may, the preview, all-or-nothing, duplicates, background jobs."""

import datetime
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from kombu.exceptions import OperationalError
from openpyxl import load_workbook

from coordinator.services import MigrationConflict, migration_create
from cutover.models import Migration
from dashboard import jobs, services
from dashboard.models import ImportBatch, ImportRow
from dashboard.wave_file import checking, reading
from practices.invitations import invitation_accept_as_new_user
from practices.models import Invitation, Practice, PracticeMembership, Stakeholder, StakeholderRole
from reminders.models import ReminderLog
from tasks.completion import THIRD_PARTY_TASKS
from tasks.services import task_assign, task_set_status, tasks_of_stakeholder

from ..factories import DeliveryPartnerFactory, PracticeFactory, UserFactory
from .factories import HEADERS, days, migration_at, wave_csv, wave_row

pytestmark = pytest.mark.django_db

IMPORTS = reverse("import-list")


def upload(client, content: bytes, name: str = "wave.csv", organisation=None, **extra):
    data = {"file": SimpleUploadedFile(name, content)}
    if organisation is not None:
        data["organisation"] = organisation.pk
    return client.post(IMPORTS, data, **extra)


def confirm(client, batch):
    return client.post(reverse("import-confirm", args=[batch.pk]))


@pytest.fixture
def two_rows():
    return wave_csv([wave_row(1), wave_row(2, **{"Dispensing": "yes"})])


@pytest.fixture
def checked_batch(client, icb_user, icb, suppliers, two_rows):
    client.force_login(icb_user)
    upload(client, two_rows, organisation=icb)
    return ImportBatch.objects.get()


# --- Who may import -----------------------------------------------------------------------------


@pytest.mark.parametrize("person", ["manager", "staff", "it_lead", "outsider"])
def test_practice_users_may_not_import(client, request, person, checked_batch, two_rows):
    client.force_login(request.getfixturevalue(person))
    assert client.get(IMPORTS).status_code == 403
    assert upload(client, two_rows).status_code == 403
    assert client.get(reverse("import-template-csv")).status_code == 403
    assert client.get(checked_batch.get_absolute_url()).status_code == 403
    assert confirm(client, checked_batch).status_code == 403
    assert ImportBatch.objects.count() == 1
    assert not Migration.objects.filter(practice__ods_code="W00001").exists()


def test_another_organisations_batch_is_not_found(client, other_icb_user, checked_batch):
    client.force_login(other_icb_user)
    assert client.get(checked_batch.get_absolute_url()).status_code == 404
    assert confirm(client, checked_batch).status_code == 404
    assert checked_batch.file_name not in client.get(IMPORTS).content.decode()
    checked_batch.refresh_from_db()
    assert checked_batch.status == ImportBatch.Status.READY


def test_a_colleague_of_the_same_icb_sees_and_may_confirm_the_batch(client, icb_colleague, checked_batch):
    client.force_login(icb_colleague)
    assert client.get(checked_batch.get_absolute_url()).status_code == 200
    assert checked_batch.file_name in client.get(IMPORTS).content.decode()
    confirm(client, checked_batch)
    checked_batch.refresh_from_db()
    assert checked_batch.status == ImportBatch.Status.IMPORTED
    assert checked_batch.confirmed_by == icb_colleague


def test_a_missing_batch_is_a_404(client, icb_user):
    client.force_login(icb_user)
    assert client.get(reverse("import-detail", args=[9999])).status_code == 404


def test_anonymous_people_are_sent_to_sign_in(client, checked_batch):
    client.logout()
    for url in [
        IMPORTS,
        reverse("import-template-csv"),
        reverse("import-template-xlsx"),
        checked_batch.get_absolute_url(),
    ]:
        response = client.get(url)
        assert response.status_code == 302 and response.url.startswith(reverse("login"))
    response = confirm(client, checked_batch)
    assert response.status_code == 302 and response.url.startswith(reverse("login"))


def test_wrong_methods_are_refused(client, checked_batch):
    assert client.put(IMPORTS).status_code == 405
    assert client.post(checked_batch.get_absolute_url()).status_code == 405
    assert client.get(reverse("import-confirm", args=[checked_batch.pk])).status_code == 405
    assert client.post(reverse("import-template-csv")).status_code == 405


def test_a_user_cannot_import_for_an_organisation_they_do_not_belong_to(client, icb_user, other_icb, two_rows):
    client.force_login(icb_user)
    response = upload(client, two_rows, organisation=other_icb)
    assert response.status_code == 200
    assert "organisation" in response.context["form"].errors
    assert not ImportBatch.objects.exists()


# --- Uploading and the preview ------------------------------------------------------------------


def test_the_preview_shows_every_row_and_creates_nothing(client, icb_user, icb, suppliers, two_rows):
    client.force_login(icb_user)
    practices, migrations = Practice.objects.count(), Migration.objects.count()
    response = upload(client, two_rows, organisation=icb)
    batch = ImportBatch.objects.get()
    assert response.status_code == 302 and response.url == batch.get_absolute_url()
    assert (batch.status, batch.rows_total, batch.rows_checked, batch.error_count) == ("ready", 2, 2, 0)
    assert bytes(batch.content) == two_rows  # kept in the database, so any worker can read it
    page = client.get(batch.get_absolute_url()).content.decode()
    assert "Wave Practice 1" in page and "Wave Practice 2" in page
    assert "25 Jan 2027" in page
    assert "new practice" in page
    assert "Create 2 migrations" in page
    assert (Practice.objects.count(), Migration.objects.count()) == (practices, migrations)


def test_the_preview_can_show_only_rows_with_problems(client, icb_user, icb, suppliers):
    client.force_login(icb_user)
    upload(client, wave_csv([wave_row(1), wave_row(2, **{"ODS code": "bad"}), wave_row(3)]), organisation=icb)
    batch = ImportBatch.objects.get()
    response = client.get(batch.get_absolute_url(), {"problems": "1"})
    assert [row.line for row in response.context["page"]] == [3]
    assert "Create" not in response.content.decode().split("Preview")[1].split("<table")[0]
    assert "Nothing can be created while any row has an error" in response.content.decode()


def test_the_preview_counts_and_lists_the_rows_that_would_register_a_new_practice(
    client, icb_user, icb, suppliers, practice
):
    """A mistyped ODS code looks like a new practice: the ICB is told how many, and can list them."""
    rows = [wave_row(1, **{"ODS code": practice.ods_code}), wave_row(2), wave_row(3, **{"ODS code": "W0003"})]
    client.force_login(icb_user)
    upload(client, wave_csv([*rows, wave_row(4)]), organisation=icb)
    batch = ImportBatch.objects.get()
    page = client.get(batch.get_absolute_url()).content.decode()
    assert "2 rows name practices not known here yet" in page
    response = client.get(batch.get_absolute_url(), {"new": "1"})
    assert [row.line for row in response.context["page"]] == [3, 5]


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("wave.txt", b"hello", "Upload a .csv or .xlsx file"),
        ("wave.csv", b"", "The submitted file is empty."),
        ("wave.csv", b"Practice,When\nA,B\n", "Missing: ODS code, Practice name, Dispensing"),
        ("wave.csv", wave_csv([]), "no practices"),
        ("wave.xlsx", b"not a workbook", "not an Excel .xlsx file"),
    ],
)
def test_an_unusable_file_is_refused_beside_the_field_and_nothing_is_stored(
    client, icb_user, icb, name, content, message
):
    client.force_login(icb_user)
    response = upload(client, content, name=name, organisation=icb)
    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors["file"])
    assert message in response.content.decode()
    assert not ImportBatch.objects.exists()


def test_a_file_over_the_size_limit_is_refused(client, icb_user, icb, settings, two_rows):
    settings.IMPORT_MAX_BYTES = 100
    client.force_login(icb_user)
    response = upload(client, two_rows, organisation=icb)
    assert "the most we accept is 0 KB" in response.context["form"].errors["file"][0]
    assert not ImportBatch.objects.exists()


def test_an_upload_without_a_file_is_explained(client, icb_user, icb):
    client.force_login(icb_user)
    response = client.post(IMPORTS, {"organisation": icb.pk})
    assert response.context["form"].errors["file"] == ["This field is required."]


def test_the_templates_have_the_expected_columns_and_import_cleanly(client, icb_user, icb, suppliers):
    client.force_login(icb_user)
    csv_template = client.get(reverse("import-template-csv"))
    assert csv_template["Content-Disposition"] == 'attachment; filename="wave-template.csv"'
    assert csv_template.content.decode().strip() == ",".join(HEADERS)
    xlsx_template = client.get(reverse("import-template-xlsx"))
    workbook = load_workbook(io.BytesIO(xlsx_template.content))
    assert [cell.value for cell in workbook["Wave"][1]] == HEADERS
    assert workbook["How to fill in"]["A2"].value == "ODS code"
    # Filled in and uploaded, the template is accepted as it is.
    sheet = workbook["Wave"]
    sheet.append([wave_row(7).get(header, "") for header in HEADERS])
    filled = io.BytesIO()
    workbook.save(filled)
    upload(client, filled.getvalue(), name="wave.xlsx", organisation=icb)
    batch = ImportBatch.objects.get()
    assert (batch.status, batch.rows_total, batch.error_count) == ("ready", 1, 0)


# --- Creating: all or nothing --------------------------------------------------------------------


def test_confirming_creates_every_row_with_new_practices_under_the_icb(client, icb_user, icb, suppliers, checked_batch):
    response = confirm(client, checked_batch)
    assert response.status_code == 302
    checked_batch.refresh_from_db()
    assert (checked_batch.status, checked_batch.migrations_created) == ("imported", 2)
    created = Migration.objects.filter(practice__ods_code__startswith="W").order_by("practice__ods_code")
    assert [m.practice.name for m in created] == ["Wave Practice 1", "Wave Practice 2"]
    assert all(m.practice.icb == icb and m.created_by == icb_user for m in created)
    assert [m.practice.dispensing for m in created] == [False, True]
    assert created[0].fdp_date == days(60) and created[0].go_live_date == days(67)
    assert created[0].history.get().history_user == icb_user
    assert created[0].practice.history.get().history_user == icb_user
    assert "Created 2 migrations." in client.get(checked_batch.get_absolute_url()).content.decode()


def test_a_batch_with_any_error_creates_nothing(client, icb_user, icb, suppliers):
    client.force_login(icb_user)
    upload(client, wave_csv([wave_row(1), wave_row(2, **{"Go-live date": days(1).isoformat()})]), organisation=icb)
    batch = ImportBatch.objects.get()
    assert batch.error_count == 1
    response = confirm(client, batch)
    assert response.status_code == 302
    batch.refresh_from_db()
    assert batch.status == "ready"
    assert not Practice.objects.filter(ods_code__startswith="W").exists()


def test_something_changed_since_the_preview_creates_nothing_and_shows_why(
    client, icb_user, icb, suppliers, checked_batch
):
    # Between preview and confirm, the second practice gets a migration through the form.
    migration_at(icb=icb, suppliers=suppliers, practice=PracticeFactory(icb=icb, ods_code="W00002"))
    confirm(client, checked_batch)
    checked_batch.refresh_from_db()
    assert checked_batch.status == "ready" and checked_batch.error_count == 1
    assert "Something changed since this file was checked" in checked_batch.problem
    assert not Practice.objects.filter(ods_code="W00001").exists()
    row = ImportRow.objects.get(batch=checked_batch, line=3)
    assert row.errors[0].startswith("This practice already has an active migration")


def test_a_failure_part_way_through_rolls_back_every_row(client, icb_user, icb, suppliers, monkeypatch):
    client.force_login(icb_user)
    upload(client, wave_csv([wave_row(n) for n in range(1, 6)]), organisation=icb)
    batch = ImportBatch.objects.get()
    real_create = services.migrations_create

    def create_then_lose_a_race(**kwargs):
        real_create(**kwargs)  # every row's migration and plan is in the transaction, then a race is lost
        raise MigrationConflict("This practice already has an active migration.")

    monkeypatch.setattr(services, "migrations_create", create_then_lose_a_race)
    confirm(client, batch)
    assert not Practice.objects.filter(ods_code__startswith="W").exists()
    assert not Migration.objects.filter(practice__ods_code__startswith="W").exists()
    batch.refresh_from_db()
    assert batch.status == "ready" and batch.migrations_created == 0


def test_a_wave_row_gets_the_same_plan_as_a_migration_made_by_hand(icb, icb_user, suppliers, monkeypatch):
    calls = []
    real_create = services.migrations_create
    monkeypatch.setattr(services, "migrations_create", lambda **kw: calls.append(kw) or real_create(**kw))
    practice = PracticeFactory(icb=icb, ods_code="W00001")
    by_hand = migration_create(
        practice=PracticeFactory(icb=icb),
        current_system="EMIS Web",
        current_supplier=suppliers[0],
        new_system="TPP SystmOne",
        new_supplier=suppliers[1],
        fdp_date=days(60),
        go_live_date=days(67),
        by=icb_user,
    )
    (row,) = checking.check_rows(reading.read_table(wave_csv([wave_row(1)]), "csv"), organisation=icb, today=days(0))
    (migration,) = services.import_rows_create(rows=[row], practices={"W00001": practice}, by=icb_user)
    assert calls[0]["by"] == icb_user and calls[0]["migrations"][0].practice == practice
    assert (migration.practice, migration.fdp_date, migration.new_supplier) == (practice, days(60), suppliers[1])

    def plan(of):
        return list(of.tasks.order_by("position", "pk").values_list("template_item_id", "title", "due_date"))

    assert plan(migration) == plan(by_hand) != []


def test_creating_a_wave_of_30_rows_reads_and_updates_as_often_as_one_of_3(client, icb_user, icb, suppliers):
    def queries_to_create(first: int, count: int) -> int:
        upload(client, wave_csv([wave_row(n) for n in range(first, first + count)]), organisation=icb)
        batch = ImportBatch.objects.latest("pk")
        ImportBatch.objects.filter(pk=batch.pk).update(status=ImportBatch.Status.CREATING, confirmed_by=icb_user)
        with CaptureQueriesContext(connection) as queries:
            services.import_batch_create(batch_id=batch.pk)
        batch.refresh_from_db()
        assert batch.migrations_created == count
        # INSERTs come in batches whose size the database sets (SQLite: a few dozen rows), so they
        # are left out: everything else must not grow with the wave.
        return sum(not query["sql"].startswith("INSERT") for query in queries.captured_queries)

    client.force_login(icb_user)
    assert queries_to_create(100, 30) == queries_to_create(1, 3)


# --- Duplicates ------------------------------------------------------------------------------------


def test_a_new_practice_is_registered_with_the_delivery_partner_the_file_names(client, icb_user, icb, suppliers):
    partner = DeliveryPartnerFactory(name="North of England CSU")
    client.force_login(icb_user)
    upload(client, wave_csv([wave_row(1, **{"Delivery partner": partner.name})]), organisation=icb)
    confirm(client, ImportBatch.objects.get())
    assert Practice.objects.get(ods_code="W00001").delivery_partner == partner


def test_confirming_twice_creates_the_wave_once(client, checked_batch):
    confirm(client, checked_batch)
    count = Migration.objects.count()
    response = confirm(client, checked_batch)
    assert Migration.objects.count() == count
    assert "already imported" in client.get(response.url).content.decode()


def test_uploading_an_imported_file_again_is_refused(client, icb_user, icb, checked_batch, two_rows):
    confirm(client, checked_batch)
    response = upload(client, two_rows, organisation=icb)
    assert "This file was already imported on 26 Nov 2026, creating 2 migrations." in response.content.decode()
    assert ImportBatch.objects.count() == 1


def test_the_same_file_checked_twice_and_confirmed_twice_creates_nothing_the_second_time(
    client, icb_user, icb, suppliers, two_rows
):
    client.force_login(icb_user)
    upload(client, two_rows, organisation=icb)
    upload(client, two_rows, organisation=icb)
    first, second = ImportBatch.objects.order_by("pk")
    confirm(client, first)
    confirm(client, second)
    second.refresh_from_db()
    assert second.status == "ready" and second.error_count == 2
    assert Migration.objects.filter(practice__ods_code__startswith="W").count() == 2


def test_the_database_refuses_a_second_imported_batch_of_the_same_file(icb, icb_user, checked_batch):
    ImportBatch.objects.filter(pk=checked_batch.pk).update(status="imported")
    twin = ImportBatch.objects.create(
        organisation=icb,
        uploaded_by=icb_user,
        file_name="copy.csv",
        file_format="csv",
        content=b"",
        content_sha256=checked_batch.content_sha256,
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        ImportBatch.objects.filter(pk=twin.pk).update(status="imported")


# --- Partners and superusers ----------------------------------------------------------------------


def test_a_partner_user_imports_practices_it_covers(client, partner_user, practice, suppliers):
    client.force_login(partner_user)
    rows = [wave_row(1, **{"ODS code": practice.ods_code, "Practice name": practice.name})]
    upload(client, wave_csv(rows), organisation=practice.delivery_partner)
    batch = ImportBatch.objects.get()
    assert batch.organisation == practice.delivery_partner and batch.error_count == 0
    confirm(client, batch)
    assert Migration.objects.active().get().practice == practice


def test_a_superuser_chooses_which_icb_to_import_for(client, superuser, other_icb, suppliers):
    client.force_login(superuser)
    assert client.get(IMPORTS).status_code == 200
    upload(client, wave_csv([wave_row(1)]), organisation=other_icb)
    batch = ImportBatch.objects.get()
    confirm(client, batch)
    assert Practice.objects.get(ods_code="W00001").icb == other_icb


# --- Large files in the background -----------------------------------------------------------------


def test_a_large_file_is_checked_by_a_celery_job_enqueued_after_commit(
    client, icb_user, icb, suppliers, settings, monkeypatch, django_capture_on_commit_callbacks
):
    settings.IMPORT_BACKGROUND_ROWS = 3
    enqueued = []
    monkeypatch.setattr(jobs.check_import_batch, "delay", lambda *args: enqueued.append(args))
    client.force_login(icb_user)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = upload(client, wave_csv([wave_row(n) for n in range(1, 6)]), organisation=icb)
    batch = ImportBatch.objects.get()
    assert len(callbacks) == 1 and enqueued == [(batch.pk,)]
    assert batch.status == "queued"
    page = client.get(response.url).content.decode()
    assert "Waiting to be checked (5 rows)" in page
    assert 'hx-trigger="every 1s"' in page

    jobs.check_import_batch(batch.pk)
    batch.refresh_from_db()
    assert (batch.status, batch.rows_checked) == ("ready", 5)


def test_a_large_wave_is_created_by_a_celery_job_too(
    client, icb_user, icb, suppliers, settings, monkeypatch, django_capture_on_commit_callbacks
):
    settings.IMPORT_BACKGROUND_ROWS = 3
    monkeypatch.setattr(jobs.check_import_batch, "delay", lambda batch_id: jobs.check_import_batch(batch_id))
    enqueued = []
    monkeypatch.setattr(jobs.create_import_batch, "delay", lambda *args: enqueued.append(args))
    client.force_login(icb_user)
    with django_capture_on_commit_callbacks(execute=True):
        upload(client, wave_csv([wave_row(n) for n in range(1, 6)]), organisation=icb)
    batch = ImportBatch.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        confirm(client, batch)
    assert enqueued == [(batch.pk,)]
    batch.refresh_from_db()
    assert batch.status == "creating" and batch.confirmed_by == icb_user
    assert "Creating 5 migrations" in client.get(batch.get_absolute_url()).content.decode()
    jobs.create_import_batch(batch.pk)
    jobs.create_import_batch(batch.pk)  # delivered twice: the second does nothing
    batch.refresh_from_db()
    assert (batch.status, batch.migrations_created) == ("imported", 5)
    assert Migration.objects.filter(practice__ods_code__startswith="W").count() == 5


def test_when_the_broker_is_down_the_check_runs_in_the_request(client, icb_user, icb, suppliers, settings, monkeypatch):
    settings.IMPORT_BACKGROUND_ROWS = 3

    def broker_down(*args, **kwargs):
        raise OperationalError("connection refused")

    monkeypatch.setattr(jobs.check_import_batch, "delay_on_commit", broker_down)
    client.force_login(icb_user)
    upload(client, wave_csv([wave_row(n) for n in range(1, 6)]), organisation=icb)
    assert ImportBatch.objects.get().status == "ready"


def test_the_progress_indicator_is_polled_until_the_check_ends(client, icb_user, icb, suppliers, settings, monkeypatch):
    settings.IMPORT_BACKGROUND_ROWS = 3
    monkeypatch.setattr(jobs.check_import_batch, "delay", lambda *args: None)
    client.force_login(icb_user)
    upload(client, wave_csv([wave_row(n) for n in range(1, 6)]), organisation=icb)
    batch = ImportBatch.objects.get()
    ImportBatch.objects.filter(pk=batch.pk).update(status="checking", rows_checked=2)
    partial = client.get(batch.get_absolute_url(), headers={"HX-Request": "true"})
    body = partial.content.decode()
    assert "Checked 2 of 5 rows." in body
    assert 'value="40"' in body
    assert "<html" not in body
    jobs.check_import_batch(batch.pk)  # still "checking": the job does not claim it twice
    ImportBatch.objects.filter(pk=batch.pk).update(status="queued")
    jobs.check_import_batch(batch.pk)
    done = client.get(batch.get_absolute_url(), headers={"HX-Request": "true"})
    assert done.headers["HX-Refresh"] == "true"


def stalled_for(batch, minutes: int, **fields) -> None:
    """As if the worker doing the batch's job stopped `minutes` ago."""
    ImportBatch.objects.filter(pk=batch.pk).update(
        progress_at=timezone.now() - datetime.timedelta(minutes=minutes), **fields
    )


def test_a_check_whose_worker_died_is_given_up_and_the_page_says_so(client, icb_user, checked_batch, settings):
    settings.IMPORT_STALLED_MINUTES = 30
    stalled_for(checked_batch, 29, status="checking")
    polled = client.get(checked_batch.get_absolute_url(), headers={"HX-Request": "true"})
    assert "HX-Refresh" not in polled.headers  # still within the time a job may take: keep waiting
    stalled_for(checked_batch, 31)
    polled = client.get(checked_batch.get_absolute_url(), headers={"HX-Request": "true"})
    assert polled.headers["HX-Refresh"] == "true"
    page = client.get(checked_batch.get_absolute_url()).content.decode()
    assert "Checking this file stopped part way" in page and "Upload the file again" in page
    checked_batch.refresh_from_db()
    assert checked_batch.status == ImportBatch.Status.UNREADABLE


def test_a_wave_whose_worker_died_while_creating_can_be_confirmed_again(client, icb_user, checked_batch):
    stalled_for(checked_batch, 45, status="creating", confirmed_by=icb_user)
    page = client.get(checked_batch.get_absolute_url()).content.decode()
    assert "Creating this wave stopped part way" in page and "Nothing was created" in page
    assert not Migration.objects.filter(practice__ods_code__in=["W00001", "W00002"]).exists()
    confirm(client, checked_batch)
    checked_batch.refresh_from_db()
    assert (checked_batch.status, checked_batch.migrations_created) == (ImportBatch.Status.IMPORTED, 2)
    assert checked_batch.problem == ""


def test_a_batch_that_finished_is_never_given_up(client, icb_user, checked_batch):
    confirm(client, checked_batch)
    stalled_for(checked_batch, 600)
    assert not services.import_batch_give_up_if_stalled(batch=checked_batch)
    checked_batch.refresh_from_db()
    assert checked_batch.status == ImportBatch.Status.IMPORTED


# --- The named practice manager ----------------------------------------------------------------------


def confirm_sending_mail(client, batch, django_capture_on_commit_callbacks):
    """Confirm, running what waits for the commit (the invitation emails) as a real commit would."""
    with django_capture_on_commit_callbacks(execute=True):
        return confirm(client, batch)


def test_importing_a_wave_records_and_invites_each_named_practice_manager(
    client, icb_user, checked_batch, mailoutbox, django_capture_on_commit_callbacks
):
    confirm_sending_mail(client, checked_batch, django_capture_on_commit_callbacks)
    for n in (1, 2):
        migration = Migration.objects.get(practice__ods_code=f"W0000{n}")
        (stakeholder,) = migration.stakeholders.all()
        assert (stakeholder.role, stakeholder.name, stakeholder.email) == (
            StakeholderRole.PRACTICE_MANAGER,
            f"Manager {n}",
            f"manager{n}@wave.example",
        )
        assert stakeholder.created_by == icb_user
        invitation = Invitation.objects.get(email=f"manager{n}@wave.example")
        assert (invitation.practice, invitation.migration, invitation.role) == (
            migration.practice,
            migration,
            PracticeMembership.Role.PRACTICE_MANAGER,
        )
    assert sorted(message.to[0] for message in mailoutbox) == ["manager1@wave.example", "manager2@wave.example"]
    assert "Wave Practice 1" in next(m for m in mailoutbox if m.to == ["manager1@wave.example"]).body


def test_a_mail_server_that_is_down_does_not_undo_or_break_the_wave(
    client, icb_user, checked_batch, settings, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = "tests.reminders.failing_backend.EmailBackend"
    confirm_sending_mail(client, checked_batch, django_capture_on_commit_callbacks)
    checked_batch.refresh_from_db()
    assert checked_batch.status == ImportBatch.Status.IMPORTED
    failed = Invitation.objects.filter(email__endswith="@wave.example", email_failed_at__isnull=False)
    assert failed.count() == 2  # the people page of each migration says "Email not sent"


def test_an_invited_manager_who_joins_becomes_the_recorded_manager_not_a_second_one(
    client, icb_user, checked_batch, mailoutbox, django_capture_on_commit_callbacks
):
    confirm_sending_mail(client, checked_batch, django_capture_on_commit_callbacks)
    invitation = Invitation.objects.get(email="manager1@wave.example")
    person = invitation_accept_as_new_user(invitation=invitation, first_name="Priya", last_name="Shah", password="x")
    (stakeholder,) = invitation.migration.stakeholders.all()
    assert (stakeholder.user, stakeholder.role, stakeholder.name, stakeholder.email) == (
        person,
        StakeholderRole.PRACTICE_MANAGER,
        "",
        "",
    )


def test_tasks_given_to_an_invited_manager_before_they_join_become_theirs_when_they_do(
    client, icb_user, checked_batch, mailoutbox, django_capture_on_commit_callbacks
):
    confirm_sending_mail(client, checked_batch, django_capture_on_commit_callbacks)
    invitation = Invitation.objects.get(email="manager1@wave.example")
    (contact,) = invitation.migration.stakeholders.all()
    task = invitation.migration.tasks.order_by("position").first()
    task_assign(task=task, by=icb_user, version=task.version, contact=contact)
    person = invitation_accept_as_new_user(invitation=invitation, first_name="Priya", last_name="Shah", password="x")
    task.refresh_from_db()
    assert (task.assignee, task.assigned_contact) == (person, None)
    assert list(tasks_of_stakeholder(Stakeholder.objects.get(pk=contact.pk))) == [task]
    assert "joined the practice" in task.history.latest().history_change_reason


def test_a_finished_task_of_an_invited_manager_shows_them_by_name_once_they_join(
    client, icb_user, checked_batch, mailoutbox, django_capture_on_commit_callbacks, django_assert_max_num_queries
):
    confirm_sending_mail(client, checked_batch, django_capture_on_commit_callbacks)
    invitation = Invitation.objects.get(email="manager1@wave.example")
    (contact,) = invitation.migration.stakeholders.all()
    # Not the planning meeting's task: ticking that one records the day the meeting was held. Nor one
    # that waits for the linked systems (the national services every migration starts with).
    task = (
        invitation.migration.tasks.exclude(template_item__key__in=["planning-meeting", *THIRD_PARTY_TASKS])
        .order_by("position")
        .first()
    )
    task = task_assign(task=task, by=icb_user, version=task.version, contact=contact)
    task_set_status(task=task, status="done", by=icb_user, version=task.version)
    person = invitation_accept_as_new_user(invitation=invitation, first_name="Priya", last_name="Shah", password="x")
    client.force_login(person)
    # The task's own page says who held it (the plan's row says who ticked it).
    with django_assert_max_num_queries(20):
        page = client.get(reverse("task-detail", args=[invitation.migration.pk, task.pk])).content.decode()
    assert "<strong>Priya Shah</strong>" in page
    assert "(outside contact" not in page


def test_a_manager_who_already_has_an_account_is_recorded_as_themselves_and_invited_if_not_a_member(
    client, icb_user, icb, suppliers, manager, practice, mailoutbox, django_capture_on_commit_callbacks
):
    """`manager` is a member of Riverside (A81001) already; manager 2's address belongs to a user of no practice."""
    newcomer = UserFactory(email="manager2@wave.example")
    rows = [
        wave_row(1, **{"ODS code": practice.ods_code, "Practice manager email": manager.email.upper()}),
        wave_row(2),
    ]
    client.force_login(icb_user)
    upload(client, wave_csv(rows), organisation=icb)
    confirm_sending_mail(client, ImportBatch.objects.get(), django_capture_on_commit_callbacks)
    riverside = Migration.objects.get(practice=practice)
    assert [s.user for s in riverside.stakeholders.all()] == [manager]
    wave_two = Migration.objects.get(practice__ods_code="W00002")
    assert [s.user for s in wave_two.stakeholders.all()] == [newcomer]
    assert [message.to for message in mailoutbox] == [["manager2@wave.example"]]


def test_a_wave_logs_the_reminders_already_due_for_its_migrations_and_sends_them_after_commit(
    client, icb_user, icb, suppliers, manager, practice, monkeypatch, django_capture_on_commit_callbacks
):
    """FDP 40 days away: the six-week "book the planning meeting" reminder is already late."""
    handed = []
    monkeypatch.setattr("reminders.jobs.enqueue_sends", handed.extend)
    rows = [
        wave_row(
            1, **{"ODS code": practice.ods_code, "FDP date": days(40).isoformat(), "Go-live date": days(47).isoformat()}
        ),
        wave_row(2),
    ]
    client.force_login(icb_user)
    upload(client, wave_csv(rows), organisation=icb)
    with django_capture_on_commit_callbacks(execute=True):
        confirm(client, ImportBatch.objects.get())
    riverside = Migration.objects.get(practice=practice)
    logged = ReminderLog.objects.get(kind="planning_meeting_ahead")
    assert (logged.migration, logged.recipient_email) == (riverside, manager.email)
    # Five weeks' notice to the prescription service has passed too: that goes now, late.
    late_notice = ReminderLog.objects.get(kind="national_service_notice")
    assert (late_notice.migration, late_notice.recipient_email) == (riverside, manager.email)
    assert sorted(handed) == sorted([logged.pk, late_notice.pk])


def test_a_manager_named_without_an_email_is_recorded_but_nobody_is_invited(
    client, icb_user, icb, suppliers, mailoutbox, django_capture_on_commit_callbacks
):
    client.force_login(icb_user)
    upload(client, wave_csv([wave_row(1, **{"Practice manager email": ""})]), organisation=icb)
    confirm_sending_mail(client, ImportBatch.objects.get(), django_capture_on_commit_callbacks)
    (stakeholder,) = Migration.objects.get(practice__ods_code="W00001").stakeholders.all()
    assert (stakeholder.name, stakeholder.email) == ("Manager 1", "")
    assert not Invitation.objects.exists() and mailoutbox == []


def test_a_row_without_a_manager_records_and_sends_nothing(
    client, icb_user, icb, suppliers, mailoutbox, django_capture_on_commit_callbacks
):
    client.force_login(icb_user)
    row = wave_row(1, **{"Practice manager email": "", "Practice manager name": ""})
    upload(client, wave_csv([row]), organisation=icb)
    confirm_sending_mail(client, ImportBatch.objects.get(), django_capture_on_commit_callbacks)
    assert not Migration.objects.get(practice__ods_code="W00001").stakeholders.exists()
    assert mailoutbox == []


def test_a_wave_that_rolls_back_invites_nobody(
    client, icb_user, icb, suppliers, monkeypatch, mailoutbox, django_capture_on_commit_callbacks
):
    client.force_login(icb_user)
    upload(client, wave_csv([wave_row(n) for n in range(1, 4)]), organisation=icb)
    real_sweep = services.reminders_sweep

    def sweep_then_lose_a_race(**kwargs):
        real_sweep(**kwargs)  # after every row's migration, manager and invitation
        raise MigrationConflict("This practice already has an active migration.")

    monkeypatch.setattr(services, "reminders_sweep", sweep_then_lose_a_race)
    # Every row invites its manager, but the emails wait for a commit that never comes.
    confirm_sending_mail(client, ImportBatch.objects.get(), django_capture_on_commit_callbacks)
    assert mailoutbox == []
    assert not Invitation.objects.exists()
    assert not Stakeholder.objects.exists()
    assert ImportBatch.objects.get().status == "ready"
