"""The sign-in sheet (feuille d'émargement): one per séance, blank to print or filled from the roll call.

French training bodies keep, for every séance, a sheet signed by each trainee and the trainer
(Qualiopi audits). The sheet is a kind of document like the others (admin-editable templates in
French and English, issued with a SHA-256 and a verification code), but one document names all
the séance's learners, so its generator is a ``GroupDocumentGenerator`` issued for the event.

*Blank*: names and empty signature boxes, to print before the séance. *Filled*: each learner's
attendance as recorded, when it was recorded, and their signature image and time when the
learner signed (self check-in stores them; until then the box stays empty for a pen).
"""

import base64
import datetime
import zoneinfo

from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from ..models import Attendance, EventRegistration, Registration, RegistrationStatus, Role, Signature, SignatureRole
from . import placeholders, render
from .generators import EVENT, GroupDocumentGenerator
from .placeholders import OWN, Placeholder

SIGN_IN_SHEET = "sign_in_sheet"

SHEET_PLACEHOLDERS = (
    Placeholder("sheet.filled", _("Whether the sheet shows the attendance recorded (else a blank sheet)"), OWN),
    Placeholder(
        "sheet.half_days",
        _(
            "Whether the séance covers a morning and an afternoon (starts before 12:00, ends after 14:00): "
            "one signature column per half-day; a signature's signature.half says which (morning or afternoon)"
        ),
        OWN,
    ),
    Placeholder(
        "participants",
        _(
            "The séance's learners, by name: a list of {full_name, last_name, first_name, attendance, attended, "
            "recorded_at, signature.image, signature.signed_at, signature.typed_name} (attendance, times and "
            "signatures only on a filled sheet)"
        ),
        OWN,
    ),
    Placeholder("participants_count", _("Number of learners on the sheet"), OWN),
    Placeholder(
        "trainers",
        _("The séance's trainers: a list of {full_name, signature.image, signature.signed_at, signature.typed_name}"),
        OWN,
    ),
)


#: A séance starting before noon and ending after 14:00 (local time) covers two half-days; a
#: signature made before 13:00 is the morning's.
MORNING_ENDS, AFTERNOON_STARTS, MIDDAY = datetime.time(12, 0), datetime.time(14, 0), datetime.time(13, 0)


def spans_half_days(event, tz):
    """Whether the séance needs a signature per half-day: a morning and an afternoon of the same day.

    French training bodies have trainees sign for every half-day; one sheet with a morning and an
    afternoon column keeps one record per séance (one code, one SHA-256) with both signatures of a
    learner on one line, which is what an auditor compares.
    """
    start, end = timezone.localtime(event.start, tz), timezone.localtime(event.end, tz)
    return start.date() == end.date() and start.time() < MORNING_ENDS and end.time() > AFTERNOON_STARTS


def _blank_signature():
    return {"image": "", "signed_at": "", "typed_name": "", "half": ""}


def _signature(row, tz, language):
    """A stored signature as the sheet shows it: the PNG as a ``data:`` URI (or the typed name) and its time."""
    if row is None:
        return _blank_signature()
    image = bytes(row.image) if row.image else b""
    return {
        "image": "data:image/png;base64," + base64.b64encode(image).decode() if image else "",
        "signed_at": placeholders.moment(row.signed_at, tz, language),
        "typed_name": row.typed_name,
        "half": "morning" if timezone.localtime(row.signed_at, tz).time() < MIDDAY else "afternoon",
    }


def _signatures(event):
    """The séance's signatures: learners' by event registration, countersignatures by person."""
    learners, trainers = {}, {}
    for row in Signature.objects.filter(event=event).select_related("user"):
        if row.role == SignatureRole.LEARNER:
            learners[row.event_registration_id] = row
        else:
            trainers[row.user_id] = row
    return learners, trainers


class SignInSheetGenerator(GroupDocumentGenerator):
    kind = SIGN_IN_SHEET
    label = _("Sign-in sheet")
    issued_for = EVENT
    placeholders = SHEET_PLACEHOLDERS

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
        language = template_version.language
        filled = bool((options or {}).get("filled"))
        tz = session.tzinfo
        rows = (
            EventRegistration.objects.filter(
                event=event,
                status=RegistrationStatus.CONFIRMED,
                registration__status=RegistrationStatus.CONFIRMED,
            )
            .select_related("registration__user")
            .order_by("registration__user__last_name", "registration__user__first_name", "pk")
        )
        learners, trainers = [], []
        signed, countersigned = _signatures(event) if filled else ({}, {})
        with translation.override(language):
            labels = dict(Attendance.choices)
            for row in rows:
                user = row.registration.user
                name = user.get_full_name() or user.get_username()
                if row.registration.role == Role.TRAINER:
                    trainers.append(
                        {
                            "user": user.pk,
                            "full_name": name,
                            "signature": _signature(countersigned.get(user.pk), tz, language),
                        }
                    )
                    continue
                recorded = filled and row.attendance != Attendance.UNKNOWN and row.attendance_at is not None
                learners.append(
                    {
                        "full_name": name,
                        "last_name": user.last_name,
                        "first_name": user.first_name,
                        "attendance": str(labels[row.attendance]) if filled else "",
                        "attended": filled and row.attendance == Attendance.PRESENT,
                        "recorded_at": placeholders.moment(row.attendance_at, tz, language) if recorded else None,
                        "signature": _signature(signed.get(row.pk), tz, language),
                    }
                )
        if not trainers:  # a séance without its own trainers is given by the session's
            trainers = [
                {
                    "user": r.user_id,
                    "full_name": r.user.get_full_name() or r.user.get_username(),
                    "signature": _signature(countersigned.get(r.user_id), tz, language),
                }
                for r in Registration.objects.filter(
                    session=session, role=Role.TRAINER, status=RegistrationStatus.CONFIRMED
                ).select_related("user")
            ]
        listed = {t["user"] for t in trainers}
        trainers += [  # a training manager who countersigned without training the séance
            {
                "user": pk,
                "full_name": row.user.get_full_name() or row.user.get_username(),
                "signature": _signature(row, tz, language),
            }
            for pk, row in countersigned.items()
            if pk not in listed
        ]
        return {
            **_frame(session, event, language, issued_at, verification_url, verification_code),
            "sheet": {"filled": filled, "half_days": spans_half_days(event, tz)},
            "participants": learners,
            "participants_count": len(learners),
            "trainers": trainers,
        }

    def sample_context(self, language):
        tz = zoneinfo.ZoneInfo("Europe/Paris")
        start = datetime.datetime(2026, 12, 12, 9, 0, tzinfo=tz)
        end = start + datetime.timedelta(hours=3, minutes=30)
        with translation.override(language):
            present, absent = str(Attendance.PRESENT.label), str(Attendance.ABSENT_JUSTIFIED.label)
        people = (("Éloïse", "Lefèvre", present), ("Marc", "Aubert", absent), ("Chloé", "Nguyen", present))
        return {
            "course": {"title": "Sauveteur secouriste du travail", "code": "SST", "description": ""},
            "session": {
                "name": "SST — formation initiale (Lyon)",
                "code": "SST-2026-01",
                "description": "",
                "start": placeholders.moment(start, tz, language),
                "end": placeholders.moment(end + datetime.timedelta(days=1), tz, language),
                "place": "Lyon — salle Molière",
                "time_zone": tz.key,
                "time_zone_name": placeholders._zone_name(tz, language),
                "trainers": "François Dupré",
            },
            "event": {
                "name": "Séance 1 — Théorie",
                "description": "",
                "start": placeholders.moment(start, tz, language),
                "end": placeholders.moment(end, tz, language),
                "place": "Lyon — salle Molière",
                "trainers": "François Dupré",
                "hours": placeholders._hours(3.5 * 3600, language),
            },
            "sheet": {"filled": True, "half_days": False},
            "participants": [
                {
                    "full_name": f"{first} {last}",
                    "last_name": last,
                    "first_name": first,
                    "attendance": state,
                    "attended": state == present,
                    "recorded_at": placeholders.moment(start + datetime.timedelta(minutes=5), tz, language),
                    "signature": _blank_signature(),
                }
                for first, last, state in people
            ],
            "participants_count": len(people),
            "trainers": [{"full_name": "François Dupré", "signature": _blank_signature()}],
            "issue_date": placeholders.moment(end, tz, language),
            "verification": {"url": "https://lms.example.org/cursus/verify/SAMPLE/", "code": "SAMPLE", "qr_code": ""},
            "platform_name": placeholders.platform_name(),
            "logo": placeholders.settings.DOCUMENT_LOGO,
        }


def _frame(session, event, language, issued_at, verification_url, verification_code):
    """The common placeholders (course, session, event, issue date, verification) of a group document."""
    tz = session.tzinfo
    trainers = placeholders._names(
        r.user
        for r in Registration.objects.filter(
            session=session, role=Role.TRAINER, status=RegistrationStatus.CONFIRMED
        ).select_related("user")
    )
    context = {
        "course": {
            "title": session.course.title,
            "code": session.course.code,
            "description": session.course.description,
        },
        "session": {
            "name": session.name,
            "code": session.code,
            "description": session.description,
            "start": placeholders.moment(session.start, tz, language),
            "end": placeholders.moment(session.end, tz, language),
            "place": session.place,
            "time_zone": session.time_zone,
            "time_zone_name": placeholders._zone_name(tz, language),
            "trainers": trainers,
        },
        "issue_date": placeholders.moment(issued_at or timezone.now(), tz, language),
        "verification": {
            "url": verification_url,
            "code": verification_code,
            "qr_code": render.qr_code_data_uri(verification_url) if verification_url else "",
        },
        "platform_name": placeholders.platform_name(),
        "logo": placeholders.settings.DOCUMENT_LOGO,
    }
    if event is not None:
        event_trainers = placeholders._names(
            r.registration.user
            for r in EventRegistration.objects.filter(
                event=event, status=RegistrationStatus.CONFIRMED, registration__role=Role.TRAINER
            ).select_related("registration__user")
        )
        context["event"] = {
            "name": event.name,
            "description": event.description,
            "start": placeholders.moment(event.start, tz, language),
            "end": placeholders.moment(event.end, tz, language),
            "place": event.effective_place,
            "trainers": event_trainers or trainers,
            "hours": placeholders._hours((event.end - event.start).total_seconds(), language),
        }
    return context
