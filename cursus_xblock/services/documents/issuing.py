"""Issuing one invitation or certificate: the entry point the admin, the API and the XBlock use.

``issue`` picks the template (the default for the kind and language unless one is given), asks
the registry's generator for the PDF, stores it with Django's storage API and records it with
its checksum, template version and a random verification code. Generating again makes a new
record; earlier ones stay as they were issued.
"""

import datetime
import hashlib
import secrets
from dataclasses import dataclass, replace

from django.core.files.base import ContentFile
from django.db import DatabaseError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ...documents.generators import Document, DocumentRefused
from ...documents.registry import UnknownKind, get_generator, get_kind
from ...documents.render import PendingPdf
from ...documents.templating import TemplateError
from ...models import IssuedDocument
from .mail import email_document
from .records import normalize, verification_url
from .templates import default_template

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: codes are read aloud and typed
PREVIEW_CODE = "PREVIEW"  # 7 characters: never a real (16-character) code

NO_TEMPLATE = _("There is no template for this kind of document yet: create one in the admin.")
WRONG_KIND = _("This template is for another kind of document.")
EVENT_REQUIRED = _("Choose the event this document is about.")
EVENT_ELSEWHERE = _("This event belongs to another session.")
TEMPLATE_BROKEN = _("The template could not be rendered: %(problem)s")
UNKNOWN_KIND = _("“%(kind)s” is not a registered kind of document.")
NOT_PERSONAL = _("This kind of document is not issued for one person.")
PERSONAL = _("This kind of document is issued for one person: choose their registration.")


def kind_of(value):
    """The registered ``Kind`` named ``value``; ``DocumentRefused`` when there is none."""
    try:
        return get_kind(value)
    except UnknownKind:
        raise DocumentRefused(UNKNOWN_KIND % {"kind": value}, code="unknown_kind") from None


def _new_code():
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(16))


def _resolve(kind, registration, event, template, language):
    """(kind, session registration, event or None, template) after the checks both issue and preview need."""
    kind = kind_of(kind)
    if not kind.personal:
        raise DocumentRefused(NOT_PERSONAL, code="not_personal")
    registration, event = normalize(registration, event)
    if kind.for_event and event is None:
        raise DocumentRefused(EVENT_REQUIRED, code="event_required")
    if event is not None and event.session_id != registration.session_id:
        raise DocumentRefused(EVENT_ELSEWHERE, code="event_elsewhere")
    template = _template(kind, template, language or _user_language(registration.user))
    return kind.value, registration, event if kind.for_event else None, template


def _template(kind, template, language):
    template = template or default_template(kind.value, language)
    if template is None:
        raise DocumentRefused(NO_TEMPLATE, code="no_template")
    if template.kind != kind.value:
        raise DocumentRefused(WRONG_KIND, code="wrong_kind")
    return template


def issue(
    *,
    kind,
    registration,
    actor=None,
    event=None,
    template=None,
    language=None,
    send_email=False,
    batch=None,
    ahead=None,
):
    """Generate, store and record one document; the ``IssuedDocument`` (its bytes in ``.content``).

    ``registration`` is a session registration (or an event registration, which names the event);
    ``batch`` the bulk request it belongs to, if any; ``ahead`` what ``issue_ahead`` started for
    it (its code and time, and its document when generated with this template version).
    Raises ``DocumentRefused`` with a message when the document cannot be issued.
    """
    kind, registration, event, template = _resolve(kind, registration, event, template, language)
    version = template.current_version
    code, issued_at = (ahead.code, ahead.issued_at) if ahead else (_new_code(), timezone.now())
    try:
        if ahead and ahead.document is not None and ahead.version_id == version.pk:
            document = replace(ahead.document, content=ahead.document.content.future.result())
        else:
            document = _generate(kind, registration, version, actor, event, code, issued_at)
    except TemplateError as exc:  # compiled on save, but failed with this person's data
        raise DocumentRefused(TEMPLATE_BROKEN % {"problem": exc.describe()}, code="template_error") from exc
    issued = IssuedDocument(
        kind=kind,
        session=registration.session,
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
    _store(issued, document)
    if send_email:
        email_document(issued)
    return issued


def _store(issued, document):
    issued.file.save(document.filename, ContentFile(document.content), save=False)
    try:
        issued.save()
    except Exception:
        issued.file.delete(save=False)  # no orphan file for a record that does not exist
        raise
    issued.content = document.content


def issue_for_group(*, kind, session, event=None, actor=None, template=None, language=None, options=None):
    """Generate, store and record one document about a séance or a session (a sign-in sheet).

    The kind's generator is a ``GroupDocumentGenerator``; ``options`` (a blank or a filled sheet …)
    go to it and into the record's details. Who may issue it is the caller's to check (the
    sign-in sheet service does). Raises ``DocumentRefused`` with a message when it cannot be issued.
    """
    kind = kind_of(kind)
    if kind.personal:
        raise DocumentRefused(PERSONAL, code="personal")
    if kind.for_event and event is None:
        raise DocumentRefused(EVENT_REQUIRED, code="event_required")
    if event is not None and event.session_id != session.pk:
        raise DocumentRefused(EVENT_ELSEWHERE, code="event_elsewhere")
    event = event if kind.for_event else None
    template = _template(kind, template, language)
    version = template.current_version
    code, issued_at, options = _new_code(), timezone.now(), dict(options or {})
    generator = get_generator(kind.value)
    try:
        document = generator.generate(
            session=session,
            template_version=version,
            event=event,
            options=options,
            actor=actor,
            verification_url=verification_url(code),
            verification_code=code,
            issued_at=issued_at,
        )
    except TemplateError as exc:
        raise DocumentRefused(TEMPLATE_BROKEN % {"problem": exc.describe()}, code="template_error") from exc
    issued = IssuedDocument(
        kind=kind.value,
        session=session,
        event=event,
        template_version=version,
        holder_name=generator.holder(session=session, event=event),
        details={**_snapshot_of(session, event), "options": options},
        issued_by=actor,
        issued_at=issued_at,
        verification_code=code,
        sha256=hashlib.sha256(document.content).hexdigest(),
        filename=document.filename,
        media_type=document.media_type,
        size=len(document.content),
    )
    _store(issued, document)
    return issued


@dataclass(frozen=True)
class Ahead:
    """A document generated ahead by ``issue_ahead``: its PDF in the making (``document`` None: not)."""

    code: str
    issued_at: datetime.datetime
    version_id: int | None = None
    document: Document | None = None


def _generate(kind, registration, version, actor, event, code, issued_at):
    return get_generator(kind).generate(
        registration=registration,
        template_version=version,
        actor=actor,
        event=event,
        verification_url=verification_url(code),
        verification_code=code,
        issued_at=issued_at,
    )


def issue_ahead(*, plan, kind, registration, actor=None):
    """Generate the document a later ``issue(ahead=…)`` will record, its PDF made in the background.

    Nothing is stored or recorded: the generator runs with a code and time kept for ``issue``
    while ``plan`` (``render.RenderPlan``) makes its PDF. A refusal or an error is left for
    ``issue`` to meet again and report; so is a generator that does not make its PDF with
    ``render_pdf``.
    """
    code, issued_at = _new_code(), timezone.now()
    try:
        kind, registration, event, template = _resolve(kind, registration, None, None, None)
        version = template.current_version
        with plan.ahead():
            document = _generate(kind, registration, version, actor, event, code, issued_at)
    except DatabaseError:
        raise
    except Exception:  # noqa: BLE001 — issue() meets it again and reports it
        return Ahead(code, issued_at)
    if not isinstance(document.content, PendingPdf):
        return Ahead(code, issued_at)
    return Ahead(code, issued_at, version.pk, document)


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


def refusal(*, kind, registration, now=None):
    """Why this session document cannot be made now (a sentence), or "": the generator's own rules.

    The per-user page disables a button with this reason instead of letting its preview say it.
    Session documents only (an event's would cost a query per séance); no query unless a minimum
    attendance is set for certificates.
    """
    kind = kind_of(kind)
    generator = get_generator(kind.value)
    if kind.for_event or not kind.personal:
        return ""
    try:
        generator.check(registration=registration, now=now or timezone.now())
    except DocumentRefused as exc:
        return str(exc.message)
    return ""


def _user_language(user):
    return getattr(user, "preferred_language", "") or None


def _snapshot(registration, event):
    """What the document certifies, frozen at issue time (shown by the verification page)."""
    return _snapshot_of(registration.session, event)


def _snapshot_of(session, event):
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
