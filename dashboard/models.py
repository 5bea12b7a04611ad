"""A wave import: a spreadsheet of practices, checked row by row, then created all at once or not at all."""

from django.conf import settings
from django.db import models
from django.urls import reverse

from practices.models import Organisation


class ImportBatch(models.Model):
    """One uploaded file. Its content is kept in the database so any worker can read it."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Waiting to be checked"
        CHECKING = "checking", "Being checked"
        UNREADABLE = "unreadable", "Could not be read"
        READY = "ready", "Checked"
        CREATING = "creating", "Creating migrations"
        IMPORTED = "imported", "Imported"

    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="import_batches",
        help_text="The ICB or delivery partner the wave belongs to: only its people can see the batch.",
    )
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)
    file_name = models.CharField(max_length=255)
    file_format = models.CharField(max_length=4, choices=[("csv", "CSV"), ("xlsx", "Excel")])
    content = models.BinaryField(editable=False)
    content_sha256 = models.CharField(max_length=64, editable=False)

    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED)
    rows_total = models.PositiveIntegerField(default=0, help_text="Data rows in the file (an estimate until checked).")
    rows_checked = models.PositiveIntegerField(default=0)
    error_count = models.PositiveIntegerField(default=0, help_text="Rows with at least one error.")
    warning_count = models.PositiveIntegerField(default=0, help_text="Rows with at least one warning.")
    problem = models.TextField(blank=True, help_text="Why the file could not be read or imported.")
    checked_at = models.DateTimeField(null=True, blank=True)
    progress_at = models.DateTimeField(
        null=True, blank=True, help_text="When a job last moved this batch on (see IMPORT_STALLED_MINUTES)."
    )

    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    imported_at = models.DateTimeField(null=True, blank=True)
    migrations_created = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-uploaded_at", "-pk"]
        verbose_name_plural = "import batches"
        constraints = [
            # The same file, confirmed twice, cannot create its wave twice, even in a race.
            models.UniqueConstraint(
                fields=["organisation", "content_sha256"],
                condition=models.Q(status="imported"),
                name="import_file_imported_once_per_organisation",
                violation_error_message="This file has already been imported.",
            ),
            models.CheckConstraint(
                condition=models.Q(rows_checked__lte=models.F("rows_total")),
                name="import_rows_checked_within_total",
            ),
        ]

    def __str__(self):
        return f"{self.file_name} ({self.get_status_display()})"

    def get_absolute_url(self):
        return reverse("import-detail", args=[self.pk])

    @property
    def in_progress(self) -> bool:
        return self.status in {self.Status.QUEUED, self.Status.CHECKING, self.Status.CREATING}

    @property
    def can_confirm(self) -> bool:
        return self.status == self.Status.READY and self.error_count == 0 and self.rows_total > 0

    @property
    def percent_checked(self) -> int:
        return round(100 * self.rows_checked / self.rows_total) if self.rows_total else 0


class ImportedMigration(models.Model):
    """Which wave (import batch) created a migration, so the dashboard can show one wave at a time.

    Kept here rather than on the migration: the cutover app sits below the dashboard and knows
    nothing of imports. Written once, in the transaction that creates the wave.
    """

    migration = models.OneToOneField(
        "cutover.Migration", on_delete=models.CASCADE, primary_key=True, related_name="imported_from"
    )
    batch = models.ForeignKey(ImportBatch, on_delete=models.PROTECT, related_name="imported")

    def __str__(self):
        return f"{self.migration_id} from {self.batch_id}"


class ImportRow(models.Model):
    """One row of the file as it would be created, with what is wrong with it. Only for the preview:
    confirming reads the file again, so nothing here can be edited into the database."""

    batch = models.ForeignKey(ImportBatch, on_delete=models.CASCADE, related_name="rows")
    line = models.PositiveIntegerField(help_text="The row number in the spreadsheet (the header is row 1).")
    values = models.JSONField(default=dict)
    new_practice = models.BooleanField(default=False)
    errors = models.JSONField(default=list)
    warnings = models.JSONField(default=list)
    has_errors = models.BooleanField(default=False)
    has_warnings = models.BooleanField(default=False)

    class Meta:
        ordering = ["batch", "line"]
        constraints = [models.UniqueConstraint(fields=["batch", "line"], name="one_import_row_per_line")]

    def __str__(self):
        return f"Row {self.line} of {self.batch}"


class RagSeen(models.Model):
    """The colour a migration had when the dashboard last looked (dashboard/rag_watch.py), so the
    watch can tell a migration that has just turned red from one that has been red all along."""

    migration = models.OneToOneField(
        "cutover.Migration", on_delete=models.CASCADE, primary_key=True, related_name="rag_seen"
    )
    colour = models.CharField(max_length=8, choices=[("red", "Red"), ("amber", "Amber"), ("green", "Green")])
    seen_at = models.DateTimeField(help_text="When the watch last found this colour (it was the same until then).")

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(colour__in=["red", "amber", "green"]), name="rag_seen_colour_known"
            ),
        ]

    def __str__(self):
        return f"{self.migration_id}: {self.colour}"
