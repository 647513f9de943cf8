"""Self check-in in the XBlock and on its short page: open, code, sign, validate, countersign (issue 16 item 2)."""

import html as html_module
import re

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from cursus_xblock.models import Attendance, CheckInWindow, RegistrationHistory, Session, Signature, SignatureRole
from cursus_xblock.services import checkin

from ..attendance import held_session
from ..checkin import live_session, signature_png
from ..factories import UserFactory
from .runtime import COURSE_RUN, as_lms_user, make_block, post

pytestmark = pytest.mark.django_db


@pytest.fixture
def held():
    held = live_session(learners=2)
    Session.objects.filter(pk=held.session.pk).update(workspace_key=COURSE_RUN)
    return held


@pytest.fixture
def people(held):
    """The permission matrix's viewers: nobody, a learner, a learner elsewhere, a trainer elsewhere, a manager."""
    elsewhere = held_session(learners=1, organization="AILLEURS", trainer="autre.formatrice")
    manager = UserFactory(username="gestionnaire", is_staff=True)
    manager.user_permissions.add(Permission.objects.get(codename="manage_registrations"))
    return {
        "anonymous": None,
        "learner": held.learners[0],
        "other learner": elsewhere.learners[0],
        "other trainer": elsewhere.trainer,
        "manager": manager,
        "trainer": held.trainer,
    }


def page(user):
    return html_module.unescape(make_block(as_lms_user(user)).render("student_view").body_html())


def test_the_trainer_opens_check_in_and_shows_the_code_and_qr_code(held):
    assert "Open check-in" in page(held.trainer)

    status, body = post(make_block(as_lms_user(held.trainer)), "checkin_open", {"event": held.past.pk})

    assert status == 200, body
    assert body["message"].startswith("Check-in is open until ")
    window = CheckInWindow.objects.get(event=held.past)
    code = checkin.checkin_code(window)[0]
    assert f'<strong class="cursus-checkin-now">{code}</strong>' in body["html"]
    assert 'class="cursus-checkin-qr" src="data:image/svg+xml' in body["html"]
    assert checkin.checkin_url(held.past, code) in body["html"]
    status, body = post(make_block(as_lms_user(held.trainer)), "checkin_code", {"event": held.past.pk})
    assert (
        status == 200 and body["code"] == code and body["url"].endswith(f"/cursus/checkin/{held.past.pk}/?code={code}")
    )


def test_a_learner_checks_in_from_the_block_and_the_trainer_validates_in_the_roll_call(held):
    window = checkin.open_checkin(event=held.past, actor=held.trainer)
    learner = held.learners[0]
    assert "Sign and check in" in page(learner)
    assert "Sign and check in" not in page(held.trainer)

    status, body = post(
        make_block(as_lms_user(learner)),
        "check_in",
        {"event": held.past.pk, "code": checkin.checkin_code(window)[0], "image": signature_png()},
    )

    assert status == 200, body
    assert body["message"] == "You have checked in. Your trainer will validate your attendance."
    assert "— present, to be validated" in html_module.unescape(body["html"])
    trainer_page = page(held.trainer)
    assert "Validate 1 check-in as present" in trainer_page
    assert "— present, to be validated" in trainer_page
    cell = held.cell(learner, held.past)
    status, body = post(
        make_block(as_lms_user(held.trainer)),
        "attendance",
        {"event": held.past.pk, "registration": cell.registration_id, "state": "present"},
    )
    assert status == 200, body
    cell.refresh_from_db()
    signature = Signature.objects.get(user=learner)
    assert (cell.attendance, signature.validated_by) == (Attendance.PRESENT, held.trainer)
    assert "— present, to be validated" not in page(held.trainer)


def test_a_learner_naming_someone_else_still_signs_only_for_themself(held):
    window = checkin.open_checkin(event=held.past, actor=held.trainer)
    other = held.learners[1]
    payload = {
        "event": held.past.pk,
        "code": checkin.checkin_code(window)[0],
        "typed_name": other.get_full_name(),
        "user": other.pk,
        "registration": held.cell(other, held.past).registration_id,
    }

    status, _body = post(make_block(as_lms_user(held.learners[0])), "check_in", payload)

    assert status == 200
    assert list(Signature.objects.values_list("user", flat=True)) == [held.learners[0].pk]


def test_the_trainer_validates_all_and_countersigns(held):
    window = checkin.open_checkin(event=held.past, actor=held.trainer)
    for learner in held.learners:
        checkin.check_in(event=held.past, user=learner, code=checkin.checkin_code(window)[0], typed_name="A B")
    block = make_block(as_lms_user(held.trainer))

    status, body = post(block, "checkin_validate", {"event": held.past.pk})
    assert (status, body["message"]) == (200, "Check-ins validated: 2.")
    status, body = post(block, "countersign", {"event": held.past.pk, "image": signature_png()})
    assert (status, body["message"]) == (200, "Your countersignature is saved.")
    assert "You countersigned at " in body["html"]
    assert Signature.objects.filter(role=SignatureRole.TRAINER, user=held.trainer).count() == 1
    status, body = post(block, "countersign", {"event": held.past.pk, "typed_name": "F D"})
    assert (status, body) == (409, {"error": "You have already countersigned this séance."})
    status, body = post(block, "checkin_close", {"event": held.past.pk})
    assert (status, body["message"]) == (200, "Check-in is closed.")


@pytest.mark.parametrize(
    ("handler", "payload", "status", "error"),
    [
        ("check_in", {"code": "000000"}, 409, "This code is wrong or has expired"),
        ("check_in", {"image": "data:image/svg+xml;base64,PHN2Zz4="}, 400, "The signature must be a PNG image"),
        ("check_in", {"image": 7}, 400, "The signature must be a PNG image"),
        ("check_in", {"event": 10**9}, 404, "This séance is not offered here."),
        ("checkin_open", {"event": "later"}, 409, "Check-in opens 15 minutes before the séance starts"),
    ],
)
def test_handler_refusals_change_nothing(held, handler, payload, status, error):
    window = checkin.open_checkin(event=held.past, actor=held.trainer)
    data = {"event": held.past.pk, "code": checkin.checkin_code(window)[0], "typed_name": "A B", **payload}
    if data["event"] == "later":
        data["event"] = held.later.pk
    viewer = held.trainer if handler == "checkin_open" else held.learners[0]

    answer = post(make_block(as_lms_user(viewer)), handler, data)

    assert answer[0] == status and answer[1]["error"].startswith(error), answer
    assert not Signature.objects.exists()
    assert not CheckInWindow.objects.filter(event=held.later).exists()
    assert not RegistrationHistory.objects.filter(action="checked_in").exists()


MANAGE = "Only the trainers of this session and its training managers manage its check-in."


@pytest.mark.parametrize(
    "handler", ["checkin_open", "checkin_close", "checkin_code", "checkin_validate", "countersign"]
)
@pytest.mark.parametrize(
    ("who", "allowed"),
    [("anonymous", False), ("learner", False), ("other learner", False), ("other trainer", False), ("manager", True)],
)
def test_permission_matrix_of_the_trainers_handlers(held, people, handler, who, allowed):
    if handler in ("checkin_close", "checkin_code"):
        checkin.open_checkin(event=held.past, actor=held.trainer)
    data = {"event": held.past.pk, "typed_name": "Gaëlle Gestion"}

    status, body = post(make_block(as_lms_user(people[who])), handler, data)

    if allowed:
        assert status == 200, body
    else:
        assert (status, body) == (403, {"error": "Sign in first." if who == "anonymous" else MANAGE})
        assert not Signature.objects.exists()
        assert CheckInWindow.objects.filter(closed_at__isnull=False).count() == 0


@pytest.mark.parametrize(
    ("who", "status", "error"),
    [
        ("anonymous", 403, "Sign in first."),
        ("learner", 200, None),
        ("other learner", 409, "You are not a registered learner of this séance."),
        ("other trainer", 409, "You are not a registered learner of this séance."),
        ("manager", 409, "You are not a registered learner of this séance."),
        ("trainer", 409, "You are not a registered learner of this séance."),
    ],
)
def test_permission_matrix_of_check_in(held, people, who, status, error):
    window = checkin.open_checkin(event=held.past, actor=held.trainer)
    data = {"event": held.past.pk, "code": checkin.checkin_code(window)[0], "typed_name": "A B"}

    answer = post(make_block(as_lms_user(people[who])), "check_in", data)

    assert answer[0] == status
    if error:
        assert answer[1] == {"error": error}
        assert not Signature.objects.exists()


@pytest.mark.parametrize(
    ("who", "status"),
    [("anonymous", 302), ("learner", 200), ("other learner", 403), ("other trainer", 403), ("manager", 403)],
)
def test_permission_matrix_of_the_check_in_page(client, held, people, who, status):
    window = checkin.open_checkin(event=held.past, actor=held.trainer)
    code = checkin.checkin_code(window)[0]
    if people[who] is not None:
        client.force_login(people[who])
    url = reverse("cursus_xblock:checkin", args=[held.past.pk])

    got = client.get(url, {"code": code})
    posted = client.post(url, {"code": code, "typed_name": "A B"})

    assert got.status_code == status
    if status == 302:
        assert "login" in got["Location"] and posted.status_code == 302
    if status == 403:
        assert "You are not a registered learner of this séance." in got.content.decode()
        assert posted.status_code == 403
    expected = [people[who].pk] if who == "learner" else []
    assert list(Signature.objects.values_list("user", flat=True)) == expected


def test_the_check_in_page_prefills_the_code_signs_and_refuses_a_wrong_code(client, held):
    window = checkin.open_checkin(event=held.past, actor=held.trainer)
    code = checkin.checkin_code(window)[0]
    client.force_login(held.learners[0])
    url = reverse("cursus_xblock:checkin", args=[held.past.pk])

    got = client.get(url, {"code": code})
    assert f'value="{code}"' in got.content.decode()
    assert client.post(url, {"code": "12", "typed_name": "A B"}).status_code == 400
    assert not Signature.objects.exists()
    answer = client.post(url, {"code": code, "signature": signature_png()})
    assert answer.status_code == 302 and answer["Location"] == url
    done = client.get(url).content.decode()
    assert "You checked in at" in done and "Sign and check in" not in done
    assert client.post(url, {"code": code, "typed_name": "A B"}).status_code == 400  # once only
    assert Signature.objects.get().image is not None


def test_the_check_in_page_in_french(client, held):
    client.force_login(held.learners[0])
    answer = client.get(reverse("cursus_xblock:checkin", args=[held.past.pk]), HTTP_ACCEPT_LANGUAGE="fr")
    text = answer.content.decode()
    assert "Émargement" in text and "Code de la séance" in text


def test_justification_links_for_the_learner_and_for_the_trainer_of_an_absence(held):
    from cursus_xblock.services import attendance

    cell = held.cell(held.learners[0], held.past)
    url = reverse("cursus_xblock:evidence", args=[cell.pk])
    assert f'href="{url}">Justify an absence' in page(held.learners[0])
    assert url not in page(held.trainer)  # nothing recorded yet: no absence to justify

    attendance.attendance_mark(event_registration=cell, state=Attendance.ABSENT_UNJUSTIFIED, actor=held.trainer)

    assert f'href="{url}">Attach a justification for {held.learners[0].get_full_name()}' in page(held.trainer)
    attendance.attendance_mark(event_registration=cell, state=Attendance.PRESENT, actor=held.trainer)
    assert url not in page(held.learners[0])


def test_check_in_attempts_are_limited_per_person_across_the_block_and_the_page(client, held):
    checkin.open_checkin(event=held.past, actor=held.trainer)
    learner = held.learners[0]
    block = make_block(as_lms_user(learner))
    for _ in range(5):
        assert post(block, "check_in", {"event": held.past.pk, "code": "x", "typed_name": "A B"})[0] == 409
    client.force_login(learner)
    url = reverse("cursus_xblock:checkin", args=[held.past.pk])
    for _ in range(5):
        assert client.post(url, {"code": "x", "typed_name": "A B"}).status_code == 400

    status, body = post(block, "check_in", {"event": held.past.pk, "code": "x", "typed_name": "A B"})
    page_answer = client.post(url, {"code": "x", "typed_name": "A B"})

    assert status == 429 and body["error"].startswith("Request was throttled.")
    assert page_answer.status_code == 429 and "Request was throttled." in page_answer.content.decode()
    assert client.get(url).status_code == 200  # reading the page is not an attempt


def test_the_roll_of_a_seance_starting_in_ten_minutes_opens_check_in_but_locks_the_selects(held):
    import datetime

    from django.utils import timezone

    from cursus_xblock.models import Event

    soon = timezone.now() + datetime.timedelta(minutes=10)
    Event.objects.filter(pk=held.later.pk).update(start=soon, end=soon + datetime.timedelta(hours=1))
    html = page(held.trainer)

    assert f'data-action="checkin_open" data-event="{held.later.pk}"' in html
    assert html.count(f'data-event="{held.later.pk}" data-registration=') == 2
    assert all("disabled" in tag for tag in re.findall(rf'<select[^>]*data-event="{held.later.pk}"[^>]*>', html))
    assert not any("disabled" in tag for tag in re.findall(rf'<select[^>]*data-event="{held.past.pk}"[^>]*>', html))
