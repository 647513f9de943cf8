"""Large imports as background jobs: the file stored, then dry-run or applied chunk by chunk.

A file of more than ``IMPORT_BACKGROUND_ROWS`` rows does not fit a request (Open edX moved its
batch enrollment to a task for that reason), so it becomes an ``ImportJob``: a Celery task when
``celery_enabled()``, else run at once in the request. Without Celery the host has no worker
to hand it to: running it now, chunk by chunk, gives the same report and progress records as a
worker would, where a job waiting for a cron nobody set up would look stuck (the document
batches chose the same); ``cursus_run_import_jobs`` runs whatever was left queued or stopped.

The rows are cut into chunks of about ``IMPORT_CHUNK_ROWS`` without splitting a session's rows
(a session's seats and waiting list are counted over all its rows; séances follow their session),
so each chunk planned or applied on its own, through the import's own ``plan``/``apply``, gives
what the whole file would. Each chunk is one transaction that also writes its report
(``ImportJobChunk``): a job that fails keeps the chunks it applied, reported, and a run taken up
again skips them.
"""

import csv
import io
import logging
import uuid

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone, translation
from django.utils.text import get_valid_filename
from django.utils.translation import gettext_lazy as _

from ...conf import settings
from ...models import ImportJob, ImportJobChunk, ImportJobStatus, ImportKind
from ...utils.dates import interpolate
from ..documents.batches import celery_enabled, stale_after
from ..history import notifying
from . import files, registrations, sessions

logger = logging.getLogger(__name__)

#: The Celery task that runs ``run``: its registered name, kept so queued messages survive an upgrade.
RUN_TASK = "cursus_xblock.run_import_job"

SERVICES = {ImportKind.REGISTRATIONS: registrations, ImportKind.SESSIONS: sessions}
#: The report column that holds each row's result (see each service's ``REPORT_HEADER``).
RESULT_COLUMN = {ImportKind.REGISTRATIONS: 4, ImportKind.SESSIONS: 6}

HAS_ERRORS = _("%(count)s rows have errors: correct the file, or apply its valid rows only.")
BROKER_DOWN = _("The import could not be handed to the background workers (%(problem)s). Try again later.")


def needs_job(rows):
    """Whether these parsed rows are too many for a request (more than a request may even read included)."""
    return len(rows) > min(settings.IMPORT_BACKGROUND_ROWS, settings.IMPORT_MAX_ROWS)


def parse(kind, content, file_name):
    """The rows of a file that may become a job: read up to ``IMPORT_JOB_MAX_ROWS`` rows."""
    return SERVICES[kind].parse(content, file_name, max_rows=settings.IMPORT_JOB_MAX_ROWS)


def start(*, kind, content, file_name, rows_total, actor=None, dry_run=False, allow_errors=False, notify=True):
    """Store the file as a job and start it: published to Celery once the transaction commits, else run now."""
    job = ImportJob(
        kind=kind,
        file_name=file_name[:255],
        dry_run=dry_run,
        allow_errors=allow_errors,
        notify=notify,
        actor=actor,
        rows_total=rows_total,
        language=translation.get_language() or "",
        progress_at=timezone.now(),
    )
    job.file.save(get_valid_filename(file_name or "import.csv")[-100:], ContentFile(content), save=False)
    job.save()
    if celery_enabled():
        transaction.on_commit(lambda: _publish(job.pk))
    else:
        run(job.pk)
        job.refresh_from_db()
    return job


def _publish(job_id):
    """Hand the job to the workers by the task's name; a broker out of reach fails the job with a message."""
    from celery import signature

    try:
        signature(RUN_TASK, args=(job_id,)).apply_async(
            retry=True, retry_policy={"max_retries": 2, "interval_start": 0.2, "interval_step": 0.5}
        )
    except Exception as exc:  # kombu's OperationalError and whatever a transport raises
        logger.exception("Import job %s could not be published", job_id)
        ImportJob.objects.filter(pk=job_id, status=ImportJobStatus.QUEUED).update(
            status=ImportJobStatus.FAILED, error=str(BROKER_DOWN % {"problem": exc})[:2000], finished_at=timezone.now()
        )


def chunks_of(rows, size=None):
    """The rows in chunks of about ``size``, a session's rows (same session code) never split."""
    size = size or settings.IMPORT_CHUNK_ROWS
    by_session = {}
    for row in rows:
        by_session.setdefault(row.session_code, []).append(row)
    chunks, current = [], []
    for members in by_session.values():
        if current and len(current) + len(members) > size:
            chunks.append(current)
            current = []
        current.extend(members)
    if current:
        chunks.append(current)
    return chunks


def is_stale(job, now=None):
    """Queued or running with no progress for ``CURSUS_BATCH_STALE_MINUTES``: its worker or message is lost."""
    if job.finished:
        return False
    return (now or timezone.now()) - (job.progress_at or job.created_at) > stale_after()


def runnable():
    """Jobs nothing is running: queued or running without progress for ``CURSUS_BATCH_STALE_MINUTES``
    (a lost message, a dead worker). For ``cursus_run_import_jobs``."""
    now = timezone.now()
    unfinished = ImportJob.objects.filter(status__in=(ImportJobStatus.QUEUED, ImportJobStatus.RUNNING))
    return [job for job in unfinished.order_by("created_at", "pk") if is_stale(job, now)]


def resume(job_id):
    """Run a failed job again: its chunks that ran are skipped, the others tried (the cause fixed)."""
    ImportJob.objects.filter(pk=job_id, status=ImportJobStatus.FAILED).update(
        status=ImportJobStatus.QUEUED, error="", finished_at=None, progress_at=timezone.now()
    )
    return run(job_id)


def run(job_id, *, max_chunks=None):
    """Run a job's chunks that have not run yet (all, or the next ``max_chunks``), then finish it.

    Safe to call again (a redelivered task, a resumed job): chunks that ran are skipped, and a
    chunk another run is doing makes this one stop.
    """
    token = uuid.uuid4().hex
    with transaction.atomic():
        job = ImportJob.objects.select_for_update().get(pk=job_id)
        if job.finished:
            return job
        if job.run_token and not is_stale(job):
            job.busy = True  # another run is at it and making progress
            return job
        job.status, job.progress_at, job.run_token = ImportJobStatus.RUNNING, timezone.now(), token
        job.started_at = job.started_at or job.progress_at
        job.save(update_fields=["status", "progress_at", "started_at", "run_token"])
    job.run_token = token
    with translation.override(job.language or None):
        try:
            _run(job, max_chunks)
        except _TakenOver:
            pass
        except Exception as exc:  # the job's failure, told on its page; what ran is kept
            logger.exception("Import job %s failed", job_id)
            _finish(job, status=ImportJobStatus.FAILED, error=f"{type(exc).__name__}: {exc}"[:2000])
    return ImportJob.objects.get(pk=job_id)


class _TakenOver(Exception):
    """Another run took the job over (it thought this one dead): this one stops writing."""


def _mine(job):
    """Lock the job for this run's chunk; ``_TakenOver`` when another run holds it now."""
    if not ImportJob.objects.select_for_update().filter(pk=job.pk, run_token=job.run_token).exists():
        raise _TakenOver


def _run(job, max_chunks):
    service = SERVICES[job.kind]
    with job.file.open("rb") as handle:
        content = handle.read()
    try:
        rows = parse(job.kind, content, job.file_name)
    except files.ImportFileError as exc:
        _finish(job, status=ImportJobStatus.FAILED, error=str(exc.message))
        return
    done = set(job.chunks.values_list("index", flat=True))
    if not (job.dry_run or job.allow_errors or done):
        # Asked all or nothing: a file with errors is refused before its first chunk is applied.
        planned = service.plan(parse(job.kind, content, job.file_name), actor=job.actor)
        if planned.errors:
            message = interpolate(HAS_ERRORS, count=len(planned.errors))
            rows = [row.as_list() for row in planned.rows]
            _finish(job, status=ImportJobStatus.FAILED, error=message, rows=rows, errors=len(planned.errors))
            return
    ran = 0
    for index, chunk in enumerate(chunks_of(rows)):
        if index in done:
            continue
        if max_chunks is not None and ran >= max_chunks:
            # Stopped on purpose: nobody runs it until the next run.
            ImportJob.objects.filter(pk=job.pk, run_token=job.run_token).update(run_token="")
            return
        try:
            with transaction.atomic():
                _mine(job)
                # Also guarded by the unique chunk: a run taken over mid-chunk cannot write it twice.
                record = ImportJobChunk.objects.create(job=job, index=index)
                if job.dry_run:
                    result = service.plan(chunk, actor=job.actor)
                else:
                    with notifying(job.notify):
                        result = service.apply(chunk, actor=job.actor, allow_errors=True)
                record.rows = [row.as_list() for row in chunk]
                record.errors = len(result.errors)
                record.save(update_fields=["rows", "errors"])
                ImportJob.objects.filter(pk=job.pk).update(
                    rows_done=F("rows_done") + len(chunk), progress_at=timezone.now()
                )
        except IntegrityError:
            if ImportJobChunk.objects.filter(job=job, index=index).exists():
                raise _TakenOver from None  # another run did this chunk: it carries on
            raise
        ran += 1
    _finish(job, status=ImportJobStatus.DONE)


def _finish(job, *, status, error="", rows=None, errors=None):
    """The report (of the chunks that ran, or ``rows``) as CSV, the counts, and the final status."""
    if rows is None:
        rows = [row for chunk in job.chunks.order_by("index") for row in chunk.rows]
    rows.sort(key=lambda row: row[0])
    column = RESULT_COLUMN[job.kind]
    counts = {}
    for row in rows:
        counts[row[column]] = counts.get(row[column], 0) + 1
    if errors is None:
        errors = sum(job.chunks.values_list("errors", flat=True))
    report = files.report_csv(SERVICES[job.kind].REPORT_HEADER, rows)
    with transaction.atomic():
        locked = ImportJob.objects.select_for_update().get(pk=job.pk)
        if locked.finished or locked.run_token != job.run_token:
            return  # finished, or taken over by another run
        if locked.report:
            locked.report.delete(save=False)
        locked.report.save(f"report-{job.pk}.csv", ContentFile(report.encode("utf-8")), save=False)
        locked.status, locked.error, locked.finished_at = status, error, timezone.now()
        locked.counts = [[label, number] for label, number in counts.items()]
        locked.run_token = ""
        locked.errors = errors
        locked.save(update_fields=["report", "status", "error", "finished_at", "counts", "errors", "run_token"])


def report_rows(job):
    """The job's report as lists (header first); empty before it finished. For the API and the page."""
    if not job.report:
        return []
    with job.report.open("rb") as handle:
        text = handle.read().decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text, newline=""), delimiter=";"))
