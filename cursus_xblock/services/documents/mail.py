"""E-mailing an issued document, and the calendar (.ics) that goes with an invitation or its cancellation.

Calendar items keep one UID per person and séance, so an update or a cancellation replaces what
the person's calendar already shows.
"""

from urllib.parse import urlsplit

from django.conf import settings as django_settings
from django.core.mail import EmailMessage
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ...documents import calendar as ical
from ...documents.generators import DocumentRefused
from ...documents.registry import get_generator
from ...documents.templating import render_template
from ...models import DocumentKind, EventRegistration, IssuedDocument, Registration, RegistrationStatus
from ...utils.dates import date_range
from .records import normalize, read_content, site_url, verification_url

NO_EMAIL = _("This person has no e-mail address.")


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
    registration, event = normalize(registration, event)
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
