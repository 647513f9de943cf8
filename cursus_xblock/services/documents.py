"""Issuing invitations and certificates: the one entry point the admin, the API and the XBlock use.

``issue`` picks the template (the default for the kind and language unless one is given), asks
the registry's generator for the PDF, stores it with Django's storage API and records it with
its checksum, template version and a random verification code. Generating again makes a new
record; earlier ones stay as they were issued.
"""

import datetime
import hashlib
import re
import secrets
import tempfile
import zipfile
import zoneinfo
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from django.conf import settings as django_settings
from django.core.files.base import ContentFile, File
from django.core.mail import EmailMessage
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from ..conf import settings
from ..documents import calendar as ical
from ..documents.generators import DocumentRefused
from ..documents.registry import get_generator
from ..documents.templating import TemplateError, compile_template, render_template
from ..formatting import date_range
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


def issue(*, kind, registration, actor=None, event=None, template=None, language=None, send_email=False):
    """Generate, store and record one document; the ``IssuedDocument`` (its bytes in ``.content``).

    ``registration`` is a session registration (or an event registration, which names the event).
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


@dataclass
class BulkResult:
    issued: int = 0
    refused: list = field(default_factory=list)  # (person, message)


def _safe(text):
    """A file-name part: accents and punctuation folded (Château → chateau), never empty."""
    return slugify(text).replace("-", "_") or "x"


def _safe_folder(code):
    """The session code as a folder name: kept as it is, but no separators or dot-dot."""
    return re.sub(r"[^\w.-]+", "_", code).strip("._") or "session"


def issue_zip(*, session, kind, actor=None, out, template=None, progress=None):
    """Issue ``kind`` for every confirmed learner of ``session`` into the ZIP file ``out``.

    Each PDF is written to the archive as soon as it is made and then dropped, so memory does not
    grow with the number of learners. ``progress(done, total)`` is called after each one.
    """
    registrations = list(
        Registration.objects.filter(session=session, role=Role.LEARNER, status=RegistrationStatus.CONFIRMED)
        .select_related("user")
        .order_by("user__last_name", "user__first_name", "pk")
    )
    result = BulkResult()
    folder = _safe_folder(session.code)
    names = set()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for index, registration in enumerate(registrations, start=1):
            user = registration.user
            try:
                issued = issue(kind=kind, registration=registration, actor=actor, template=template)
            except DocumentRefused as exc:
                if exc.code == "template_error":
                    raise  # the same for everyone: stop instead of refusing each learner
                result.refused.append((user.get_full_name() or user.get_username(), str(exc.message)))
            else:
                base = f"{_safe(user.last_name or user.get_username())}_{_safe(user.first_name)}_{kind}"
                name, counter = base, 1
                while name in names:  # two learners with the same name
                    counter += 1
                    name = f"{base}_{counter}"
                names.add(name)
                archive.writestr(f"{folder}/{name}.pdf", issued.content)
                result.issued += 1
                del issued
            if progress:
                progress(index, len(registrations))
        if result.refused:
            lines = [f"{person}: {message}" for person, message in result.refused]
            archive.writestr(f"{folder}/not_issued.txt", "\n".join(lines) + "\n")
    return result


def batch_start(*, session, kind, actor=None):
    """Ask for every learner's document of ``session`` as one ZIP: queued for Celery, or built now."""
    from .. import tasks

    kind = DocumentKind(kind)
    batch = DocumentBatch.objects.create(session=session, kind=kind, requested_by=actor)
    if tasks.celery_enabled():
        transaction.on_commit(lambda: tasks.build_document_batch.delay(batch.pk))
    else:
        batch_run(batch_id=batch.pk)
        batch.refresh_from_db()
    return batch


def batch_run(*, batch_id):
    """Build a batch's ZIP (spooled to disk past a few MB), recording progress as it goes."""
    batch = DocumentBatch.objects.select_related("session", "requested_by").get(pk=batch_id)
    if batch.status not in (BatchStatus.QUEUED, BatchStatus.FAILED):
        return batch  # a duplicate delivery of the task: the first one is doing or did the work
    DocumentBatch.objects.filter(pk=batch.pk).update(status=BatchStatus.RUNNING, error="")

    def progress(done, total):
        DocumentBatch.objects.filter(pk=batch.pk).update(done=done, total=total)

    try:
        with tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024) as out:
            result = issue_zip(
                session=batch.session, kind=batch.kind, actor=batch.requested_by, out=out, progress=progress
            )
            out.seek(0)
            batch.refresh_from_db()
            batch.file.save(f"{_safe(batch.session.code)}_{batch.kind}.zip", File(out), save=False)
    except Exception as exc:
        DocumentBatch.objects.filter(pk=batch.pk).update(
            status=BatchStatus.FAILED, error=str(exc)[:2000], finished_at=timezone.now()
        )
        raise
    batch.status, batch.issued, batch.refused = BatchStatus.DONE, result.issued, len(result.refused)
    batch.finished_at = timezone.now()
    batch.save(update_fields=["file", "status", "issued", "refused", "finished_at"])
    return batch
