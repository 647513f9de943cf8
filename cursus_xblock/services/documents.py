"""Issuing invitations and certificates: the one entry point the admin, the API and the XBlock use.

``issue`` picks the template (the default for the kind and language unless one is given), asks
the registry's generator for the PDF, stores it with Django's storage API and records it with
its checksum, template version and a random verification code. Generating again makes a new
record; earlier ones stay as they were issued.
"""

import datetime
import hashlib
import logging
import re
import secrets
import tempfile
import uuid
import zipfile
import zoneinfo
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from django.conf import settings as django_settings
from django.core.files.base import ContentFile, File
from django.core.mail import EmailMessage
from django.db import DatabaseError, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from ..conf import settings
from ..documents import calendar as ical
from ..documents.generators import DocumentRefused
from ..documents.registry import get_generator
from ..documents.templating import TemplateError, compile_template, render_template
from ..models import (
    BatchStatus,
    DocumentBatch,
    DocumentKind,
    DocumentTemplate,
    DocumentTemplateVersion,
    EventRegistration,
    IssuedDocument,
    Registration,
    RegistrationStatus,
    Role,
)
from ..models.documents import BatchOutcome, DocumentBatchItem
from ..utils.dates import date_range

logger = logging.getLogger(__name__)

VERSIONED_FIELDS = ("kind", "language", "name", "email_subject", "email_body", "body", "css")
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: codes are read aloud and typed
PREVIEW_CODE = "PREVIEW"  # 7 characters: never a real (16-character) code

NO_TEMPLATE = _("There is no template for this kind of document yet: create one in the admin.")
WRONG_KIND = _("This template is for another kind of document.")
EVENT_REQUIRED = _("Choose the event this document is about.")
EVENT_ELSEWHERE = _("This event belongs to another session.")
NO_EMAIL = _("This person has no e-mail address.")
TEMPLATE_BROKEN = _("The template could not be rendered: %(problem)s")

__all__ = ["DocumentRefused", "TemplateError", "issue", "template_save", "default_template", "verify"]


# --- templates ----------------------------------------------------------------------------


@transaction.atomic
def template_save(*, template, actor=None):
    """Save a template after compiling it; a changed one gets a new version. The current version."""
    for name in ("body", "email_subject", "email_body"):
        try:
            compile_template(getattr(template, name))
        except TemplateError as exc:
            exc.field = name
            raise
    latest = template.versions.order_by("-number").first() if template.pk else None
    changed = latest is None or any(getattr(latest, f) != getattr(template, f) for f in VERSIONED_FIELDS)
    if template.is_default:
        others = DocumentTemplate.objects.filter(kind=template.kind, language=template.language, is_default=True)
        if template.pk:
            others = others.exclude(pk=template.pk)
        others.update(is_default=False, default_key=None)
    if changed:
        template.version = (latest.number if latest else 0) + 1
    template.save()
    if not changed:
        return latest
    return DocumentTemplateVersion.objects.create(
        template=template,
        number=template.version,
        created_by=actor,
        **{name: getattr(template, name) for name in VERSIONED_FIELDS},
    )


def default_template(kind, language=None):
    """The default template of ``kind`` in ``language`` (or its base language, the site's, any)."""
    defaults = {t.language: t for t in DocumentTemplate.objects.filter(kind=kind, is_default=True)}
    language = language or translation.get_language() or django_settings.LANGUAGE_CODE
    for candidate in (language, language.split("-")[0], django_settings.LANGUAGE_CODE.split("-")[0]):
        if candidate in defaults:
            return defaults[candidate]
    return next(iter(defaults.values()), None)


# --- issuing ------------------------------------------------------------------------------


def site_url():
    return (settings.SITE_URL or getattr(django_settings, "LMS_ROOT_URL", "") or "http://localhost:8000").rstrip("/")


def verification_url(code):
    return site_url() + reverse("cursus_xblock:verify", args=[code])


def _new_code():
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(16))


def _normalize(registration, event):
    if isinstance(registration, EventRegistration):
        event = event or registration.event
        registration = registration.registration
    registration = Registration.objects.select_related("user", "session__course").get(pk=registration.pk)
    return registration, event


def _resolve(kind, registration, event, template, language):
    """(kind, session registration, event or None, template) after the checks both issue and preview need."""
    kind = DocumentKind(kind)
    registration, event = _normalize(registration, event)
    if kind.for_event and event is None:
        raise DocumentRefused(EVENT_REQUIRED, code="event_required")
    if event is not None and event.session_id != registration.session_id:
        raise DocumentRefused(EVENT_ELSEWHERE, code="event_elsewhere")
    template = template or default_template(kind, language or _user_language(registration.user))
    if template is None:
        raise DocumentRefused(NO_TEMPLATE, code="no_template")
    if template.kind != kind:
        raise DocumentRefused(WRONG_KIND, code="wrong_kind")
    return kind, registration, event if kind.for_event else None, template


def issue(*, kind, registration, actor=None, event=None, template=None, language=None, send_email=False, batch=None):
    """Generate, store and record one document; the ``IssuedDocument`` (its bytes in ``.content``).

    ``registration`` is a session registration (or an event registration, which names the event);
    ``batch`` the bulk request it belongs to, if any.
    Raises ``DocumentRefused`` with a message when the document cannot be issued.
    """
    kind, registration, event, template = _resolve(kind, registration, event, template, language)
    version = template.current_version
    code, issued_at = _new_code(), timezone.now()
    try:
        document = get_generator(kind).generate(
            registration=registration,
            template_version=version,
            actor=actor,
            event=event,
            verification_url=verification_url(code),
            verification_code=code,
            issued_at=issued_at,
        )
    except TemplateError as exc:  # compiled on save, but failed with this person's data
        raise DocumentRefused(TEMPLATE_BROKEN % {"problem": exc.describe()}, code="template_error") from exc
    issued = IssuedDocument(
        kind=kind,
        registration=registration,
        event=event,
        template_version=version,
        holder_name=registration.user.get_full_name() or registration.user.get_username(),
        details=_snapshot(registration, event),
        issued_by=actor,
        issued_at=issued_at,
        verification_code=code,
        sha256=hashlib.sha256(document.content).hexdigest(),
        filename=document.filename,
        media_type=document.media_type,
        size=len(document.content),
        batch=batch,
    )
    issued.file.save(document.filename, ContentFile(document.content), save=False)
    try:
        issued.save()
    except Exception:
        issued.file.delete(save=False)  # no orphan file for a record that does not exist
        raise
    issued.content = document.content
    if send_email:
        email_document(issued)
    return issued


def preview(*, kind, registration, event=None, template=None):
    """The PDF ``issue`` would make, for looking at it first: nothing is stored or recorded."""
    kind, registration, event, template = _resolve(kind, registration, event, template, language=None)
    try:
        document = get_generator(kind).generate(
            registration=registration,
            template_version=template.current_version,
            event=event,
            verification_url=verification_url(PREVIEW_CODE),
            verification_code=PREVIEW_CODE,
        )
    except TemplateError as exc:
        raise DocumentRefused(TEMPLATE_BROKEN % {"problem": exc.describe()}, code="template_error") from exc
    return document


def _user_language(user):
    return getattr(user, "preferred_language", "") or None


def _snapshot(registration, event):
    """What the document certifies, frozen at issue time (shown by the verification page)."""
    session = registration.session
    span = event or session
    details = {
        "course": f"{session.course.title} [{session.course.code}]",
        "session": f"{session.name} [{session.code}]",
        "start": span.start.isoformat(),
        "end": span.end.isoformat(),
        "time_zone": session.time_zone,
    }
    if event is not None:
        details["event"] = event.name
    return details


def snapshot_dates(details):
    """The snapshot's dates in the viewer's language: « 12/12/2026 09:00 – 17:00 (Europe/Paris) »."""
    try:
        start, end = (datetime.datetime.fromisoformat(details[k]) for k in ("start", "end"))
        return date_range(start, end, zoneinfo.ZoneInfo(details["time_zone"]))
    except (KeyError, ValueError, zoneinfo.ZoneInfoNotFoundError):
        return details.get("dates", "")


def read_content(issued):
    """The stored bytes, exactly as issued."""
    with issued.file.open("rb") as handle:
        return handle.read()


def verify(code):
    """The issued document with this verification code, or None."""
    code = (code or "").strip().upper()
    return IssuedDocument.objects.select_related("template_version").filter(verification_code=code).first()


# --- calendar and e-mail ------------------------------------------------------------------


def _calendar_items(registration, event=None, cancelled=False):
    session, user = registration.session, registration.user
    domain = urlsplit(site_url()).hostname or "localhost"
    if event is not None:
        events = [event]
    else:
        events = [
            er.event
            for er in EventRegistration.objects.filter(registration=registration, status=RegistrationStatus.CONFIRMED)
            .select_related("event")
            .order_by("event__start")
        ]
    if not events:
        return [
            ical.CalendarItem(
                uid=f"cursus-session-{session.pk}-user-{user.pk}@{domain}",
                sequence=session.schedule_sequence + (1 if cancelled else 0),
                summary=session.name,
                start=session.start,
                end=session.end,
                time_zone=session.time_zone,
                location=session.place,
                description=session.course.title,
            )
        ]
    return [
        ical.CalendarItem(
            uid=f"cursus-event-{e.pk}-user-{user.pk}@{domain}",
            sequence=e.schedule_sequence + (1 if cancelled else 0),
            summary=f"{e.name} — {session.name}",
            start=e.start,
            end=e.end,
            time_zone=session.time_zone,
            location=e.effective_place,
            description=session.course.title,
        )
        for e in events
    ]


def calendar_for(registration, *, event=None, cancelled=False, publish=False):
    """The .ics of the person's events in the session (or the session span when it has none).

    ``publish``: a file to import ("Add to calendar"), not an e-mailed invitation. Its items keep
    the invitation's UIDs, so a calendar that got both shows each séance once.
    """
    registration, event = _normalize(registration, event)
    user = registration.user
    if publish:
        return ical.build_calendar(_calendar_items(registration, event), method="PUBLISH")
    return ical.build_calendar(
        _calendar_items(registration, event, cancelled),
        method="CANCEL" if cancelled else "REQUEST",
        organizer_email=django_settings.DEFAULT_FROM_EMAIL,
        attendee_email=user.email,
        attendee_name=user.get_full_name() or user.get_username(),
    )


def email_document(issued):
    """E-mail the document to its holder, with the calendar for invitations."""
    registration = issued.registration
    user = registration.user
    if not user.email:
        raise DocumentRefused(NO_EMAIL, code="no_email")
    version = issued.template_version
    context = get_generator(issued.kind).context(
        registration=registration,
        template_version=version,
        event=issued.event,
        verification_url=verification_url(issued.verification_code),
        verification_code=issued.verification_code,
        issued_at=issued.issued_at,
    )
    context["verification"]["qr_code"] = ""
    subject = " ".join(render_template(version.email_subject or version.name, context, autoescape=False).split())
    body = render_template(version.email_body, context, autoescape=False)
    message = EmailMessage(subject=subject, body=body, to=[user.email])
    message.attach(issued.filename, getattr(issued, "content", None) or read_content(issued), issued.media_type)
    if issued.kind in (DocumentKind.SESSION_INVITATION, DocumentKind.EVENT_INVITATION):
        message.attach(
            "invitation.ics", calendar_for(registration, event=issued.event), "text/calendar; method=REQUEST"
        )
    message.send()
    issued.emailed_at = timezone.now()
    issued.save(update_fields=["emailed_at"])


def send_cancellation(registration):
    """Tell someone who received an invitation that they are no longer expected (METHOD:CANCEL)."""
    registration = Registration.objects.select_related("user", "session__course").get(pk=registration.pk)
    invited = IssuedDocument.objects.filter(
        registration=registration, kind__in=(DocumentKind.SESSION_INVITATION, DocumentKind.EVENT_INVITATION)
    ).exists()
    if not invited or not registration.user.email:
        return False
    session = registration.session
    events = [
        er.event
        for er in EventRegistration.objects.filter(registration=registration)
        .select_related("event")
        .order_by("event__start")
    ]
    items = []
    for event in events or [None]:
        items.extend(_calendar_items(registration, event, cancelled=True))
    message = EmailMessage(
        subject=str(_("Cancelled: %(session)s") % {"session": session.name}),
        body=str(
            _("Your registration for %(session)s (%(dates)s) has been cancelled.")
            % {"session": session.name, "dates": date_range(session.start, session.end, session.tzinfo)}
        ),
        to=[registration.user.email],
    )
    user = registration.user
    message.attach(
        "cancellation.ics",
        ical.build_calendar(
            items,
            method="CANCEL",
            organizer_email=django_settings.DEFAULT_FROM_EMAIL,
            attendee_email=user.email,
            attendee_name=user.get_full_name() or user.get_username(),
        ),
        "text/calendar; method=CANCEL",
    )
    message.send()
    return True


# --- bulk ---------------------------------------------------------------------------------

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


def _safe(text):
    """A file-name part: accents and punctuation folded (Château → chateau), never empty."""
    return slugify(text).replace("-", "_") or "x"


def _safe_folder(code):
    """The session code as a folder name: kept as it is, but no separators or dot-dot."""
    return re.sub(r"[^\w.-]+", "_", code).strip("._") or "session"


def _person(user):
    return user.get_full_name() or user.get_username()


def _learners(session):
    return (
        Registration.objects.filter(session=session, role=Role.LEARNER, status=RegistrationStatus.CONFIRMED)
        .select_related("user")
        .order_by("user__last_name", "user__first_name", "pk")
    )


def zip_documents(out, documents, *, folder="", report=()):
    """Write ``documents`` into the ZIP file ``out``, one PDF each named after its holder.

    Each PDF is read (from ``.content`` when just issued, else from storage) and written as soon
    as it is reached, so memory does not grow with the number of documents. ``report`` lines, the
    people who did not get one and why, go to ``not_issued.txt``; so does a document whose file
    is gone from storage. The number of PDFs written.
    """
    prefix = f"{folder}/" if folder else ""
    names, written, report = set(), 0, list(report)
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for document in documents:
            user = document.registration.user
            try:
                content = getattr(document, "content", None) or read_content(document)
            except (OSError, ValueError) as exc:  # ValueError: a record whose file was erased
                report.append(f"{document.holder_name}: {exc}")
                continue
            base = f"{_safe(user.last_name or user.get_username())}_{_safe(user.first_name)}_{document.kind}"
            name, counter = base, 1
            while name in names:  # two people with the same name
                counter += 1
                name = f"{base}_{counter}"
            names.add(name)
            archive.writestr(f"{prefix}{name}.pdf", content)
            written += 1
        if report:
            archive.writestr(f"{prefix}not_issued.txt", "\n".join(report) + "\n")
    return written


def _issue_one(*, batch, token, registration, actor):
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
                    document = issue(kind=batch.kind, registration=registration, actor=actor, batch=batch)
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
    zip_documents(out, documents, folder=_safe_folder(session.code), report=report)
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


def _publish(batch_id):
    """Hand the batch to the workers; a broker that cannot be reached fails the batch with a message."""
    from .. import tasks

    try:
        tasks.build_document_batch.apply_async(
            (batch_id,), retry=True, retry_policy={"max_retries": 2, "interval_start": 0.2, "interval_step": 0.5}
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
    from .. import tasks

    batch.status, batch.run_token, batch.error = BatchStatus.QUEUED, "", ""
    batch.progress_at, batch.finished_at = timezone.now(), None
    batch.save(update_fields=["status", "run_token", "error", "progress_at", "finished_at"])
    if tasks.celery_enabled():
        transaction.on_commit(lambda: _publish(batch.pk))
        return False
    return True


def batch_start(*, session, kind, actor=None):
    """Ask for every learner's document of ``session`` as one ZIP: queued for Celery, or built now.

    An unfinished batch of the same session and kind is not doubled: a live one is returned as it
    is, a failed or stale one is resumed, so asking again never issues a document twice.
    """
    kind = DocumentKind(kind)
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
    for registration in registrations:
        if registration.pk in have:
            continue
        _issue_one(batch=batch, token=token, registration=registration, actor=batch.requested_by)
        done += 1
        if not mine.update(done=done, progress_at=timezone.now()):
            raise _TakenOver
    _finish(batch, token)


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
    with tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024) as out:
        zip_documents(out, documents.iterator(), folder=_safe_folder(batch.session.code), report=report)
        out.seek(0)
        with transaction.atomic():
            locked = DocumentBatch.objects.select_for_update().filter(pk=batch.pk, run_token=token).first()
            if locked is None:
                raise _TakenOver
            if locked.file:
                locked.file.delete(save=False)  # the ZIP of an earlier run, now incomplete
            locked.file.save(f"{_safe(batch.session.code)}_{batch.kind}.zip", File(out), save=False)
            locked.status, locked.finished_at = BatchStatus.DONE, timezone.now()
            locked.issued = counts[BatchOutcome.ISSUED]
            locked.refused, locked.failed = counts[BatchOutcome.REFUSED], counts[BatchOutcome.FAILED]
            locked.save(update_fields=["file", "status", "finished_at", "issued", "refused", "failed"])
