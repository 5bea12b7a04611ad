"""Wave import actions. Views and jobs call these; each one is safe to run twice.

A batch moves QUEUED → CHECKING → READY (or UNREADABLE), then on confirmation
READY → CREATING → IMPORTED. Every move is claimed with a conditional UPDATE, so a
double click, a retried job or two workers can never check or create a wave twice.
"""

import datetime
import hashlib
import logging
from itertools import islice

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.db.models.functions import Lower
from django.utils import timezone
from kombu.exceptions import OperationalError

from coordinator.services import MigrationConflict, migrations_create
from cutover.bulk import create_with_history
from cutover.formatting import day_text
from cutover.models import Migration
from cutover.timeline import local_today
from practices.invitations import invitations_create
from practices.models import Organisation, Practice, PracticeMembership, Stakeholder, StakeholderRole, User
from practices.stakeholders import stakeholder_build
from reminders.sweep import reminders_sweep

from . import wave_file
from .models import ImportBatch, ImportedMigration, ImportRow
from .wave_file import checking, layout, reading

logger = logging.getLogger(__name__)
ROWS_PER_PROGRESS_STEP = 250


def import_batch_upload(*, organisation: Organisation, file_name: str, content: bytes, by) -> ImportBatch:
    """Store an uploaded file for checking. Raises wave_file.UnreadableFile, storing nothing, when the
    file cannot be used at all (wrong columns, empty, too long, or already imported)."""
    fmt = layout.file_format(file_name)
    if fmt is None:
        raise wave_file.UnreadableFile("Upload a .csv or .xlsx file, like the template.")
    digest = hashlib.sha256(content).hexdigest()
    earlier = ImportBatch.objects.filter(
        organisation=organisation, content_sha256=digest, status=ImportBatch.Status.IMPORTED
    ).first()
    if earlier:
        raise wave_file.UnreadableFile(
            f"This file was already imported on {day_text(timezone.localtime(earlier.imported_at))}, "
            f"creating {earlier.migrations_created} migrations. Nothing has been created twice."
        )
    rows = reading.inspect(content, fmt)
    return ImportBatch.objects.create(
        organisation=organisation,
        uploaded_by=by,
        file_name=file_name[:255],
        file_format=fmt,
        content=content,
        content_sha256=digest,
        # An .xlsx that does not record its size is assumed large, so it is checked in the background.
        rows_total=rows if rows is not None else settings.IMPORT_MAX_ROWS,
    )


def _batched(items, size: int):
    # itertools.batched arrives with Python 3.12; the machines run 3.11.
    iterator = iter(items)
    while step := list(islice(iterator, size)):
        yield step


def runs_in_background(batch: ImportBatch) -> bool:
    """Small files are checked and created during the request; larger ones by a Celery job.

    Larger by rows or by bytes (what an .xlsx unpacks to), so a request never reads a large file.
    """
    if batch.rows_total >= settings.IMPORT_BACKGROUND_ROWS:
        return True
    try:
        size = reading.content_size(bytes(batch.content), batch.file_format)
    except wave_file.UnreadableFile:
        return True  # the job says what is wrong with it, on the batch
    return size >= settings.IMPORT_BACKGROUND_BYTES


def _run_soon(job, batch: ImportBatch, run_now) -> None:
    if not runs_in_background(batch):
        run_now()
        return
    try:
        job.delay_on_commit(batch.pk)
    except OperationalError:
        # The broker is down: doing the work now is slow but loses nothing.
        logger.warning("Broker unavailable; running %s for import batch %s in the request", job.name, batch.pk)
        run_now()


def import_batch_start_check(*, batch: ImportBatch) -> None:
    from .jobs import check_import_batch  # jobs imports this module

    _run_soon(check_import_batch, batch, lambda: import_batch_check(batch_id=batch.pk))


def import_batch_check(*, batch_id: int) -> None:
    """Check every row and store the preview, reporting progress on the batch as it goes."""
    claimed = ImportBatch.objects.filter(pk=batch_id, status=ImportBatch.Status.QUEUED).update(
        status=ImportBatch.Status.CHECKING, rows_checked=0, progress_at=timezone.now()
    )
    if not claimed:
        return
    batch = ImportBatch.objects.select_related("organisation").get(pk=batch_id)
    try:
        _check(batch)
    except wave_file.UnreadableFile as exc:
        _mark_unreadable(batch, str(exc))
    except SoftTimeLimitExceeded:
        _mark_unreadable(
            batch,
            f"Checking this file took longer than {(settings.IMPORT_CHECK_TIME_LIMIT - 60) // 60} minutes, so it was "
            "stopped. Nothing was created. Split the wave into smaller files and upload them one by one.",
        )
    except Exception:
        _mark_unreadable(batch, "Something went wrong while checking this file. Upload it again.")
        raise


def _mark_unreadable(batch: ImportBatch, problem: str) -> None:
    ImportBatch.objects.filter(pk=batch.pk).update(status=ImportBatch.Status.UNREADABLE, problem=problem)


def _check(batch: ImportBatch) -> list[checking.CheckedRow]:
    table = reading.read_table(bytes(batch.content), batch.file_format)
    ImportBatch.objects.filter(pk=batch.pk).update(rows_total=len(table.rows), rows_checked=0)
    ImportRow.objects.filter(batch=batch).delete()
    checked: list[checking.CheckedRow] = []
    rows = checking.check_rows(table, organisation=batch.organisation, today=local_today())
    for step in _batched(rows, ROWS_PER_PROGRESS_STEP):
        ImportRow.objects.bulk_create(
            ImportRow(
                batch=batch,
                line=row.line,
                values=row.display,
                new_practice=row.new_practice,
                errors=row.errors,
                warnings=row.warnings,
                has_errors=bool(row.errors),
                has_warnings=bool(row.warnings),
            )
            for row in step
        )
        checked.extend(step)
        ImportBatch.objects.filter(pk=batch.pk).update(
            rows_checked=F("rows_checked") + len(step), progress_at=timezone.now()
        )
    ImportBatch.objects.filter(pk=batch.pk).update(
        status=ImportBatch.Status.READY,
        error_count=sum(1 for row in checked if row.errors),
        warning_count=sum(1 for row in checked if row.warnings),
        checked_at=timezone.now(),
        problem="",
    )
    return checked


def import_batch_confirm(*, batch: ImportBatch, by) -> bool:
    """Start creating the wave. False if it was not ready (already confirmed, or has errors)."""
    claimed = ImportBatch.objects.filter(
        pk=batch.pk, status=ImportBatch.Status.READY, error_count=0, rows_total__gt=0
    ).update(status=ImportBatch.Status.CREATING, confirmed_by=by, progress_at=timezone.now())
    if not claimed:
        return False
    from .jobs import create_import_batch  # jobs imports this module

    _run_soon(create_import_batch, batch, lambda: import_batch_create(batch_id=batch.pk))
    return True


def import_batch_give_up_if_stalled(*, batch: ImportBatch, now: datetime.datetime | None = None) -> bool:
    """Tell the user when the worker checking or creating their wave died; True if it had.

    A batch that has not moved on for IMPORT_STALLED_MINUTES (longer than any job may run) is
    given up: a check, as a file to upload again; a creation, back to the checked preview so it
    can be confirmed again. Creating is one transaction, so nothing of it was left behind. On
    PostgreSQL a job still holding the batch's lock makes this wait and then find it moved on.
    """
    cutoff = (now or timezone.now()) - datetime.timedelta(minutes=settings.IMPORT_STALLED_MINUTES)
    stalled = ImportBatch.objects.filter(pk=batch.pk, progress_at__lt=cutoff)
    if stalled.filter(status=ImportBatch.Status.CHECKING).update(
        status=ImportBatch.Status.UNREADABLE,
        problem="Checking this file stopped part way, because the background worker stopped. Nothing was "
        "created. Upload the file again.",
    ):
        return True
    return bool(
        stalled.filter(status=ImportBatch.Status.CREATING).update(
            status=ImportBatch.Status.READY,
            problem="Creating this wave stopped part way, because the background worker stopped. Nothing was "
            "created: you can confirm it again.",
        )
    )


def import_batch_create(*, batch_id: int) -> None:
    """Create every row's migration in one transaction: all of them, or none.

    The file is checked again first, because practices, migrations and today's date may have
    changed since the preview. If anything is now wrong, the preview is refreshed with the
    problems and nothing is created.
    """
    batch = ImportBatch.objects.select_related("organisation", "confirmed_by").filter(pk=batch_id).first()
    if batch is None or batch.status != ImportBatch.Status.CREATING:
        return
    try:
        table = reading.read_table(bytes(batch.content), batch.file_format)
        rows = list(checking.check_rows(table, organisation=batch.organisation, today=local_today()))
        if any(row.errors for row in rows):
            raise _Changed
        with transaction.atomic():
            # Whoever locks the batch first creates the wave; a second job finds it imported.
            locked = ImportBatch.objects.select_for_update().get(pk=batch_id)
            if locked.status != ImportBatch.Status.CREATING:
                return
            practices = _register_new_practices(rows, organisation=batch.organisation, by=batch.confirmed_by)
            created = import_rows_create(rows=rows, practices=practices, by=batch.confirmed_by)
            ImportedMigration.objects.bulk_create(
                [ImportedMigration(migration=migration, batch=locked) for migration in created]
            )
            # One sweep for the whole wave: per migration it cost as much as creating the plan.
            reminders_sweep(migration_ids=[migration.pk for migration in created])
            locked.status = ImportBatch.Status.IMPORTED
            locked.imported_at = timezone.now()
            locked.migrations_created = len(rows)
            locked.problem = ""
            locked.save()
    except (_Changed, MigrationConflict, IntegrityError):
        _back_to_preview(batch)
    except SoftTimeLimitExceeded:
        _mark_unreadable(
            batch,
            f"Creating this wave took longer than {(settings.IMPORT_CREATE_TIME_LIMIT - 60) // 60} minutes, so it was "
            "stopped and nothing was created. Split the wave into smaller files and upload them one by one.",
        )
    except Exception:
        _mark_unreadable(batch, "Something went wrong while creating this wave; nothing was created. Upload it again.")
        raise


class _Changed(Exception):
    """Checking again found errors the preview did not have."""


def _back_to_preview(batch: ImportBatch) -> None:
    ImportBatch.objects.filter(pk=batch.pk).update(status=ImportBatch.Status.CHECKING)
    try:
        _check(batch)
    except wave_file.UnreadableFile as exc:
        _mark_unreadable(batch, str(exc))
        return
    ImportBatch.objects.filter(pk=batch.pk).update(
        problem="Something changed since this file was checked, so nothing was created. "
        "The rows below show what is wrong now."
    )


def _register_new_practices(rows: list[checking.CheckedRow], *, organisation: Organisation, by) -> dict[str, Practice]:
    """Every row's practice by ODS code, registering the new ones under the ICB in bulk (with history).

    Only an ICB's rows can name new practices: checking refuses them for a delivery partner.
    """
    new = [
        Practice(
            name=row.practice_name,
            ods_code=row.ods_code,
            icb=organisation,
            delivery_partner=row.delivery_partner,
            dispensing=bool(row.dispensing),
        )
        for row in rows
        if row.practice is None
    ]
    create_with_history(new, Practice, by=by)
    practices = {practice.ods_code: practice for practice in new}
    practices.update((row.ods_code, row.practice) for row in rows if row.practice is not None)
    return practices


def import_rows_create(*, rows: list[checking.CheckedRow], practices: dict[str, Practice], by) -> list[Migration]:
    """Create the checked rows' migrations the way the migration form does (migrations_create, which
    builds every plan with the one plan builder), then record each row's manager.

    Their reminders are logged by the caller, in one sweep over the whole wave.
    """
    migrations = migrations_create(
        migrations=[
            Migration(
                practice=practices[row.ods_code],
                current_system=row.current_system,
                current_supplier=row.current_supplier,
                new_system=row.new_system,
                new_supplier=row.new_supplier,
                fdp_date=row.fdp_date,
                go_live_date=row.go_live_date,
            )
            for row in rows
        ],
        by=by,
        refresh_reminders=False,  # the caller sweeps the whole wave at once
    )
    import_rows_add_managers(rows=rows, migrations=migrations, by=by)
    return migrations


def import_rows_add_managers(*, rows: list[checking.CheckedRow], migrations: list[Migration], by) -> None:
    """Record the practice manager each row names as its migration's practice manager, and invite them.

    Someone who already has an account is recorded as themselves, and invited only if they are not
    yet a member of the practice. Anyone else is recorded as a contact with the name and email from
    the file until they accept (accepting turns that entry into them). The invitation emails go
    after the whole wave commits, so a wave that rolls back sends nothing. A name without an email
    is recorded, but nobody can be invited.

    The migrations are new, so none has a manager recorded yet: the entries are saved in bulk
    (stakeholder_build, the rules stakeholder_create follows), in a few queries for the whole wave.

    Only the manager is recorded: the practice confirms everyone else on the people page, where
    the app suggests them (stakeholders_suggest); confirming on the practice's behalf here would
    mark the list as checked when nobody at the practice has looked at it.
    """
    named = [
        (row, migration)
        for row, migration in zip(rows, migrations, strict=True)
        if row.manager_name or row.manager_email
    ]
    addresses = {row.manager_email.strip().lower() for row, _ in named if row.manager_email}
    users = (
        {user.address: user for user in User.objects.annotate(address=Lower("email")).filter(address__in=addresses)}
        if addresses
        else {}
    )
    stakeholders = []
    for row, migration in named:
        user = users.get(row.manager_email.strip().lower()) if row.manager_email else None
        stakeholders.append(
            stakeholder_build(
                migration=migration,
                role=StakeholderRole.PRACTICE_MANAGER,
                by=by,
                user=user,
                name="" if user else (row.manager_name or row.manager_email),
                email="" if user else row.manager_email,
            )
        )
    create_with_history(stakeholders, Stakeholder, by=by)
    invitations_create(
        wanted=[(migration.practice, row.manager_email, migration) for row, migration in named if row.manager_email],
        role=PracticeMembership.Role.PRACTICE_MANAGER,
        by=by,
    )
