"""The four built-in document generators: session/event invitation and certificate of attendance.

A generator decides whether the document may be issued for this registration (``check``),
builds its placeholders and renders the template version into a PDF. It does not record
anything: ``services.documents.issue`` does, for whatever generator the registry returns.

A generator also *is* its kind of document: registered under a name (``documents.registry``),
its ``label``, ``issued_for`` (what one document is about), ``certificate``, ``placeholders``
and ``check`` (the eligibility rule) are all the registry knows of a kind, so a package that
brings a new kind brings one class.
"""

from dataclasses import dataclass

from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from ..models import Attendance, DocumentKind, EventRegistration, RegistrationStatus, Role
from . import placeholders, render
from .templating import render_template


@dataclass(frozen=True)
class Document:
    content: bytes
    filename: str
    media_type: str = "application/pdf"


class DocumentRefused(Exception):
    """This document cannot be issued for this registration; ``message`` says why."""

    def __init__(self, message, *, code):
        super().__init__(str(message))
        self.message = message
        self.code = code


NOT_CONFIRMED = _("Only a confirmed registration can receive this document.")
NOT_A_LEARNER = _("Certificates of attendance are for learners.")
NOT_STARTED = _("A certificate of attendance can only be issued once the session or event has started.")
NOT_IN_EVENT = _("This person is not registered to this event.")
ABSENT = _("This person was absent from this event.")
NO_ATTENDANCE = _("No attendance has been recorded yet, and certificates require %(minimum)s%% attendance.")
LOW_ATTENDANCE = _("Attendance of %(rate)s%% is below the %(minimum)s%% required for a certificate.")


#: What one document of a kind is about (``DocumentGenerator.issued_for``).
REGISTRATION = "registration"  # a person in a session
EVENT_REGISTRATION = "event_registration"  # a person at one séance
EVENT = "event"  # a séance, with all its participants (``GroupDocumentGenerator``)
SESSION = "session"  # a session, with all its participants (``GroupDocumentGenerator``)
PERSON_RECORD = "person"  # one person across sessions (``documents.transcripts``)
ISSUED_FOR = (REGISTRATION, EVENT_REGISTRATION, EVENT, SESSION, PERSON_RECORD)
#: The targets whose documents name one person (``DocumentGenerator``), the others one group.
PERSONAL = (REGISTRATION, EVENT_REGISTRATION)


class DocumentGenerator:
    """Base class: subclass and register under a kind (entry point or setting) to add or replace one.

    A new kind sets ``label`` (shown in the admin, translatable) and, when its documents are about
    a séance, ``needs_event`` (or ``issued_for = EVENT_REGISTRATION``); ``placeholders`` lists the
    ``documents.placeholders.Placeholder`` it adds to the common ones; ``check`` refuses what may
    not be issued.
    """

    kind = None
    label = None
    needs_event = False
    #: None: ``EVENT_REGISTRATION`` when ``needs_event``, else ``REGISTRATION``.
    issued_for = None
    certificate = False
    placeholders = ()

    def sample_context(self, language):
        """Sample values for the admin's preview and the template checks on save."""
        event = (self.issued_for or (EVENT_REGISTRATION if self.needs_event else REGISTRATION)) != REGISTRATION
        return placeholders.sample_context(self.kind, language, event=event)

    def check(self, *, registration, event=None, now=None):
        """Raise ``DocumentRefused`` when this document may not be issued."""
        if registration.status != RegistrationStatus.CONFIRMED:
            raise DocumentRefused(NOT_CONFIRMED, code="not_confirmed")
        if self.needs_event:
            event_registration = EventRegistration.objects.filter(registration=registration, event=event).first()
            if event_registration is None or event_registration.status != RegistrationStatus.CONFIRMED:
                raise DocumentRefused(NOT_IN_EVENT, code="not_in_event")

    def context(
        self, *, registration, template_version, event=None, verification_url="", verification_code="", issued_at=None
    ):
        return placeholders.build_context(
            registration=registration,
            language=template_version.language,
            event=event,
            verification_url=verification_url,
            verification_code=verification_code,
            qr_code=render.qr_code_data_uri(verification_url) if verification_url else "",
            issued_at=issued_at,
        )

    def filename(self, *, registration, event=None):
        user = registration.user
        parts = [user.last_name or user.get_username(), user.first_name, self.kind]
        name = "_".join(slugify(p) for p in parts if p)
        return f"{name}.pdf"

    def generate(
        self,
        *,
        registration,
        template_version,
        actor=None,
        event=None,
        verification_url="",
        verification_code="",
        issued_at=None,
    ):
        self.check(registration=registration, event=event)
        context = self.context(
            registration=registration,
            template_version=template_version,
            event=event,
            verification_url=verification_url,
            verification_code=verification_code,
            issued_at=issued_at,
        )
        html = render_template(template_version.body, context)
        content = render.render_pdf(html, css=template_version.css, language=template_version.language)
        return Document(content=content, filename=self.filename(registration=registration, event=event))


class SessionInvitationGenerator(DocumentGenerator):
    kind = DocumentKind.SESSION_INVITATION


class EventInvitationGenerator(DocumentGenerator):
    kind = DocumentKind.EVENT_INVITATION
    needs_event = True


class CertificateMixin:
    certificate = True

    def check(self, *, registration, event=None, now=None):
        super().check(registration=registration, event=event)
        if registration.role != Role.LEARNER:
            raise DocumentRefused(NOT_A_LEARNER, code="not_a_learner")
        started = (event or registration.session).start <= (now or timezone.now())
        if not started:
            raise DocumentRefused(NOT_STARTED, code="not_started")


class SessionCertificateGenerator(CertificateMixin, DocumentGenerator):
    kind = DocumentKind.SESSION_CERTIFICATE

    def check(self, *, registration, event=None, now=None):
        super().check(registration=registration, event=event, now=now)
        minimum = registration.session.required_attendance
        if not minimum:
            return
        summary = placeholders.attendance_summary(registration)
        if summary["rate"] is None:
            raise DocumentRefused(NO_ATTENDANCE % {"minimum": minimum}, code="attendance_not_recorded")
        if summary["rate"] < minimum:
            raise DocumentRefused(
                LOW_ATTENDANCE % {"rate": summary["rate"], "minimum": minimum}, code="attendance_too_low"
            )


class EventCertificateGenerator(CertificateMixin, DocumentGenerator):
    kind = DocumentKind.EVENT_CERTIFICATE
    needs_event = True

    def check(self, *, registration, event=None, now=None):
        super().check(registration=registration, event=event, now=now)
        attendance = EventRegistration.objects.get(registration=registration, event=event).attendance
        if attendance in (Attendance.ABSENT_JUSTIFIED, Attendance.ABSENT_UNJUSTIFIED):
            raise DocumentRefused(ABSENT, code="absent")


BUILT_IN = {
    generator.kind: generator
    for generator in (
        SessionInvitationGenerator,
        EventInvitationGenerator,
        SessionCertificateGenerator,
        EventCertificateGenerator,
    )
}


class GroupDocumentGenerator(DocumentGenerator):
    """Base class of a kind whose one document is about a séance or a session and all its people.

    ``issued_for`` is ``EVENT`` (the séance is given) or ``SESSION``; ``check``, ``context`` and
    ``generate`` take the session (and the séance) instead of a registration, and ``options``
    (what the person issuing chose, e.g. a blank or a filled sheet), which the record keeps.
    """

    issued_for = EVENT

    def check(self, *, session, event=None, options=None, now=None):
        """Raise ``DocumentRefused`` when this document may not be issued."""

    def holder(self, *, session, event=None):
        """What the register lists as the document's holder: the séance or the session."""
        return event.name if event is not None else session.name

    def context(
        self,
        *,
        session,
        template_version,
        event=None,
        options=None,
        verification_url="",
        verification_code="",
        issued_at=None,
    ):
        raise NotImplementedError

    def filename(self, *, session, event=None, options=None):
        parts = [session.code, event.start.date().isoformat() if event is not None else "", self.kind]
        return "_".join(slugify(p) for p in parts if p) + ".pdf"

    def generate(
        self,
        *,
        session,
        template_version,
        event=None,
        options=None,
        actor=None,
        verification_url="",
        verification_code="",
        issued_at=None,
    ):
        options = options or {}
        self.check(session=session, event=event, options=options)
        context = self.context(
            session=session,
            template_version=template_version,
            event=event,
            options=options,
            verification_url=verification_url,
            verification_code=verification_code,
            issued_at=issued_at,
        )
        html = render_template(template_version.body, context)
        content = render.render_pdf(html, css=template_version.css, language=template_version.language)
        return Document(content=content, filename=self.filename(session=session, event=event, options=options))
