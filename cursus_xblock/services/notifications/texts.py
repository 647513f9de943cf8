"""The messages' texts: the default subject and body of each trigger, the administrators' templates,
what their placeholders hold, the preview, and the e-mail with its calendar."""

import datetime

from django.conf import settings as django_settings
from django.core.mail import EmailMultiAlternatives
from django.utils import timezone, translation
from django.utils.html import escape
from django.utils.translation import gettext_lazy as _

from ...backends import get_backend
from ...documents.placeholders import build_context, moment
from ...documents.templating import render_template
from ...models import (
    ACTIVE_STATUSES,
    DocumentKind,
    Event,
    EventRegistration,
    IssuedDocument,
    NotificationTemplate,
    NotificationTrigger,
    Registration,
    RegistrationHistory,
    RegistrationStatus,
    Role,
)
from ..inputs import RETIRED_REASON
from .queueing import TRAINER_TRIGGERS, digest_day, trigger_of

_GREETING = _("Hello {{ person.first_name|default:person.full_name }},")

_DETAILS = _(
    "Session: {{ session.name }} ({{ course.title }})\n"
    "From {{ session.start.datetime }} to {{ session.end.datetime }}"
    "{% if session.place %}\nPlace: {{ session.place }}{% endif %}"
)

_REASON = _("Reason: {{ reason }}")

#: The triggers whose default message gives the reason the manager wrote (elsewhere it stays in the history).
_WITH_REASON = {"refused", "unregistered", "session_cancelled"}

#: (subject, what happened) of each trigger's default message.
DEFAULTS = {
    NotificationTrigger.REGISTERED: (
        _("Registration confirmed: {{ session.name }}"),
        _("Your registration in this session is confirmed."),
    ),
    NotificationTrigger.WAITING: (
        _("Waiting list: {{ session.name }}"),
        _(
            "The session is full: you are on its waiting list, in position {{ waiting.position }}. "
            "You will be told when a seat is yours."
        ),
    ),
    NotificationTrigger.PROMOTED: (
        _("A seat is yours: {{ session.name }}"),
        _(
            "A seat became free: you are no longer on the waiting list."
            "{% if registration.pending %} Your registration now awaits validation.{% endif %}"
        ),
    ),
    NotificationTrigger.PENDING: (
        _("Registration awaiting validation: {{ session.name }}"),
        _("Your registration has been received; it awaits validation. You will be told of the decision."),
    ),
    NotificationTrigger.VALIDATED: (
        _("Registration validated: {{ session.name }}"),
        _("Your registration in this session has been validated."),
    ),
    NotificationTrigger.REFUSED: (
        _("Registration refused: {{ session.name }}"),
        _("Your registration in this session has been refused."),
    ),
    NotificationTrigger.UNREGISTERED: (
        _("Unregistered: {{ session.name }}"),
        _("You have been unregistered from this session."),
    ),
    NotificationTrigger.UNREGISTERED_SELF: (
        _("Unregistration recorded: {{ session.name }}"),
        _("Your unregistration from this session has been recorded."),
    ),
    NotificationTrigger.SESSION_CANCELLED: (
        _("Session cancelled: {{ session.name }}"),
        _("This session has been cancelled."),
    ),
    NotificationTrigger.DETAILS_CHANGED: (
        _("Dates or place changed: {{ session.name }}"),
        _(
            "The dates or the place of this session have changed."
            "{% if event %} The event {{ event.name }} now takes place from {{ event.start.datetime }} "
            "to {{ event.end.datetime }}{% if event.place %}, {{ event.place }}{% endif %}.{% endif %}"
            " Here are the new details."
        ),
    ),
    NotificationTrigger.REMINDER_SESSION: (
        _("Reminder: {{ session.name }} starts on {{ session.start.date }}"),
        _("This is a reminder: your session starts soon. We look forward to seeing you."),
    ),
    NotificationTrigger.REMINDER_EVENT: (
        _("Reminder: {{ event.name }}, {{ event.start.datetime }}"),
        _(
            "This is a reminder: an event of your session starts soon.\n"
            "Event: {{ event.name }}\n"
            "From {{ event.start.datetime }} to {{ event.end.datetime }}"
            "{% if event.place %}\nPlace: {{ event.place }}{% endif %}"
        ),
    ),
    NotificationTrigger.REGISTERED_MANY: (
        _("Your registrations: {{ registrations|length }} sessions"),
        _("Your registrations have been recorded:"),
    ),
    NotificationTrigger.SESSION_ENDED: (
        _("Session ended: {{ session.name }}"),
        _(
            "Your session has ended. Thank you for taking part."
            "{% if certificate.url %} Your certificate is available: {{ certificate.url }}"
            "{% elif session.url %} You will find the course here: {{ session.url }}{% endif %}"
        ),
    ),
    NotificationTrigger.TRAINER_ASSIGNED: (
        _("You train in: {{ session.name }}"),
        _("You have been assigned as a trainer to this session."),
    ),
    NotificationTrigger.TRAINER_UNASSIGNED: (
        _("You no longer train in: {{ session.name }}"),
        _("You are no longer a trainer of this session."),
    ),
    NotificationTrigger.TRAINER_LEARNERS: (
        _("Learners of {{ session.name }}: {{ changes|length }} changes"),
        _(
            "The list of learners of a session you train in changed on {{ day }}:\n"
            "{% for change in changes %}- {{ change.time }} {{ change.person }}: {{ change.what }}\n{% endfor %}"
            "Confirmed learners now: {{ learners.confirmed }}."
        ),
    ),
    NotificationTrigger.TRAINER_ROLL_CALL: (
        _("Tomorrow: {{ event.name }}, {{ event.start.datetime }}"),
        _(
            "An event of a session you train in takes place tomorrow.\n"
            "Event: {{ event.name }}\n"
            "From {{ event.start.datetime }} to {{ event.end.datetime }}"
            "{% if event.place %}\nPlace: {{ event.place }}{% endif %}\n"
            "Learners expected: {{ learners.expected }}"
            "{% if roll_call.url %}\nRoll call: {{ roll_call.url }}{% endif %}"
        ),
    ),
}

#: What a learner's change was, as a trainer's digest lists it (keyed by the learner's trigger).
_CHANGES = {
    NotificationTrigger.REGISTERED: _("registered (confirmed)"),
    NotificationTrigger.WAITING: _("placed on the waiting list"),
    NotificationTrigger.PENDING: _("registered, awaiting validation"),
    NotificationTrigger.PROMOTED: _("promoted from the waiting list"),
    NotificationTrigger.VALIDATED: _("registration validated"),
    NotificationTrigger.REFUSED: _("registration refused"),
    NotificationTrigger.UNREGISTERED: _("unregistered"),
    NotificationTrigger.UNREGISTERED_SELF: _("unregistered themself"),
}

#: The details paragraph of the triggers whose message is not about one session (or says them itself).
_DETAILS_OF = {
    NotificationTrigger.TRAINER_LEARNERS: _DETAILS,
    NotificationTrigger.TRAINER_ROLL_CALL: _("Session: {{ session.name }} ({{ course.title }})"),
    NotificationTrigger.REGISTERED_MANY: _(
        "{% for item in registrations %}- {{ item.session.name }} ({{ item.course.title }}), "
        "from {{ item.session.start.datetime }} to {{ item.session.end.datetime }}"
        "{% if item.session.place %}, {{ item.session.place }}{% endif %}: {{ item.outcome }}\n{% endfor %}"
    ),
}

#: What became of each registration a ``registered_many`` message lists.
_OUTCOMES = {
    RegistrationStatus.CONFIRMED: _("confirmed"),
    RegistrationStatus.PENDING: _("awaiting validation"),
    RegistrationStatus.WAITING: _("on the waiting list, in position %(position)s"),
}


def default_texts(trigger, language):
    """(subject, text body, HTML body) of the default message, translated into ``language``."""
    subject, sentence = DEFAULTS[trigger]
    with translation.override(language):
        paragraphs = [str(_GREETING), str(sentence), str(_DETAILS_OF.get(trigger, _DETAILS))]
        reason = str(_REASON) if str(trigger) in _WITH_REASON else ""
        subject = str(subject)

    def html_paragraph(text):
        return "<p>" + escape(text).replace("&#x27;", "'").replace("&quot;", '"').replace("\n", "<br>") + "</p>\n"

    text = "\n\n".join(paragraphs)
    html = "".join(html_paragraph(p) for p in paragraphs)
    if reason:
        text += "{% if reason %}\n\n" + reason + "{% endif %}"
        html += "{% if reason %}" + html_paragraph(reason) + "{% endif %}"
    return subject, text + "\n\n{{ platform_name }}\n", html + "<p>{{ platform_name }}</p>\n"


def template_for(trigger, language):
    """The trigger's template in ``language``, created from the defaults the first time."""
    subject, text, html = default_texts(trigger, language)
    template, _created = NotificationTemplate.objects.get_or_create(
        trigger=trigger, language=language, defaults={"subject": subject, "body_text": text, "body_html": html}
    )
    return template


def _changed_event(row):
    """The séance a « details changed » message is about (None: the session, or a séance since removed)."""
    event_id = (row.data or {}).get("event")
    if row.trigger != NotificationTrigger.DETAILS_CHANGED or not event_id:
        return None
    return Event.objects.filter(pk=event_id, session_id=row.session_id).first()


def message_context(row, language, event=None):
    data = row.data or {}
    context = build_context(registration=row.registration, language=language, event=event)
    context["waiting"] = {"position": data.get("position") or ""}
    context["reason"] = data.get("reason", "")
    context["registration"] = {"pending": data.get("status") == RegistrationStatus.PENDING}
    if data.get("event"):
        event = Event.objects.filter(pk=data["event"]).select_related("session").first()
        if event is not None:
            context["event"] = build_context(registration=row.registration, language=language, event=event)["event"]
    if "items" in data:
        context["registrations"] = registrations_context(data["items"], language)
    session = row.session
    context["session"]["url"] = get_backend().workspace_url(session.workspace_key) if session.workspace_key else ""
    if row.trigger == NotificationTrigger.SESSION_ENDED:
        context["certificate"] = {"url": _certificate_url(row.registration)}
    if row.trigger in (NotificationTrigger.TRAINER_LEARNERS, NotificationTrigger.TRAINER_ROLL_CALL):
        context["learners"] = _learner_counts(session, data.get("event"))
    if row.trigger == NotificationTrigger.TRAINER_ROLL_CALL:
        context["roll_call"] = {"url": _roll_call_url(session)}
    if row.trigger == NotificationTrigger.TRAINER_LEARNERS:
        context["day"], context["changes"] = _day_changes(session, data.get("day"), language)
    return context


def _certificate_url(registration):
    """The verification page of the learner's latest session certificate, or '' if none was issued."""
    from ..documents import verification_url

    code = (
        IssuedDocument.objects.filter(registration=registration, kind=DocumentKind.SESSION_CERTIFICATE)
        .order_by("-issued_at", "-pk")
        .values_list("verification_code", flat=True)
        .first()
    )
    return verification_url(code) if code else ""


def _roll_call_url(session):
    """The session's attendance grid in the admin, which its trainers may fill in."""
    from django.urls import NoReverseMatch, reverse

    from ..documents import site_url

    try:
        return site_url() + reverse("admin:cursus_xblock_session_attendance", args=[session.pk])
    except NoReverseMatch:  # a host without our admin
        return ""


def _learner_counts(session, event_id=None):
    """The session's confirmed learners; those of the event (``expected``) when there is one."""
    confirmed = Registration.objects.filter(
        session=session, role=Role.LEARNER, status=RegistrationStatus.CONFIRMED
    ).count()
    expected = confirmed
    if event_id:
        expected = EventRegistration.objects.filter(
            event_id=event_id,
            status=RegistrationStatus.CONFIRMED,
            registration__status=RegistrationStatus.CONFIRMED,
            registration__role=Role.LEARNER,
        ).count()
    return {"confirmed": confirmed, "expected": expected}


def _day_changes(session, day, language):
    """(the day, as the session shows dates; what happened to its learners that day, in order), from the history."""
    day = datetime.date.fromisoformat(day) if day else timezone.localdate()
    _day, start, end = digest_day(session, datetime.datetime.combine(day, datetime.time(12), tzinfo=session.tzinfo))
    entries = (
        RegistrationHistory.objects.filter(
            registration__session=session,
            registration__role=Role.LEARNER,
            event_registration__isnull=True,
            created_at__gte=start,
            created_at__lt=end,
        )
        .exclude(reason=RETIRED_REASON)
        .select_related("registration__user", "actor")
        .order_by("created_at", "pk")
    )
    changes = []
    with translation.override(language):
        for entry in entries:
            trigger = trigger_of(
                registration=entry.registration, action=entry.action, new_value=entry.new_value, actor=entry.actor
            )
            if trigger not in _CHANGES:
                continue
            user = entry.registration.user
            changes.append(
                {
                    "time": moment(entry.created_at, session.tzinfo, language)["time"],
                    "person": user.get_full_name() or user.username,
                    "what": str(_CHANGES[trigger]),
                }
            )
        return moment(start, session.tzinfo, language)["date"], changes


def registrations_context(items, language):
    """The sessions a ``registered_many`` message lists, in date order, each with what became of it."""
    registrations = Registration.objects.select_related("session__course").in_bulk(
        [item["registration"] for item in items]
    )
    listed = []
    for item in items:
        registration = registrations.get(item["registration"])
        if registration is None:
            continue
        session, status = registration.session, item.get("status", "")
        with translation.override(language):
            outcome = str(_OUTCOMES.get(status, "")) % {"position": item.get("position") or ""}
        listed.append(
            {
                "session": {
                    "name": session.name,
                    "code": session.code,
                    "start": moment(session.start, session.tzinfo, language),
                    "end": moment(session.end, session.tzinfo, language),
                    "place": session.place,
                },
                "course": {"title": session.course.title, "code": session.course.code},
                "status": status,
                "position": item.get("position") or "",
                "outcome": outcome,
                "_start": session.start,
            }
        )
    listed.sort(key=lambda entry: entry.pop("_start"))
    return listed


def render(template, context):
    """(subject, text, html) of ``template`` with ``context``; ``TemplateError`` when it cannot be made."""
    subject = " ".join(render_template(template.subject, context, autoescape=False).split())
    text = render_template(template.body_text, context, autoescape=False)
    html = render_template(template.body_html, context) if template.body_html.strip() else ""
    return subject, text, html


def preview(template):
    """(subject, text, html) of ``template`` with sample values, for the admin; ``TemplateError`` if it fails."""
    from ...documents.placeholders import sample_context

    language = template.language or django_settings.LANGUAGE_CODE
    with translation.override(language):
        context = sample_context(DocumentKind.EVENT_INVITATION, language)
        context.update(waiting={"position": 3}, reason="", registration={"pending": False})
        context["session"]["url"] = "https://lms.example.org/courses/course-v1:Org+Course+Run/about"
        context.update(
            certificate={"url": context["verification"]["url"]},
            learners={"confirmed": 12, "expected": 11},
            roll_call={"url": "https://lms.example.org/admin/cursus_xblock/session/1/attendance/"},
            day=context["session"]["start"]["date"],
            changes=[
                {"time": "09:12", "person": "Agnès Martin", "what": str(_CHANGES[NotificationTrigger.REGISTERED])},
                {"time": "11:40", "person": "Paul Durand", "what": str(_CHANGES[NotificationTrigger.UNREGISTERED])},
            ],
        )
        context["registrations"] = [
            {
                "session": context["session"],
                "course": context["course"],
                "status": status,
                "position": 3 if status == RegistrationStatus.WAITING else "",
                "outcome": str(_OUTCOMES[status]) % {"position": 3},
            }
            for status in (RegistrationStatus.CONFIRMED, RegistrationStatus.WAITING)
        ]
        return render(template, context)


def build_message(row, language):
    event = _changed_event(row)
    with translation.override(language):
        subject, text, html = render(template_for(row.trigger, language), message_context(row, language, event))
    copy_to = "" if row.trigger in TRAINER_TRIGGERS else row.session.course.notification_copy_to
    message = EmailMultiAlternatives(
        subject=subject,
        body=text,
        from_email=django_settings.DEFAULT_FROM_EMAIL,
        to=[row.user.email],
        cc=[copy_to] if copy_to and copy_to.lower() != row.user.email.lower() else [],
    )
    if html:
        message.attach_alternative(html, "text/html")
    if row.trigger == NotificationTrigger.DETAILS_CHANGED and _was_invited(row.registration):
        from ..documents import calendar_for

        # The invitation's UIDs with the current SEQUENCE: the calendar entry moves instead of doubling.
        message.attach("invitation.ics", calendar_for(row.registration, event=event), "text/calendar; method=REQUEST")
    elif row.trigger == NotificationTrigger.SESSION_CANCELLED and _was_invited(row.registration):
        from ..documents import calendar_for

        # The invitation's UIDs, METHOD:CANCEL: the entries leave the person's calendar.
        message.attach(
            "cancellation.ics", calendar_for(row.registration, cancelled=True), "text/calendar; method=CANCEL"
        )
    return message


def _was_invited(registration):
    """Only a calendar that holds the invitation's entries is updated: nobody else gets one out of the blue."""
    return (
        registration is not None
        and registration.status in ACTIVE_STATUSES
        and IssuedDocument.objects.filter(
            registration=registration, kind__in=(DocumentKind.SESSION_INVITATION, DocumentKind.EVENT_INVITATION)
        ).exists()
    )
