"""The placeholders a document template can use — documented once here, shown in the admin.

Templates receive only plain values (strings, numbers, lists of dicts) built by ``build_context``,
never model instances. Dates are localized in the template's language and written in the
**session's** time zone, the zone named as people say it: « 12 décembre 2026 à 09:00 (heure de
Paris) » (its IANA name is ``session.time_zone``).
"""

from dataclasses import dataclass

from django.conf import settings as django_settings
from django.utils import formats, timezone, translation
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext

from ..conf import settings
from ..models import Attendance, DocumentKind, EventRegistration, Registration, RegistrationStatus, Role
from ..utils.dates import of_name, zone_name

#: Which kinds a common placeholder serves (``Placeholder.scope``), by what the kind is about.
ALL = "all"
PERSON = "person"  # documents naming one person
EVENT = "event"  # documents about one séance
PERSON_EVENT = "person_event"  # one person at one séance
CERTIFICATE = "certificate"
OWN = "own"  # a kind's own placeholder (``DocumentGenerator.placeholders``)


@dataclass(frozen=True)
class Placeholder:
    name: str
    description: str
    scope: str = ALL

    def applies(self, kind):
        """Whether a template of ``kind`` (a ``registry.Kind``) sees this placeholder."""
        if self.scope == OWN:
            return self in kind.placeholders
        return {
            ALL: True,
            PERSON: kind.personal,
            EVENT: kind.for_event,
            PERSON_EVENT: kind.personal and kind.for_event,
            CERTIFICATE: kind.certificate,
        }[self.scope]


_DATE = _("as .date, .time and .datetime (with the time zone), in the session's time zone")

#: Every placeholder, in the order the admin lists them.
PLACEHOLDERS = (
    Placeholder("person.first_name", _("First name"), PERSON),
    Placeholder("person.last_name", _("Last name"), PERSON),
    Placeholder("person.full_name", _("Full name"), PERSON),
    Placeholder(
        "person.of_full_name",
        _('Full name after "of": "of Agnès Béranger", in French « d\'Agnès Béranger »'),
        PERSON,
    ),
    Placeholder("person.username", _("Username"), PERSON),
    Placeholder("person.email", _("E-mail address"), PERSON),
    Placeholder("course.title", _("Course title")),
    Placeholder("course.code", _("Course code")),
    Placeholder("course.description", _("Course description")),
    Placeholder("session.name", _("Session name")),
    Placeholder("session.code", _("Session code")),
    Placeholder("session.description", _("Session description")),
    Placeholder("session.start", _("Session start, %(how)s") % {"how": _DATE}),
    Placeholder("session.end", _("Session end, %(how)s") % {"how": _DATE}),
    Placeholder("session.place", _("Session place")),
    Placeholder("session.time_zone", _("Session time zone, e.g. Europe/Paris")),
    Placeholder("session.time_zone_name", _("Session time zone as people say it, e.g. Paris time")),
    Placeholder("session.trainers", _("Trainers of the session, comma-separated")),
    Placeholder(
        "events",
        _("The person's events in the session: a list of {name, start, end, place, attendance}"),
        PERSON,
    ),
    Placeholder("event.name", _("Event name"), EVENT),
    Placeholder("event.description", _("Event description"), EVENT),
    Placeholder("event.start", _("Event start, %(how)s") % {"how": _DATE}, EVENT),
    Placeholder("event.end", _("Event end, %(how)s") % {"how": _DATE}, EVENT),
    Placeholder("event.place", _("Event place"), EVENT),
    Placeholder("event.trainers", _("Trainers of the event, comma-separated"), EVENT),
    Placeholder("event.hours", _("Duration of the event in hours, e.g. 3.5"), EVENT),
    Placeholder("event.attendance", _("The person's attendance at the event, e.g. Present"), PERSON_EVENT),
    Placeholder("event.attended", _("Whether the person was present at the event"), PERSON_EVENT),
    Placeholder("attendance.recorded", _("Whether attendance has been recorded"), CERTIFICATE),
    Placeholder("attendance.events_attended", _("Number of events attended"), CERTIFICATE),
    Placeholder("attendance.events_total", _("Number of events the person was registered to"), CERTIFICATE),
    Placeholder("attendance.hours_attended", _("Hours attended, e.g. 10.5"), CERTIFICATE),
    Placeholder("attendance.rate", _("Attendance rate in percent, e.g. 87"), CERTIFICATE),
    Placeholder("issue_date", _("Date of issue, %(how)s") % {"how": _DATE}),
    Placeholder("verification.url", _("Public page that verifies this document")),
    Placeholder("verification.code", _("Verification code")),
    Placeholder("verification.qr_code", _("QR code of the verification URL, for <img src=…>")),
    Placeholder("platform_name", _("Name of the platform")),
    Placeholder("logo", _("Logo image URL, for <img src=…> (empty when none is set)")),
)


def moment(value, tz, language):
    """{date, time, datetime} strings of ``value`` in ``tz``, localized in ``language``."""
    local = timezone.localtime(value, tz)
    with translation.override(language):
        date = formats.date_format(local, "DATE_FORMAT")
        time = formats.time_format(local, "H:i")
        at = pgettext("date at time", "at")
        zone = zone_name(tz)
    return {"date": date, "time": time, "datetime": f"{date} {at} {time} ({zone})"}


def _person(user, language):
    full_name = user.get_full_name() or user.get_username()
    return {
        "first_name": user.first_name,
        "last_name": user.last_name,
        "full_name": full_name,
        "of_full_name": _of_name(full_name, language),
        "username": user.get_username(),
        "email": user.email,
    }


def _of_name(name, language):
    with translation.override(language):
        return of_name(name)


def _zone_name(tz, language):
    with translation.override(language):
        return zone_name(tz)


def _names(users):
    return ", ".join(u.get_full_name() or u.get_username() for u in users)


def _hours(seconds, language):
    with translation.override(language):
        return formats.number_format(round(seconds / 3600, 1), decimal_pos=1 if seconds % 3600 else 0)


def attendance_summary(registration):
    """Events attended and hours, over the person's confirmed event registrations in the session."""
    rows = list(
        EventRegistration.objects.filter(registration=registration, status=RegistrationStatus.CONFIRMED)
        .select_related("event")
        .order_by("event__start", "pk")
    )
    attended = [r for r in rows if r.attendance == Attendance.PRESENT]
    total_seconds = sum((r.event.end - r.event.start).total_seconds() for r in rows)
    attended_seconds = sum((r.event.end - r.event.start).total_seconds() for r in attended)
    recorded = any(r.attendance != Attendance.UNKNOWN for r in rows)
    rate = round(100 * attended_seconds / total_seconds) if recorded and total_seconds else None
    return {
        "rows": rows,
        "recorded": recorded,
        "events_attended": len(attended),
        "events_total": len(rows),
        "attended_seconds": attended_seconds,
        "rate": rate,
    }


def build_context(
    *, registration, language, event=None, verification_url="", verification_code="", qr_code="", issued_at=None
):
    """The plain values a template sees for this person in this session (and event)."""
    session = registration.session
    tz = session.tzinfo
    summary = attendance_summary(registration)
    trainers = [
        r.user
        for r in Registration.objects.filter(
            session=session, role=Role.TRAINER, status=RegistrationStatus.CONFIRMED
        ).select_related("user")
    ]
    with translation.override(language):
        attendance_labels = dict(Attendance.choices)
        events = [
            {
                "name": row.event.name,
                "start": moment(row.event.start, tz, language),
                "end": moment(row.event.end, tz, language),
                "place": row.event.effective_place,
                "attendance": str(attendance_labels[row.attendance]),
                "attended": row.attendance == Attendance.PRESENT,
            }
            for row in summary["rows"]
        ]
    context = {
        "person": _person(registration.user, language),
        "course": {
            "title": session.course.title,
            "code": session.course.code,
            "description": session.course.description,
        },
        "session": {
            "name": session.name,
            "code": session.code,
            "description": session.description,
            "start": moment(session.start, tz, language),
            "end": moment(session.end, tz, language),
            "place": session.place,
            "time_zone": session.time_zone,
            "time_zone_name": _zone_name(tz, language),
            "trainers": _names(trainers),
        },
        "events": events,
        "attendance": {
            "recorded": summary["recorded"],
            "events_attended": summary["events_attended"],
            "events_total": summary["events_total"],
            "hours_attended": _hours(summary["attended_seconds"], language),
            "rate": summary["rate"],
        },
        "issue_date": moment(issued_at or timezone.now(), tz, language),
        "verification": {"url": verification_url, "code": verification_code, "qr_code": qr_code},
        "platform_name": platform_name(),
        "logo": settings.DOCUMENT_LOGO,
    }
    if event is not None:
        event_trainers = [
            r.registration.user
            for r in EventRegistration.objects.filter(
                event=event, status=RegistrationStatus.CONFIRMED, registration__role=Role.TRAINER
            ).select_related("registration__user")
        ]
        own = next((row for row in summary["rows"] if row.event_id == event.pk), None)
        state = own.attendance if own is not None else Attendance.UNKNOWN
        with translation.override(language):
            state_label = str(dict(Attendance.choices)[state])
        context["event"] = {
            "name": event.name,
            "description": event.description,
            "start": moment(event.start, tz, language),
            "end": moment(event.end, tz, language),
            "place": event.effective_place,
            "trainers": _names(event_trainers) or context["session"]["trainers"],
            "hours": _hours((event.end - event.start).total_seconds(), language),
            "attendance": state_label,
            "attended": state == Attendance.PRESENT,
        }
    return context


def platform_name():
    return settings.PLATFORM_NAME or getattr(django_settings, "PLATFORM_NAME", "") or "Cursus"


def sample_context(kind, language, *, event=None):
    """Realistic sample values of a person's document, for the admin's preview: the same shape as ``build_context``.

    With ``event`` (by default: for the built-in kinds about a séance) the sample has an ``event``.
    """
    import datetime
    import zoneinfo

    tz = zoneinfo.ZoneInfo("Europe/Paris")
    start = datetime.datetime(2026, 12, 12, 9, 0, tzinfo=tz)
    day2 = start + datetime.timedelta(days=1)

    def slot(begin, hours):
        return moment(begin, tz, language), moment(begin + datetime.timedelta(hours=hours), tz, language)

    with translation.override(language):
        present, absent = str(Attendance.PRESENT.label), str(Attendance.ABSENT_JUSTIFIED.label)
    events = []
    for name, begin, hours, state in (
        ("Séance 1 — Théorie", start, 3.5, present),
        ("Séance 2 — Mises en situation", start.replace(hour=14), 3.5, present),
        ("Séance 3 — Évaluation", day2, 3, absent),
    ):
        event_start, event_end = slot(begin, hours)
        events.append(
            {
                "name": name,
                "start": event_start,
                "end": event_end,
                "place": "Lyon — salle Molière",
                "attendance": state,
                "attended": state == present,
            }
        )
    context = {
        "person": {
            "first_name": "Éloïse",
            "last_name": "Lefèvre",
            "full_name": "Éloïse Lefèvre",
            "of_full_name": _of_name("Éloïse Lefèvre", language),
            "username": "eloise.lefevre",
            "email": "eloise.lefevre@example.org",
        },
        "course": {
            "title": "Sauveteur secouriste du travail",
            "code": "SST",
            "description": "Formation initiale aux gestes de premiers secours.",
        },
        "session": {
            "name": "SST — formation initiale (Lyon)",
            "code": "SST-2026-01",
            "description": "",
            "start": moment(start, tz, language),
            "end": moment(day2.replace(hour=17), tz, language),
            "place": "Lyon — salle Molière",
            "time_zone": tz.key,
            "time_zone_name": _zone_name(tz, language),
            "trainers": "François Dupré",
        },
        "events": events,
        "attendance": {
            "recorded": True,
            "events_attended": 2,
            "events_total": 3,
            "hours_attended": _hours(7 * 3600, language),
            "rate": 70,
        },
        "issue_date": moment(day2.replace(hour=17), tz, language),
        "verification": {"url": "https://lms.example.org/cursus/verify/SAMPLE/", "code": "SAMPLE", "qr_code": ""},
        "platform_name": platform_name(),
        "logo": settings.DOCUMENT_LOGO,
    }
    if event is None:
        event = kind in (DocumentKind.EVENT_INVITATION, DocumentKind.EVENT_CERTIFICATE)
    if event:
        context["event"] = {
            **events[0],
            "description": "",
            "trainers": "François Dupré",
            "hours": _hours(3.5 * 3600, language),
        }
    if kind in (DocumentKind.SESSION_INVITATION, DocumentKind.EVENT_INVITATION):
        context["issue_date"] = moment(start - datetime.timedelta(days=10), tz, language)
    return context
