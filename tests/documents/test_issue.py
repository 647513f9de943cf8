"""Issuing documents through the service: PDFs with the filled placeholders, records, verification."""

import datetime
import hashlib
import io
import zipfile
import zoneinfo

import pytest
from django.core import mail
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar
from pypdf import PdfReader

from cursus_xblock.documents import generators
from cursus_xblock.models import (
    Attendance,
    Course,
    DocumentKind,
    EventRegistration,
    EventRegistrationType,
    IssuedDocument,
    Registration,
    Role,
    Session,
)
from cursus_xblock.services import attendance as attendance_service
from cursus_xblock.services import documents
from cursus_xblock.services import registration as registration_service
from cursus_xblock.services.documents import DocumentRefused

from ..factories import EventFactory, SessionFactory, UserFactory

pytestmark = pytest.mark.django_db
PARIS = zoneinfo.ZoneInfo("Europe/Paris")


def pdf_text(content):
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def _learner(session, **names):
    user = UserFactory(first_name=names.get("first", "Éloïse"), last_name=names.get("last", "Lefèvre"))
    (outcome,) = registration_service.register(user=user, sessions=[session], role=Role.LEARNER)
    return outcome.registration


def _december_session(**kwargs):
    start = datetime.datetime(2026, 12, 12, 9, 0, tzinfo=PARIS)
    return SessionFactory(
        start=start, end=start + datetime.timedelta(days=1, hours=8), time_zone="Europe/Paris", **kwargs
    )


def test_invitation_pdf_holds_the_filled_placeholders_in_french(templates, admin_user):
    session = _december_session(name="Premiers secours", place="Lyon — salle Molière")
    trainer = UserFactory(first_name="François", last_name="Dupré")
    registration_service.register(user=trainer, sessions=[session], role=Role.TRAINER)
    registration = _learner(session)

    issued = documents.issue(kind=DocumentKind.SESSION_INVITATION, registration=registration, actor=admin_user)

    text = pdf_text(issued.content)
    assert "Éloïse Lefèvre" in text
    assert "12 décembre 2026 à 09:00 (heure de Paris)" in text
    assert "Lyon — salle Molière" in text and "François Dupré" in text
    assert issued.verification_code in text
    assert "Secret: []" in text  # no password, no model instance reachable


def test_issuing_records_and_stores_exactly_what_was_made(templates, admin_user):
    registration = _learner(_december_session())

    first = documents.issue(kind="session_invitation", registration=registration, actor=admin_user)
    second = documents.issue(kind="session_invitation", registration=registration, actor=admin_user)

    assert IssuedDocument.objects.count() == 2
    assert first.verification_code != second.verification_code
    stored = documents.read_content(IssuedDocument.objects.get(pk=first.pk))
    assert stored == first.content
    assert hashlib.sha256(stored).hexdigest() == first.sha256
    assert first.template_version == templates["session_invitation"].current_version
    assert (first.issued_by, first.holder_name, first.size) == (admin_user, "Éloïse Lefèvre", len(first.content))


def test_an_edited_template_keeps_the_version_that_made_earlier_documents(templates):
    registration = _learner(_december_session())
    old = documents.issue(kind="session_invitation", registration=registration)
    template = templates["session_invitation"]
    template.body = "<p>Nouvelle version pour {{ person.full_name }}</p>"
    documents.template_save(template=template)

    new = documents.issue(kind="session_invitation", registration=registration)

    old.refresh_from_db()
    assert (old.template_version.number, new.template_version.number) == (1, 2)
    assert "Nouvelle version" not in pdf_text(documents.read_content(old))
    assert "Nouvelle version" in pdf_text(new.content)


def test_a_broken_template_is_refused_with_its_line_and_saves_nothing(templates):
    template = templates["session_certificate"]
    template.body = "<p>ok</p>\n<p>\n{% for x in %}"
    with pytest.raises(documents.TemplateError) as exc:
        documents.template_save(template=template)
    assert exc.value.line == 3
    assert "Line 3" in exc.value.describe()
    template.refresh_from_db()
    assert (template.version, template.versions.count()) == (1, 1)


def test_certificate_needs_a_confirmed_learner_and_a_started_session(templates):
    future = _learner(SessionFactory())
    with pytest.raises(DocumentRefused) as exc:
        documents.issue(kind="session_certificate", registration=future)
    assert exc.value.code == "not_started"

    session = SessionFactory(capacity=0)
    waiting = _learner(session)
    with pytest.raises(DocumentRefused) as exc:
        documents.issue(kind="session_invitation", registration=waiting)
    assert exc.value.code == "not_confirmed"
    assert not IssuedDocument.objects.exists()


def _past_session_with_attendance(states):
    """A learner registered while the events were ahead; then the events took place (2 h each)."""
    session = SessionFactory()
    events = [
        EventFactory(session=session, start=session.start + datetime.timedelta(hours=i * 4)) for i in range(len(states))
    ]
    for event in events:
        event.end = event.start + datetime.timedelta(hours=2)
        event.save()
    registration = _learner(session)
    shift = session.start - (timezone.now() - datetime.timedelta(days=1))
    type(session).objects.filter(pk=session.pk).update(start=session.start - shift, end=session.end - shift)
    for event in events:
        type(event).objects.filter(pk=event.pk).update(start=event.start - shift, end=event.end - shift)
    for event, state in zip(events, states, strict=True):
        event_registration = EventRegistration.objects.get(registration=registration, event=event)
        attendance_service.attendance_mark(event_registration=event_registration, state=state)
    registration.refresh_from_db()
    return registration


def test_certificate_states_attended_events_and_hours(templates):
    registration = _past_session_with_attendance([Attendance.PRESENT, Attendance.PRESENT, Attendance.ABSENT_JUSTIFIED])

    issued = documents.issue(kind="session_certificate", registration=registration)

    text = " ".join(pdf_text(issued.content).split())
    assert "Assiduité : 2/3 séances, 4 h, 67 %" in text


@override_settings(CURSUS_CERTIFICATE_MIN_ATTENDANCE=80)
def test_attendance_threshold_refuses_with_its_message(templates):
    registration = _past_session_with_attendance(
        [Attendance.PRESENT, Attendance.PRESENT, Attendance.ABSENT_UNJUSTIFIED]
    )

    with pytest.raises(DocumentRefused) as exc:
        documents.issue(kind="session_certificate", registration=registration)

    assert str(exc.value.message) == str(generators.LOW_ATTENDANCE % {"rate": 67, "minimum": 80})
    assert not IssuedDocument.objects.exists()


@pytest.mark.parametrize(
    "setting, course, session, issued",
    [
        (80, None, None, False),  # the site's setting alone, as before
        (80, 60, None, True),  # the course lowers it
        (0, 70, None, False),  # the course raises it
        (0, 70, 60, True),  # the session overrides its course
        (80, 60, 0, True),  # 0 on the session: no minimum, whatever the course and the setting
        (0, None, 90, False),
    ],
)
def test_attendance_threshold_per_course_with_a_session_override(settings, setting, course, session, issued, templates):
    """Issue 16 item 4: the minimum is the session's, else the course's, else the setting."""
    settings.CURSUS_CERTIFICATE_MIN_ATTENDANCE = setting
    registration = _past_session_with_attendance(
        [Attendance.PRESENT, Attendance.PRESENT, Attendance.ABSENT_UNJUSTIFIED]
    )  # 67 %
    Course.objects.filter(pk=registration.session.course_id).update(certificate_min_attendance=course)
    Session.objects.filter(pk=registration.session_id).update(certificate_min_attendance=session)
    registration = Registration.objects.select_related("session__course").get(pk=registration.pk)

    if issued:
        assert documents.issue(kind="session_certificate", registration=registration).pk
    else:
        with pytest.raises(DocumentRefused) as exc:
            documents.issue(kind="session_certificate", registration=registration)
        minimum = next(v for v in (session, course, setting) if v is not None)
        assert str(exc.value.message) == str(generators.LOW_ATTENDANCE % {"rate": 67, "minimum": minimum})
        assert not IssuedDocument.objects.exists()


def test_event_documents_are_about_one_event_of_the_persons_session(templates):
    session = _december_session()
    event = EventFactory(session=session, name="Séance 1 — Théorie")
    registration = _learner(session)

    issued = documents.issue(kind="event_invitation", registration=registration, event=event)

    assert "Séance Séance 1 — Théorie" in pdf_text(issued.content)
    assert issued.event == event
    with pytest.raises(DocumentRefused) as exc:
        documents.issue(kind="event_invitation", registration=registration, event=EventFactory())
    assert exc.value.code == "event_elsewhere"
    with pytest.raises(DocumentRefused) as exc:
        documents.issue(kind="event_invitation", registration=registration)
    assert exc.value.code == "event_required"


def test_no_template_is_a_clear_refusal(db, media):
    registration = _learner(_december_session())
    from cursus_xblock.models import DocumentTemplate

    DocumentTemplate.objects.all().update(is_default=False, default_key=None)
    with pytest.raises(DocumentRefused) as exc:
        documents.issue(kind="session_invitation", registration=registration)
    assert exc.value.code == "no_template"


def test_verification_page_shows_the_holder_and_nothing_more(client, templates):
    registration = _learner(_december_session(name="Premiers secours"))
    issued = documents.issue(kind="session_invitation", registration=registration)

    page = client.get(reverse("cursus_xblock:verify", args=[issued.verification_code]))
    unknown = client.get(reverse("cursus_xblock:verify", args=["NOPE1234"]))

    assert page.status_code == 200
    html = page.content.decode()
    assert "Éloïse Lefèvre" in html and "Premiers secours" in html
    assert registration.user.email not in html
    assert unknown.status_code == 404
    assert client.post(reverse("cursus_xblock:verify", args=[issued.verification_code])).status_code == 405


def test_invitation_calendar_uid_is_stable_and_sequence_rises_when_dates_change(templates):
    session = _december_session()
    event = EventFactory(session=session, registration_type=EventRegistrationType.AUTO)
    registration = _learner(session)

    first = Calendar.from_ical(documents.calendar_for(registration))
    event.start += datetime.timedelta(hours=1)
    event.end += datetime.timedelta(hours=1)
    event.save()
    second = Calendar.from_ical(documents.calendar_for(registration))

    (one,), (two,) = first.walk("VEVENT"), second.walk("VEVENT")
    assert str(one["UID"]) == str(two["UID"])
    assert int(two["SEQUENCE"]) == int(one["SEQUENCE"]) + 1
    assert two.decoded("DTSTART") == event.start
    assert str(first["METHOD"]) == "REQUEST"


def test_emailed_invitation_carries_the_pdf_and_the_calendar(templates):
    registration = _learner(_december_session(name="Premiers secours"))

    issued = documents.issue(kind="session_invitation", registration=registration, send_email=True)

    (message,) = mail.outbox
    assert message.to == [registration.user.email]
    assert "Éloïse Lefèvre" in message.subject
    names = [attachment[0] for attachment in message.attachments]
    assert names == [issued.filename, "invitation.ics"]
    issued.refresh_from_db()
    assert issued.emailed_at is not None


def test_unregistering_an_invited_person_sends_the_calendar_cancellation(templates, django_capture_on_commit_callbacks):
    session = _december_session()
    registration = _learner(session)
    documents.issue(kind="session_invitation", registration=registration)

    with django_capture_on_commit_callbacks(execute=True):
        registration_service.unregister(registration=registration, reason="Empêchée")

    (message,) = mail.outbox
    (attachment,) = message.attachments
    calendar = Calendar.from_ical(attachment[1])
    (vevent,) = calendar.walk("VEVENT")
    assert str(calendar["METHOD"]) == "CANCEL"
    assert str(vevent["STATUS"]) == "CANCELLED"
    assert str(vevent["UID"]) == f"cursus-session-{session.pk}-user-{registration.user.pk}@localhost"


def test_nobody_invited_means_no_cancellation_mail(templates, django_capture_on_commit_callbacks):
    registration = _learner(_december_session())
    with django_capture_on_commit_callbacks(execute=True):
        registration_service.unregister(registration=registration)
    assert mail.outbox == []


def test_zip_holds_one_pdf_per_confirmed_learner(templates):
    now = timezone.now()
    session = SessionFactory(
        code="sst-01", start=now - datetime.timedelta(hours=1), end=now + datetime.timedelta(days=1)
    )
    for first, last in (("Zoé", "Château"), ("Noël", "Garçon"), ("Zoé", "Château")):
        _learner(session, first=first, last=last)
    registration_service.register(user=UserFactory(), sessions=[session], role=Role.TRAINER)
    out = io.BytesIO()

    result = documents.issue_zip(session=session, kind="session_certificate", out=out)

    names = sorted(zipfile.ZipFile(out).namelist())
    assert result.issued == 3 and result.refused == []
    assert names == [
        "sst-01/chateau_zoe_session_certificate.pdf",
        "sst-01/chateau_zoe_session_certificate_2.pdf",
        "sst-01/garcon_noel_session_certificate.pdf",
    ]
    assert IssuedDocument.objects.count() == 3
