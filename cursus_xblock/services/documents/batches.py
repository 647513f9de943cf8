"""Every learner's document of a session as one ZIP: a batch, built by a Celery worker or during the request.

Whether to hand the work to Celery is decided here (``celery_enabled``), once; the admin only
words what ``request_session_zip`` reports. A batch records each person's outcome as it goes, so
a worker lost mid-way is taken over or resumed without issuing anyone's document twice.
"""

import contextlib
import datetime
import importlib.util
import logging
import os
import tempfile
import uuid
from dataclasses import dataclass, field

from django.conf import settings as django_settings
from django.core.exceptions import ImproperlyConfigured
from django.core.files.base import File
from django.db import DatabaseError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ...conf import settings
from ...documents.generators import DocumentRefused
from ...documents.render import rendering_ahead
from ...models import BatchStatus, DocumentBatch, IssuedDocument, Registration, RegistrationStatus, Role
from ...models.documents import BatchOutcome, DocumentBatchItem
from .issuing import NOT_PERSONAL, issue, issue_ahead, kind_of
from .zips import SPOOL_BYTES, safe_folder, safe_name, zip_documents

logger = logging.getLogger(__name__)

#: The Celery task that runs ``batch_run``: its registered name, kept so queued messages survive an upgrade.
BUILD_TASK = "cursus_xblock.build_document_batch"

BROKER_DOWN = _("The batch could not be handed to the background workers (%(problem)s). Try again later.")
NOT_RESUMABLE = _("This batch is being built and is making progress: there is nothing to resume.")
NOTHING_MISSING = _("Every document of this batch was issued: there is nothing to resume.")


class BatchNotResumable(Exception):
    """The batch is running (and alive) or complete; ``message`` says which."""

    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


class _TakenOver(Exception):
    """Another run took the batch over (it thought this one dead): this one stops writing."""


@dataclass
class BulkResult:
    issued: int = 0
    refused: list = field(default_factory=list)  # (person, message)
    failed: list = field(default_factory=list)  # (person, error)


def _person(user):
    return user.get_full_name() or user.get_username()


def _learners(session):
    return (
        Registration.objects.filter(session=session, role=Role.LEARNER, status=RegistrationStatus.CONFIRMED)
        .select_related("user")
        .order_by("user__last_name", "user__first_name", "pk")
    )


def _issue_one(*, batch, token, registration, actor, ahead=None):
    """Issue one person's document for ``batch``: its outcome recorded with it, in one transaction.

    The document and its report line are written together while the batch still carries this
    run's token, so a worker killed in between leaves neither, and a run taken over stops.
    A failure (WeasyPrint, storage…) is that person's outcome, not the batch's; a database error
    is the batch's (the connection is gone).
    """
    with transaction.atomic():
        if not DocumentBatch.objects.select_for_update().filter(pk=batch.pk, run_token=token).exists():
            raise _TakenOver
        existing = IssuedDocument.objects.filter(batch=batch, registration=registration).first()
        if existing is not None:  # made by the run this one took over: reused, not issued again
            outcome, message, document = BatchOutcome.ISSUED, "", existing
        else:
            try:
                with transaction.atomic():
                    document = issue(kind=batch.kind, registration=registration, actor=actor, batch=batch, ahead=ahead)
                outcome, message = BatchOutcome.ISSUED, ""
            except DocumentRefused as exc:  # a broken template is an error to fix, not a refusal of the person
                failed = exc.code == "template_error"
                outcome = BatchOutcome.FAILED if failed else BatchOutcome.REFUSED
                message, document = str(exc.message), None
            except DatabaseError:
                raise
            except Exception as exc:
                logger.exception("Batch %s: the document of registration %s failed", batch.pk, registration.pk)
                outcome, message, document = BatchOutcome.FAILED, f"{type(exc).__name__}: {exc}"[:2000], None
        DocumentBatchItem.objects.update_or_create(
            batch=batch,
            registration=registration,
            defaults={"outcome": outcome, "message": message, "document": document, "updated_at": timezone.now()},
        )
    return outcome


def issue_zip(*, session, kind, actor=None, out, template=None, progress=None):
    """Issue ``kind`` for every confirmed learner of ``session`` into the ZIP file ``out``, no batch.

    One person's refusal or failure is theirs: the others are issued, and ``not_issued.txt`` says
    who did not get one and why. ``progress(done, total)`` is called after each one.
    """
    registrations = list(_learners(session))
    result, documents = BulkResult(), []
    for index, registration in enumerate(registrations, start=1):
        person = _person(registration.user)
        try:
            document = issue(kind=kind, registration=registration, actor=actor, template=template)
            document.content = None  # read back from storage while zipping: memory stays flat
            documents.append(document)
            result.issued += 1
        except DocumentRefused as exc:
            (result.failed if exc.code == "template_error" else result.refused).append((person, str(exc.message)))
        except DatabaseError:
            raise
        except Exception as exc:
            logger.exception("The document of registration %s failed", registration.pk)
            result.failed.append((person, f"{type(exc).__name__}: {exc}"))
        if progress:
            progress(index, len(registrations))
    report = [f"{person}: {message}" for person, message in result.refused + result.failed]
    zip_documents(out, documents, folder=safe_folder(session.code), report=report)
    return result


def batch_is_stale(batch, now=None):
    """Queued or running with no progress for ``CURSUS_BATCH_STALE_MINUTES``: its worker or message is lost."""
    if batch.status not in (BatchStatus.QUEUED, BatchStatus.RUNNING):
        return False
    last = batch.progress_at or batch.created_at
    return (now or timezone.now()) - last > stale_after()


def stale_after():
    return datetime.timedelta(minutes=float(settings.BATCH_STALE_MINUTES))


def batch_resumable(batch, now=None):
    """Why ``batch`` cannot be resumed (a message), or None when it can."""
    if batch.status == BatchStatus.FAILED or batch_is_stale(batch, now):
        return None
    if batch.status in (BatchStatus.QUEUED, BatchStatus.RUNNING):
        return NOT_RESUMABLE
    if batch.refused or batch.failed:
        return None
    return NOTHING_MISSING


def celery_enabled():
    """Whether batches go to Celery workers: ``CURSUS_USE_CELERY``, else whether the host has a broker."""
    if importlib.util.find_spec("celery") is None:
        return False
    if settings.USE_CELERY is not None:
        return bool(settings.USE_CELERY)
    return bool(getattr(django_settings, "CELERY_BROKER_URL", None) or getattr(django_settings, "BROKER_URL", None))


def _publish(batch_id):
    """Hand the batch to the workers; a broker that cannot be reached fails the batch with a message.

    The task is named, not imported: the task module calls this service, not the other way round.
    Once registered (``apps.ready`` imports it) the name resolves to the task itself, so its
    options and an eager test configuration apply as if it were called directly.
    """
    from celery import signature

    try:
        signature(BUILD_TASK, args=(batch_id,)).apply_async(
            retry=True, retry_policy={"max_retries": 2, "interval_start": 0.2, "interval_step": 0.5}
        )
    except Exception as exc:  # kombu's OperationalError and whatever a transport raises
        logger.exception("Batch %s could not be published", batch_id)
        DocumentBatch.objects.filter(pk=batch_id, status=BatchStatus.QUEUED).update(
            status=BatchStatus.FAILED, error=str(BROKER_DOWN % {"problem": exc})[:2000], finished_at=timezone.now()
        )


def _queue(batch):
    """Mark ``batch`` queued (a run still holding it stops at its next document) and start it.

    With Celery the task is published once the transaction commits (a worker must find the row);
    without, the batch is built now.
    """
    batch.status, batch.run_token, batch.error = BatchStatus.QUEUED, "", ""
    batch.progress_at, batch.finished_at = timezone.now(), None
    batch.save(update_fields=["status", "run_token", "error", "progress_at", "finished_at"])
    if celery_enabled():
        transaction.on_commit(lambda: _publish(batch.pk))
        return False
    return True


def batch_start(*, session, kind, actor=None):
    """Ask for every learner's document of ``session`` as one ZIP: queued for Celery, or built now.

    An unfinished batch of the same session and kind is not doubled: a live one is returned as it
    is, a failed or stale one is resumed, so asking again never issues a document twice.
    """
    kind = kind_of(kind)
    if not kind.personal:
        raise DocumentRefused(NOT_PERSONAL, code="not_personal")
    kind = kind.value
    with transaction.atomic():
        batch = (
            DocumentBatch.objects.select_for_update()
            .filter(
                session=session, kind=kind, status__in=(BatchStatus.QUEUED, BatchStatus.RUNNING, BatchStatus.FAILED)
            )
            .order_by("-created_at", "-pk")
            .first()
        )
        if batch is not None and batch_resumable(batch) is not None:
            return batch  # alive: the admin follows it
        if batch is None:
            batch = DocumentBatch.objects.create(session=session, kind=kind, requested_by=actor)
        run_now = _queue(batch)
    if run_now:
        batch_run(batch_id=batch.pk)
    batch.refresh_from_db()
    return batch


def batch_resume(*, batch):
    """Run ``batch`` again for what it lacks: people without a document from it are tried again.

    Raises ``BatchNotResumable`` when it is alive or complete.
    """
    with transaction.atomic():
        batch = DocumentBatch.objects.select_for_update().get(pk=batch.pk)
        problem = batch_resumable(batch)
        if problem is not None:
            raise BatchNotResumable(problem)
        run_now = _queue(batch)
    if run_now:
        batch_run(batch_id=batch.pk)
    batch.refresh_from_db()
    return batch


def batch_run(*, batch_id):
    """Build or finish a batch: issue what it lacks, record each person's outcome, then the ZIP.

    Idempotent, so a redelivered or re-run task is harmless: people who already have a document
    from this batch keep it (it goes into the ZIP again). A batch another run is building and
    that made progress lately is left alone; the returned batch then has ``busy`` set, and the
    task looks again later. A stale one is taken over.
    """
    token = uuid.uuid4().hex
    with transaction.atomic():
        batch = DocumentBatch.objects.select_for_update().get(pk=batch_id)
        if batch.status == BatchStatus.DONE:
            return batch  # a duplicate delivery: the work is done
        if batch.status == BatchStatus.RUNNING and not batch_is_stale(batch):
            batch.busy = True
            return batch
        batch.status, batch.run_token, batch.error = BatchStatus.RUNNING, token, ""
        batch.progress_at, batch.finished_at = timezone.now(), None
        batch.save(update_fields=["status", "run_token", "error", "progress_at", "finished_at"])
    batch = DocumentBatch.objects.select_related("session", "requested_by").get(pk=batch_id)
    try:
        _build(batch, token)
    except _TakenOver:
        pass
    except Exception as exc:
        DocumentBatch.objects.filter(pk=batch.pk, run_token=token).update(
            status=BatchStatus.FAILED, error=str(exc)[:2000], finished_at=timezone.now()
        )
        raise
    return DocumentBatch.objects.get(pk=batch_id)


def _build(batch, token):
    mine = DocumentBatch.objects.filter(pk=batch.pk, run_token=token)
    registrations = list(_learners(batch.session))
    have = dict(IssuedDocument.objects.filter(batch=batch).values_list("registration_id", "pk"))
    reported = set(DocumentBatchItem.objects.filter(batch=batch).values_list("registration_id", flat=True))
    DocumentBatchItem.objects.bulk_create(  # linked to the batch by other code (issue(batch=…)): reported too
        DocumentBatchItem(batch=batch, registration_id=r, outcome=BatchOutcome.ISSUED, document_id=d)
        for r, d in have.items()
        if r not in reported
    )
    done = sum(1 for r in registrations if r.pk in have)
    if not mine.update(total=len(registrations), done=done, progress_at=timezone.now()):
        raise _TakenOver
    todo = [r for r in registrations if r.pk not in have]
    with _renders_ahead() as plan:
        ahead = {}  # registration pk → its document generated ahead, its PDF in the making
        for index, registration in enumerate(todo):
            if plan is not None:  # ``parallel`` PDFs in the making while this one is recorded
                for upcoming in todo[index : index + plan.parallel + 1]:
                    if upcoming.pk not in ahead:
                        ahead[upcoming.pk] = issue_ahead(
                            plan=plan, kind=batch.kind, registration=upcoming, actor=batch.requested_by
                        )
            _issue_one(
                batch=batch,
                token=token,
                registration=registration,
                actor=batch.requested_by,
                ahead=ahead.pop(registration.pk, None),
            )
            done += 1
            if not mine.update(done=done, progress_at=timezone.now()):
                raise _TakenOver
    _finish(batch, token)


def batch_parallel_renders():
    """How many PDFs a batch makes at once: ``CURSUS_BATCH_PARALLEL_RENDERS``, else one per core."""
    return settings.BATCH_PARALLEL_RENDERS or os.cpu_count() or 1


@contextlib.contextmanager
def _renders_ahead():
    """A ``RenderPlan`` making several PDFs at once, or None: one at a time, or PDFs made in process."""
    parallel = batch_parallel_renders()
    if parallel <= 1 or not settings.RENDER_TIMEOUT:  # in process, the interpreter lock serializes them
        yield None
        return
    with rendering_ahead(parallel) as plan:
        yield plan


def _finish(batch, token):
    """The ZIP of every document of the batch and the report of who did not get one; then done."""
    documents = (
        IssuedDocument.objects.filter(batch=batch)
        .select_related("registration__user")
        .order_by("registration__user__last_name", "registration__user__first_name", "pk")
    )
    items = DocumentBatchItem.objects.filter(batch=batch).select_related("registration__user")
    missing = items.exclude(outcome=BatchOutcome.ISSUED).order_by(
        "registration__user__last_name", "registration__user__first_name", "pk"
    )
    report = [f"{_person(item.registration.user)}: {item.message}" for item in missing]
    counts = dict.fromkeys(BatchOutcome.values, 0)
    for outcome in items.values_list("outcome", flat=True):
        counts[outcome] += 1
    with tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES) as out:
        zip_documents(out, documents.iterator(), folder=safe_folder(batch.session.code), report=report)
        out.seek(0)
        with transaction.atomic():
            locked = DocumentBatch.objects.select_for_update().filter(pk=batch.pk, run_token=token).first()
            if locked is None:
                raise _TakenOver
            if locked.file:
                locked.file.delete(save=False)  # the ZIP of an earlier run, now incomplete
            locked.file.save(f"{safe_name(batch.session.code)}_{batch.kind}.zip", File(out), save=False)
            locked.status, locked.finished_at = BatchStatus.DONE, timezone.now()
            locked.issued = counts[BatchOutcome.ISSUED]
            locked.refused, locked.failed = counts[BatchOutcome.REFUSED], counts[BatchOutcome.FAILED]
            locked.save(update_fields=["file", "status", "finished_at", "issued", "refused", "failed"])


# --- asking for a session's ZIP -------------------------------------------------------------


class ZipState:
    """What asking for a session's ZIP came to (``ZipRequest.state``)."""

    NO_LEARNER = "no_learner"  # nobody to issue for: no batch
    NOT_STARTED = "not_started"  # the batch could not be stored or built (``problem``): no batch
    NOT_QUEUED = "not_queued"  # the broker could not be reached: the batch failed (``problem``)
    QUEUED = "queued"  # a worker builds it; its page follows the progress
    ERRORS_ONLY = "errors_only"  # built, but every document failed (``problem``: the first error)
    READY = "ready"  # built during the request: ``batch.file`` is the ZIP


@dataclass
class ZipRequest:
    state: str
    batch: DocumentBatch | None = None
    problem: str = ""


def request_session_zip(*, session, kind, actor=None):
    """Ask for every confirmed learner's ``kind`` of ``session`` as one ZIP; what came of it.

    Queued for Celery or built now (``batch_start``); the interface shows the batch's page or
    serves its ZIP as the returned state says.
    """
    if not _learners(session).exists():
        return ZipRequest(ZipState.NO_LEARNER)
    try:
        batch = batch_start(session=session, kind=kind, actor=actor)
    except (OSError, ImproperlyConfigured) as exc:  # the ZIP could not be stored; a broken configuration
        return ZipRequest(ZipState.NOT_STARTED, problem=str(exc))
    if batch.status == BatchStatus.FAILED:  # nothing will run it
        return ZipRequest(ZipState.NOT_QUEUED, batch, batch.error)
    if batch.status != BatchStatus.DONE:
        return ZipRequest(ZipState.QUEUED, batch)
    if batch.failed and not batch.issued:  # the batch's page says, person by person, which
        first = batch.items.filter(outcome=BatchOutcome.FAILED).order_by("pk").first()
        return ZipRequest(ZipState.ERRORS_ONLY, batch, first.message if first else "—")
    return ZipRequest(ZipState.READY, batch)
