"""The trainer's roll call in the XBlock: the séance's learners with a select, saved at once (issue 16 item 1)."""

import html as html_module
import re

import pytest
from django.utils import translation
from webob import Request

from cursus_xblock.models import Attendance, RegistrationHistory, Session

from ..attendance import held_session
from .runtime import COURSE_RUN, as_lms_user, make_block, post

pytestmark = pytest.mark.django_db


@pytest.fixture
def held():
    held = held_session(learners=2)
    Session.objects.filter(pk=held.session.pk).update(workspace_key=COURSE_RUN)
    return held


def _labels(html):
    return [
        html_module.unescape(label) for label in re.findall(r'class="cursus-attendance"[^>]*aria-label="([^"]*)"', html)
    ]


def test_trainer_sees_the_roll_of_each_seance_held(held):
    html = make_block(as_lms_user(held.trainer)).render("student_view").body_html()

    people = [p.get_full_name() for p in held.learners]
    assert _labels(html) == [f"Attendance of {person} at Accueil" for person in people]  # not the séance ahead
    assert (
        f'data-event="{held.past.pk}" data-registration="{held.cell(held.learners[0], held.past).registration_id}"'
        in html
    )


def test_learners_see_no_roll(held):
    html = make_block(as_lms_user(held.learners[0])).render("student_view").body_html()

    assert "cursus-attendance" not in html


def test_trainer_saves_a_state_at_once_with_history(held):
    cell = held.cell(held.learners[0], held.past)
    block = make_block(as_lms_user(held.trainer))

    status, body = post(
        block, "attendance", {"event": held.past.pk, "registration": cell.registration_id, "state": "present"}
    )

    assert status == 200, body
    assert body == {"message": f"Attendance of {held.learners[0].get_full_name()} saved: Present.", "state": "present"}
    cell.refresh_from_db()
    assert (cell.attendance, cell.attendance_by) == (Attendance.PRESENT, held.trainer)
    (entry,) = RegistrationHistory.objects.filter(action="attendance")
    assert (entry.actor, entry.new_value) == (held.trainer, "present")

    status, body = post(
        block, "attendance", {"event": held.past.pk, "registration": cell.registration_id, "state": "unknown"}
    )
    cell.refresh_from_db()
    assert (status, cell.attendance) == (200, Attendance.UNKNOWN)


@pytest.mark.parametrize(
    "who, payload, status, error",
    [
        ("anonymous", {}, 403, "Sign in first."),
        ("learner", {}, 403, "Only the trainers of this session take its attendance."),
        ("other trainer", {}, 403, "Only the trainers of this session take its attendance."),
        ("trainer", {"event": 10**9}, 404, "This séance is not offered here."),
        ("trainer", {"event": "later"}, 409, "Attendance can only be recorded once the event has started."),
        ("trainer", {"registration": 10**9}, 409, "This person is not a learner of this séance."),
        ("trainer", {"registration": "trainer"}, 409, "This person is not a learner of this séance."),
        ("trainer", {"state": "late"}, 400, "Unknown attendance state: late."),
    ],
)
def test_refusals_change_nothing(held, who, payload, status, error):
    other_trainer = held_session(learners=0, organization="AILLEURS", trainer="autre.formatrice").trainer
    viewer = {"anonymous": None, "learner": held.learners[0], "other trainer": other_trainer, "trainer": held.trainer}[
        who
    ]
    cell = held.cell(held.learners[0], held.past)
    data = {"event": held.past.pk, "registration": cell.registration_id, "state": "present", **payload}
    if data["event"] == "later":
        data["event"] = held.later.pk
    if data["registration"] == "trainer":
        data["registration"] = held.cell(held.trainer, held.past).registration_id

    answer = post(make_block(as_lms_user(viewer)), "attendance", data)

    assert answer == (status, {"error": error})
    assert not RegistrationHistory.objects.filter(action="attendance").exists()


def test_only_json_posts(held):
    block = make_block(as_lms_user(held.trainer))
    form = Request.blank("/", method="POST", body=b"event=1")
    form.content_type = "application/x-www-form-urlencoded"

    assert block.runtime.handle(block, "attendance", form).status_code == 415
    assert block.runtime.handle(block, "attendance", Request.blank("/", method="GET")).status_code == 405


def test_the_roll_call_in_french(held):
    cell = held.cell(held.learners[0], held.past)
    person = held.learners[0].get_full_name()
    with translation.override("fr"):
        html = make_block(as_lms_user(held.trainer)).render("student_view").body_html()
        status, body = post(
            make_block(as_lms_user(held.trainer)),
            "attendance",
            {"event": held.past.pk, "registration": cell.registration_id, "state": "absent_justified"},
        )

    assert f"Présence d'{person} à Accueil" in _labels(html)  # elided before a vowel
    assert "Présences — Accueil" in html
    assert (status, body["message"]) == (200, f"Présence d'{person} enregistrée : Absence justifiée."), body
