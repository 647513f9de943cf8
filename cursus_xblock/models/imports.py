"""Imports run in the background: a file too large for one request, applied (or dry-run) chunk by chunk.

The job keeps the uploaded file, who asked and with which options, its progress and, once finished,
the per-row report; each chunk's report is stored with the chunk's own transaction, so what a
failed job had already applied is exactly what its chunks say.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ImportKind(models.TextChoices):
    REGISTRATIONS = "registrations", _("Registrations")
    SESSIONS = "sessions", _("Sessions and séances")


class ImportJobStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("In progress")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


def import_path(job, filename):
    return f"cursus/imports/{job.created_at:%Y/%m}/{job.created_at:%d%H%M%S}-{filename}"


class ImportJob(models.Model):
    """One import file handled in the background (a dry run or an apply), with its progress and report.

    .. pii: The file and the report name people (usernames, e-mail addresses).
    .. pii_types: username, email_address
    .. pii_retirement: retained
    """

    kind = models.CharField(_("kind"), max_length=16, choices=ImportKind.choices)
    file = models.FileField(_("file"), upload_to=import_path, max_length=255)
    file_name = models.CharField(_("file name"), max_length=255, blank=True)
    dry_run = models.BooleanField(_("dry run"), default=False)
    allow_errors = models.BooleanField(_("apply the valid rows only"), default=False)
    #: Off: « do not notify », nobody gets an e-mail about these registrations.
    notify = models.BooleanField(_("notify"), default=True)
    language = models.CharField(_("language"), max_length=16, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("requested by"),
    )
    status = models.CharField(
        _("status"), max_length=16, choices=ImportJobStatus.choices, default=ImportJobStatus.QUEUED
    )
    rows_total = models.PositiveIntegerField(_("rows"), default=0)
    rows_done = models.PositiveIntegerField(_("rows done"), default=0)
    errors = models.PositiveIntegerField(_("rows with errors"), default=0)
    counts = models.JSONField(_("results"), default=list, blank=True)
    report = models.FileField(_("report"), upload_to=import_path, max_length=255, blank=True)
    error = models.TextField(_("error"), blank=True)
    created_at = models.DateTimeField(_("requested on"), default=timezone.now)
    started_at = models.DateTimeField(_("started on"), null=True, blank=True)
    progress_at = models.DateTimeField(_("last progress"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished on"), null=True, blank=True)
    # Who runs it now (empty: nobody, e.g. between two runs): a run writes only while the job
    # carries its token, so a duplicate delivery leaves a live run alone and a stale one is taken over.
    run_token = models.CharField(max_length=32, blank=True, editable=False)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("import job")
        verbose_name_plural = _("import jobs")

    def __str__(self):
        return f"{self.get_kind_display()} — {self.file_name} ({self.get_status_display()})"

    @property
    def finished(self):
        return self.status in (ImportJobStatus.DONE, ImportJobStatus.FAILED)

    @property
    def percent(self):
        if self.status == ImportJobStatus.DONE:
            return 100
        return round(100 * self.rows_done / self.rows_total) if self.rows_total else 0


class ImportJobChunk(models.Model):
    """The report of one chunk of a job, written in the chunk's transaction: it exists iff the chunk ran.

    .. pii: The report's rows name people (usernames, e-mail addresses).
    .. pii_types: username, email_address
    .. pii_retirement: retained
    """

    job = models.ForeignKey(ImportJob, on_delete=models.CASCADE, related_name="chunks", verbose_name=_("import job"))
    index = models.PositiveIntegerField(_("chunk"))
    rows = models.JSONField(_("report rows"), default=list)
    errors = models.PositiveIntegerField(_("rows with errors"), default=0)

    class Meta:
        ordering = ["job", "index"]
        verbose_name = _("import chunk")
        verbose_name_plural = _("import chunks")
        constraints = [models.UniqueConstraint(fields=["job", "index"], name="cursus_import_chunk_unique")]

    def __str__(self):
        return f"{self.job_id}/{self.index}"
