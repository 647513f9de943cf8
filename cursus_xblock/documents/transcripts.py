"""The training transcript: one person's sessions, hours attended and certificates, on one PDF.

A transcript is about a person, not a registration: it spans sessions. It is still issued like
the other documents (admin-editable templates in French and English, SHA-256, verification
code), and recorded against the person's registration in the latest session it lists, so that
who manages it, who may read it and what forgetting a retired account removes all follow the
rules every other document follows. What it lists is decided by the caller (the service reads
``selectors.transcripts`` for the manager issuing it); the generator only lays it out.
"""

import datetime
import zoneinfo

from django.utils import timezone, translation
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from ..models import RegistrationStatus, Role
from . import placeholders, render
from .generators import PERSON_RECORD, Document, DocumentGenerator
from .placeholders import OWN, Placeholder
from .templating import render_template

TRAINING_TRANSCRIPT = "training_transcript"

TRANSCRIPT_PLACEHOLDERS = (
    Placeholder("person.full_name", _("Full name"), OWN),
    Placeholder("person.first_name", _("First name"), OWN),
    Placeholder("person.last_name", _("Last name"), OWN),
    Placeholder("person.username", _("Username"), OWN),
    Placeholder("person.email", _("E-mail address"), OWN),
    Placeholder(
        "sessions",
        _(
            "The person's sessions, oldest first: a list of {course, course_code, name, code, start, end, "
            "time_zone_name, role, status, hours, hours_attended, rate, certificates} (certificates: a list of "
            "{kind, date, code})"
        ),
        OWN,
    ),
    Placeholder("sessions_count", _("Number of sessions listed"), OWN),
    Placeholder("hours_attended", _("Hours attended in all the sessions listed, e.g. 10.5"), OWN),
    Placeholder("certificates", _("Every certificate listed: a list of {kind, date, code, session, course}"), OWN),
)


def _number(hours, language):
    return placeholders._hours(hours * 3600, language)


class TrainingTranscriptGenerator(DocumentGenerator):
    kind = TRAINING_TRANSCRIPT
    label = _("Training transcript")
    issued_for = PERSON_RECORD
    placeholders = TRANSCRIPT_PLACEHOLDERS

    def check(self, *, registration=None, event=None, now=None):
        """Anything a manager may see may be listed: the service refuses an empty transcript."""

    def holder(self, *, person):
        return person.get_full_name() or person.get_username()

    def filename(self, *, person):
        parts = [person.last_name or person.get_username(), person.first_name, self.kind]
        return "_".join(slugify(p) for p in parts if p) + ".pdf"

    def context(
        self, *, person, transcript, template_version, verification_url="", verification_code="", issued_at=None
    ):
        language = template_version.language
        sessions, certificates = [], []
        with translation.override(language):
            roles, statuses = dict(Role.choices), dict(RegistrationStatus.choices)
            for row in transcript.rows:
                session = row.session
                tz = session.tzinfo
                listed = [
                    {
                        "kind": str(document.get_kind_display()),
                        "date": placeholders.moment(document.issued_at, tz, language),
                        "code": document.verification_code,
                    }
                    for document in row.certificates
                ]
                certificates += [{**c, "session": session.name, "course": session.course.title} for c in listed]
                learner = row.registration.role == Role.LEARNER
                sessions.append(
                    {
                        "course": session.course.title,
                        "course_code": session.course.code,
                        "name": session.name,
                        "code": session.code,
                        "start": placeholders.moment(session.start, tz, language),
                        "end": placeholders.moment(session.end, tz, language),
                        "time_zone_name": placeholders._zone_name(tz, language),
                        "role": str(roles[row.registration.role]),
                        "status": str(statuses[row.registration.status]),
                        "hours": _number(row.hours, language) if learner else "",
                        "hours_attended": _number(row.hours_attended, language) if learner else "",
                        "rate": row.rate if learner else None,
                        "certificates": listed,
                    }
                )
        tz = transcript.rows[-1].session.tzinfo if transcript.rows else datetime.UTC
        return {
            "person": placeholders._person(person, language),
            "sessions": sessions,
            "sessions_count": len(sessions),
            "hours_attended": _number(transcript.hours_attended, language),
            "certificates": certificates,
            "issue_date": placeholders.moment(issued_at or timezone.now(), tz, language),
            "verification": {
                "url": verification_url,
                "code": verification_code,
                "qr_code": render.qr_code_data_uri(verification_url) if verification_url else "",
            },
            "platform_name": placeholders.platform_name(),
            "logo": placeholders.settings.DOCUMENT_LOGO,
        }

    def generate(
        self,
        *,
        person,
        transcript,
        template_version,
        actor=None,
        verification_url="",
        verification_code="",
        issued_at=None,
    ):
        context = self.context(
            person=person,
            transcript=transcript,
            template_version=template_version,
            verification_url=verification_url,
            verification_code=verification_code,
            issued_at=issued_at,
        )
        html = render_template(template_version.body, context)
        content = render.render_pdf(html, css=template_version.css, language=template_version.language)
        return Document(content=content, filename=self.filename(person=person))

    def sample_context(self, language):
        tz = zoneinfo.ZoneInfo("Europe/Paris")
        start = datetime.datetime(2026, 3, 9, 9, 0, tzinfo=tz)
        with translation.override(language):
            learner, trainer = str(Role.LEARNER.label), str(Role.TRAINER.label)
            confirmed = str(RegistrationStatus.CONFIRMED.label)
        certificate = {
            "kind": "Attestation de présence à la session" if language == "fr" else "Session certificate of attendance",
            "date": placeholders.moment(start + datetime.timedelta(days=2), tz, language),
            "code": "K7QM3TXW9PRD2HJA",
        }
        sessions = [
            {
                "course": "Sauveteur secouriste du travail",
                "course_code": "SST",
                "name": "SST — formation initiale (Lyon)",
                "code": "SST-2026-01",
                "start": placeholders.moment(start, tz, language),
                "end": placeholders.moment(start + datetime.timedelta(days=1, hours=8), tz, language),
                "time_zone_name": placeholders._zone_name(tz, language),
                "role": learner,
                "status": confirmed,
                "hours": _number(14, language),
                "hours_attended": _number(10.5, language),
                "rate": 75,
                "certificates": [certificate],
            },
            {
                "course": "Gestes et postures",
                "course_code": "GP",
                "name": "Gestes et postures — atelier",
                "code": "GP-2026-04",
                "start": placeholders.moment(start + datetime.timedelta(days=60), tz, language),
                "end": placeholders.moment(start + datetime.timedelta(days=60, hours=3), tz, language),
                "time_zone_name": placeholders._zone_name(tz, language),
                "role": trainer,
                "status": confirmed,
                "hours": "",
                "hours_attended": "",
                "rate": None,
                "certificates": [],
            },
        ]
        return {
            "person": {
                "first_name": "Agnès",
                "last_name": "Béranger",
                "full_name": "Agnès Béranger",
                "username": "aberanger",
                "email": "agnes.beranger@example.org",
            },
            "sessions": sessions,
            "sessions_count": len(sessions),
            "hours_attended": _number(10.5, language),
            "certificates": [{**certificate, "session": sessions[0]["name"], "course": sessions[0]["course"]}],
            "issue_date": placeholders.moment(start + datetime.timedelta(days=90), tz, language),
            "verification": {"url": "https://lms.example.org/cursus/verify/SAMPLE/", "code": "SAMPLE", "qr_code": ""},
            "platform_name": placeholders.platform_name(),
            "logo": placeholders.settings.DOCUMENT_LOGO,
        }
