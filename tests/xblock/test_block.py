"""The Cursus XBlock in XBlock's test runtime: what each viewer sees, and what the handlers change."""

import datetime
import re
from email.message import Message

import pytest
from crum import impersonate
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation
from icalendar import Calendar

from cursus_xblock.models import (
    DocumentKind,
    EventRegistrationType,
    HistoryAction,
    Registration,
    RegistrationHistory,
    RegistrationStatus,
    Role,
    SessionStatus,
)
from cursus_xblock.services import documents, registration
from cursus_xblock.xblock.block import CursusXBlock

from ..factories import CourseFactory, EventFactory, SessionFactory, UserFactory
from .runtime import COURSE_RUN, BlockRuntime, LmsUserService, as_lms_user, get, make_block, post

pytestmark = pytest.mark.django_db


def open_session(**kwargs):
    defaults = {"workspace_key": COURSE_RUN, "self_registration": True, "self_unregistration": True, "capacity": 3}
    return SessionFactory(**{**defaults, **kwargs})


def html_of(block, view="student_view"):
    return block.render(view).body_html()


def text_of(html):
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def learner_row(user, session):
    return Registration.objects.filter(user=user, session=session, role=Role.LEARNER).first()


# --- what each viewer sees ---------------------------------------------------------------------


def test_anonymous_sees_sessions_and_no_action():
    session = open_session(name="Gestes de premiers secours")
    html = html_of(make_block(as_lms_user(None)))
    assert "Gestes de premiers secours" in html
    assert (
        '<a class="cursus-link cursus-sign-in" href="/accounts/login/">Sign in to register for a session.</a>' in html
    )
    assert "cursus-register" not in html and "cursus-leave" not in html
    assert "3 seats left" in text_of(html)
    assert session.registrations.count() == 0


def test_learner_sees_register_only_where_the_session_allows_it():
    allowed = open_session(name="Ouverte")
    closed_to_learners = open_session(name="Sur inscription par un gestionnaire", self_registration=False)
    learner = UserFactory()
    html = html_of(make_block(as_lms_user(learner)))
    assert f'cursus-register" data-session="{allowed.pk}"' in html
    assert f'data-session="{closed_to_learners.pk}"' in html  # listed …
    assert f'cursus-register" data-session="{closed_to_learners.pk}"' not in html  # … without a button
    assert "Registration through a training manager" in text_of(html)
    assert "Sign in" not in html


def test_registered_learner_sees_status_leave_calendar_and_documents():
    session = open_session()
    event = EventFactory(session=session, name="Théorie", registration_type=EventRegistrationType.AUTO)
    learner = UserFactory()
    (outcome,) = registration.register(user=learner, sessions=[session], role=Role.LEARNER)
    invitation = documents.issue(kind=DocumentKind.SESSION_INVITATION, registration=outcome.registration)
    html = html_of(make_block(as_lms_user(learner)))
    text = text_of(html)
    assert 'cursus-status-registered">Registered<' in html
    assert f'cursus-leave" data-session="{session.pk}"' in html
    assert "cursus-register" not in html
    assert "2 seats left" in text
    assert f"session={session.pk}&amp;event={event.pk}" in html  # the séance's "Add to calendar"
    assert f"id={invitation.pk}" in html and "Session invitation" in text


def test_waiting_and_pending_learners_see_their_place():
    full = open_session(capacity=1, name="Complète")
    validated = open_session(validation_required=True, name="Avec validation")
    registration.register(user=UserFactory(), sessions=[full], role=Role.LEARNER)
    registration.register(user=UserFactory(), sessions=[full], role=Role.LEARNER)
    learner = UserFactory()
    registration.register(user=learner, sessions=[full, validated], role=Role.LEARNER)
    html = html_of(make_block(as_lms_user(learner)))
    assert 'cursus-status-waiting">Waiting list #2<' in html
    assert 'cursus-status-pending">Pending validation<' in html


def test_leave_is_hidden_once_the_session_started_or_when_not_allowed():
    started = open_session(start=timezone.now() - datetime.timedelta(hours=1))
    kept = open_session(self_unregistration=False)
    learner = UserFactory()
    registration.register(user=learner, sessions=[started, kept], role=Role.LEARNER)
    html = html_of(make_block(as_lms_user(learner)))
    assert html.count("cursus-status-registered") == 2
    assert "cursus-leave" not in html
    assert text_of(html).count("To leave, ask a training manager") == 2


def test_trainer_sees_the_learners_of_the_sessions_they_train():
    session = open_session(capacity=1)
    other = open_session()
    trainer = UserFactory()
    registration.register(user=trainer, sessions=[session], role=Role.TRAINER)
    first = UserFactory(first_name="Zoé", last_name="Arnaud")
    waiting = UserFactory(first_name="Éric", last_name="Blanc")
    elsewhere = UserFactory(first_name="Nina", last_name="Ailleurs")
    registration.register(user=first, sessions=[session], role=Role.LEARNER)
    registration.register(user=waiting, sessions=[session], role=Role.LEARNER)
    registration.register(user=elsewhere, sessions=[other], role=Role.LEARNER)
    text = text_of(html_of(make_block(as_lms_user(trainer))))
    assert "Trainer" in text
    assert "2 learners" in text
    assert "Zoé Arnaud Confirmed" in text
    assert "Éric Blanc Waiting list #1" in text
    assert "Nina Ailleurs" not in text
    # A learner never sees the others.
    assert "Zoé Arnaud" not in text_of(html_of(make_block(as_lms_user(waiting))))


def test_past_and_cancelled_sessions_show_only_when_asked_or_when_mine():
    past = open_session(name="Passée")
    cancelled = open_session(name="Annulée", status=SessionStatus.CANCELLED)
    learner = UserFactory()
    registration.register(user=UserFactory(), sessions=[past], role=Role.LEARNER)  # someone else's
    past.start, past.end = timezone.now() - datetime.timedelta(days=5), timezone.now() - datetime.timedelta(days=4)
    past.save()
    text = text_of(html_of(make_block(as_lms_user(learner))))
    assert "Passée" not in text and "Annulée" not in text
    assert "Passée" in text_of(html_of(make_block(as_lms_user(learner), show_past=True)))
    other_past = open_session(name="Suivie")
    registration.register(user=learner, sessions=[other_past], role=Role.LEARNER)
    other_past.start, other_past.end = past.start, past.end
    other_past.save()
    text = text_of(html_of(make_block(as_lms_user(learner))))
    assert "Passée" not in text
    assert "Suivie" in text and "Ended" in text
    assert cancelled.name not in text


def test_sessions_of_a_training_course_by_code_and_seats_hidden():
    course = CourseFactory(code="EXCEL")
    mine = open_session(course=course, name="Excel niveau 1", workspace_key="course-v1:Org+Other+2026")
    open_session(name="Autre formation")
    block = make_block(as_lms_user(UserFactory()), source="course", course_code="EXCEL", show_seats_left=False)
    text = text_of(html_of(block))
    assert "Excel niveau 1" in text and "Autre formation" not in text
    assert "seats left" not in text
    assert mine.course == course


def test_dates_in_the_viewers_time_zone_preference():
    session = open_session(
        start=datetime.datetime(2027, 3, 10, 8, 0, tzinfo=datetime.UTC),
        end=datetime.datetime(2027, 3, 10, 16, 0, tzinfo=datetime.UTC),
    )
    text = text_of(html_of(make_block(BlockRuntime(LmsUserService(UserFactory(), time_zone="America/Montreal")))))
    assert "March 10, 2027, 3 a.m. – 11 a.m. (Montreal time)" in text
    # No preference: the session's zone (the browser's zone then replaces it in JavaScript).
    text = text_of(html_of(make_block(as_lms_user(UserFactory()))))
    assert "March 10, 2027, 9 a.m. – 5 p.m. (Paris time)" in text
    assert session.time_zone == "Europe/Paris"


def test_french():
    open_session(capacity=5)
    with translation.override("fr"):
        html = html_of(make_block(as_lms_user(UserFactory())))
    text = text_of(html)
    assert "Sessions de formation" in text
    assert "5 places restantes" in text
    assert ">S’inscrire<" in html


def test_author_view_is_a_preview_without_buttons():
    open_session(name="Visible")
    html = html_of(make_block(as_lms_user(UserFactory())), "author_view")
    assert "Visible" in html
    assert f"Sessions whose workspace is {COURSE_RUN}" in text_of(html)
    assert "cursus-register" not in html


def test_a_block_outside_a_course_run_asks_for_a_course_code():
    open_session()
    text = text_of(html_of(make_block(as_lms_user(UserFactory()), in_course=False)))
    assert "not inside a course run" in text
    text = text_of(html_of(make_block(as_lms_user(UserFactory()), source="course", course_code="NOPE")))
    assert "No training course has the code “NOPE”." in text


def test_studio_settings_refuse_an_unknown_course_code():
    CourseFactory(code="SST")
    block = make_block(as_lms_user(UserFactory()))
    edits = {"values": {"source": "course", "course_code": "XYZ"}, "defaults": []}
    status, body = post(block, "submit_studio_edits", edits)
    assert status == 400 and "XYZ" in str(body)
    assert block.source == "course_run"
    edits["values"]["course_code"] = "SST"
    status, _ = post(block, "submit_studio_edits", edits)
    assert status == 200 and block.course_code == "SST"
    assert "Training course code" in block.render("studio_view").body_html()


def test_queries_do_not_grow_with_the_sessions():
    def count(n):
        learner = UserFactory()
        trainer = UserFactory()
        for _ in range(n):
            session = open_session()
            EventFactory(session=session)
            registration.register(user=learner, sessions=[session], role=Role.LEARNER)
            registration.register(user=trainer, sessions=[session], role=Role.TRAINER)
            registration.register(user=UserFactory(), sessions=[session], role=Role.LEARNER)
        counts = []
        for viewer in (learner, trainer):
            block = make_block(as_lms_user(viewer))
            with CaptureQueriesContext(connection) as queries:
                block.render("student_view")
            counts.append(len(queries))
        return counts

    assert count(2) == count(12)


# --- handlers ------------------------------------------------------------------------------------


def test_register_then_leave():
    session = open_session()
    learner = UserFactory()
    block = make_block(as_lms_user(learner))
    status, body = post(block, "register", {"session": session.pk})
    assert status == 200, body
    row = learner_row(learner, session)
    assert row.status == RegistrationStatus.CONFIRMED and row.registered_by == learner
    assert body["message"] == f"You are registered for {session.name}."
    assert "cursus-status-registered" in body["html"]

    status, body = post(block, "leave", {"session": session.pk, "reason": "Un empêchement"})
    assert status == 200, body
    row.refresh_from_db()
    assert row.status == RegistrationStatus.CANCELLED
    last = RegistrationHistory.objects.filter(registration=row).latest("pk")
    assert (last.action, last.actor, last.reason) == (HistoryAction.CANCELLED, learner, "Un empêchement")
    assert "cursus-register" in body["html"]
    assert block.runtime.events == [
        ("cursus.session.registered", {"session_id": session.pk, "result": "registered"}),
        ("cursus.session.left", {"session_id": session.pk}),
    ]


def test_register_in_a_full_session_joins_the_waiting_list():
    session = open_session(capacity=1)
    registration.register(user=UserFactory(), sessions=[session], role=Role.LEARNER)
    learner = UserFactory()
    html = html_of(make_block(as_lms_user(learner)))
    assert "Join the waiting list" in html and "Full — waiting list open" in text_of(html)
    status, body = post(make_block(as_lms_user(learner)), "register", {"session": session.pk})
    assert status == 200
    assert learner_row(learner, session).status == RegistrationStatus.WAITING
    assert "position 1" in body["message"]
    assert "Waiting list #1" in body["html"]
    assert f'data-confirm="Leave the waiting list of the session {session.name}?"' in body["html"]


def test_full_session_without_waiting_list_refuses():
    session = open_session(capacity=1, waiting_list_enabled=False)
    registration.register(user=UserFactory(), sessions=[session], role=Role.LEARNER)
    learner = UserFactory()
    assert "cursus-register" not in html_of(make_block(as_lms_user(learner)))
    status, body = post(make_block(as_lms_user(learner)), "register", {"session": session.pk})
    assert (status, body["error"]) == (409, "The session is full.")
    assert learner_row(learner, session) is None


@pytest.mark.parametrize(
    "status_field, message",
    [
        (SessionStatus.CLOSED, "Registration for this session is closed."),
        (SessionStatus.CANCELLED, "This session is cancelled."),
    ],
)
def test_closed_sessions_refuse(status_field, message):
    session = open_session(status=status_field)
    learner = UserFactory()
    status, body = post(make_block(as_lms_user(learner)), "register", {"session": session.pk})
    assert (status, body["error"]) == (409, message)
    assert learner_row(learner, session) is None


def test_register_where_not_allowed_is_refused():
    session = open_session(self_registration=False)
    learner = UserFactory()
    status, body = post(make_block(as_lms_user(learner)), "register", {"session": session.pk})
    assert status == 403 and "ask a training manager" in body["error"]
    assert learner_row(learner, session) is None


def test_a_trainer_cannot_register_as_learner_in_their_session():
    session = open_session()
    trainer = UserFactory()
    registration.register(user=trainer, sessions=[session], role=Role.TRAINER)
    status, body = post(make_block(as_lms_user(trainer)), "register", {"session": session.pk})
    assert status == 403 and "trainer of this session" in body["error"]
    assert learner_row(trainer, session) is None


def test_leave_where_not_allowed_or_started_changes_nothing():
    kept = open_session(self_unregistration=False)
    started = open_session(start=timezone.now() - datetime.timedelta(hours=1))
    learner = UserFactory()
    registration.register(user=learner, sessions=[kept, started], role=Role.LEARNER)
    block = make_block(as_lms_user(learner))
    status, body = post(block, "leave", {"session": kept.pk})
    assert status == 403 and "ask a training manager" in body["error"]
    status, body = post(block, "leave", {"session": started.pk})
    assert status == 409 and "has started" in body["error"]
    assert {learner_row(learner, s).status for s in (kept, started)} == {RegistrationStatus.CONFIRMED}


def test_a_tampered_payload_acts_for_the_viewer_only():
    session = open_session()
    viewer, other = UserFactory(), UserFactory()
    (others,) = registration.register(user=other, sessions=[session], role=Role.LEARNER)
    block = make_block(as_lms_user(viewer))
    forged = {"session": session.pk, "user": other.pk, "user_id": other.pk, "username": other.username}
    status, _ = post(block, "leave", {**forged, "registration": others.registration.pk})
    assert status == 409  # the viewer has nothing to leave …
    assert learner_row(other, session).status == RegistrationStatus.CONFIRMED  # … and the other keeps their seat
    status, _ = post(block, "register", forged)
    assert status == 200
    assert learner_row(viewer, session).status == RegistrationStatus.CONFIRMED
    assert Registration.objects.filter(user=other).count() == 1


@pytest.mark.parametrize(
    "payload",
    [{}, {"session": "x"}, {"session": 0}, {"session": 2**70}, ["session"], {"session": None}, "1"],
)
def test_bad_payloads_get_a_clear_message(payload):
    open_session()
    status, body = post(make_block(as_lms_user(UserFactory())), "register", payload)
    assert (status, body["error"]) == (404, "This session is not offered here.")
    assert Registration.objects.count() == 0


def test_a_session_of_another_course_run_is_not_offered_here():
    elsewhere = open_session(workspace_key="course-v1:Org+Other+2026")
    learner = UserFactory()
    status, _ = post(make_block(as_lms_user(learner)), "register", {"session": elsewhere.pk})
    assert status == 404
    assert learner_row(learner, elsewhere) is None


def test_anonymous_handlers_are_refused():
    session = open_session()
    status, body = post(make_block(as_lms_user(None)), "register", {"session": session.pk})
    assert (status, body["error"]) == (403, "Sign in to register.")
    assert Registration.objects.count() == 0


def test_get_changes_nothing():
    session = open_session()
    learner = UserFactory()
    response = get(make_block(as_lms_user(learner)), "register", f"session={session.pk}")
    assert response.status_code == 405
    assert learner_row(learner, session) is None


def test_without_edx_user_attributes_the_viewer_is_the_request_user():
    session = open_session()
    learner = UserFactory()
    block = make_block(BlockRuntime(), in_course=True)
    status, _ = post(block, "register", {"session": session.pk})
    assert status == 403  # no request user: anonymous
    with impersonate(learner):
        status, _ = post(block, "register", {"session": session.pk})
    assert status == 200
    assert learner_row(learner, session).registered_by == learner


# --- downloads -----------------------------------------------------------------------------------


def test_calendar_of_my_seances():
    session = open_session(code="SST-9")
    first = EventFactory(session=session, name="Théorie")
    EventFactory(session=session, name="Pratique")
    learner = UserFactory(email="zoe@example.org")
    registration.register(user=learner, sessions=[session], role=Role.LEARNER)
    block = make_block(as_lms_user(learner))
    response = get(block, "calendar", f"session={session.pk}")
    assert response.status_code == 200
    assert response.content_type == "text/calendar"
    assert 'filename="SST-9.ics"' in response.headers["Content-Disposition"]
    calendar = Calendar.from_ical(response.body)
    assert calendar["METHOD"] == "PUBLISH"
    summaries = sorted(str(e["SUMMARY"]) for e in calendar.walk("VEVENT"))
    assert [s.split(" — ")[0] for s in summaries] == ["Pratique", "Théorie"]
    one = Calendar.from_ical(get(block, "calendar", f"session={session.pk}&event={first.pk}").body)
    assert [str(e["SUMMARY"]).split(" — ")[0] for e in one.walk("VEVENT")] == ["Théorie"]


def test_calendar_and_documents_are_the_viewers_own():
    session = open_session()
    event = EventFactory(session=session)
    learner, other = UserFactory(), UserFactory()
    registration.register(user=learner, sessions=[session], role=Role.LEARNER)
    (others,) = registration.register(user=other, sessions=[session], role=Role.LEARNER)
    not_mine = documents.issue(kind=DocumentKind.SESSION_INVITATION, registration=others.registration)
    block = make_block(as_lms_user(learner))
    assert get(block, "document", f"id={not_mine.pk}").status_code == 404
    assert get(block, "document", "id=abc").status_code == 404
    assert get(make_block(as_lms_user(None)), "calendar", f"session={session.pk}").status_code == 404
    assert get(block, "calendar", "session=999999").status_code == 404
    assert get(block, "calendar", f"session={session.pk}&event=999999").status_code == 404
    assert get(make_block(as_lms_user(other)), "calendar", f"session={session.pk}&event={event.pk}").status_code == 200
    for handler in ("calendar", "document"):
        assert post(block, handler, {"session": session.pk}) == (405, "Use GET.")


def test_download_my_document_as_issued():
    session = open_session()
    learner = UserFactory(first_name="Zoé", last_name="Müller")
    (outcome,) = registration.register(user=learner, sessions=[session], role=Role.LEARNER)
    issued = documents.issue(kind=DocumentKind.SESSION_INVITATION, registration=outcome.registration)
    response = get(make_block(as_lms_user(learner)), "document", f"id={issued.pk}")
    assert response.status_code == 200
    assert response.content_type == "application/pdf"
    assert response.body == documents.read_content(issued)
    assert response.body.startswith(b"%PDF")
    header = Message()
    header["Content-Disposition"] = response.headers["Content-Disposition"]
    assert (header.get_content_disposition(), header.get_filename()) == ("attachment", issued.filename)


def test_block_class_is_the_entry_point():
    from xblock.core import XBlock

    assert XBlock.load_class("cursus") is CursusXBlock


def test_a_long_list_is_cut_and_says_how_many_are_left_out(monkeypatch):
    from cursus_xblock.xblock import listing

    monkeypatch.setattr(listing, "MAX_SESSIONS", 3)
    for day in range(5):
        open_session(name=f"Session du jour {day}", start=timezone.now() + datetime.timedelta(days=day + 1))
    text = text_of(html_of(make_block(as_lms_user(UserFactory()))))
    assert [f"Session du jour {day}" in text for day in range(5)] == [True, True, True, False, False]
    assert "2 more sessions are not shown." in text
