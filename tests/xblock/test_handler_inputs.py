"""What the handlers accept: JSON bodies only, the API's throttle, the one rule for a reason.

The LMS serves handlers from a CSRF-exempt view, so the body's media type is what keeps another
site's form from acting for a signed-in learner; and the handlers are a second door to the same
seats as ``me/registrations/``, so they count against the same per-person budget.
"""

import json

import pytest
from django.urls import reverse
from rest_framework.test import APIClient
from webob import Request

from cursus_xblock.models import HistoryAction, Registration, RegistrationHistory, RegistrationStatus, Role
from cursus_xblock.services import registration
from cursus_xblock.services.inputs import REASON_MAX_LENGTH

from .. import backends
from ..factories import SessionFactory, UserFactory
from .runtime import COURSE_RUN, as_lms_user, make_block, post

pytestmark = pytest.mark.django_db


def open_session(**kwargs):
    defaults = {"workspace_key": COURSE_RUN, "self_registration": True, "self_unregistration": True, "capacity": 30}
    return SessionFactory(**{**defaults, **kwargs})


def raw_post(block, handler, body, content_type):
    request = Request.blank("/", method="POST", body=body)
    request.content_type = content_type
    response = block.runtime.handle(block, handler, request)
    return response


def state():
    return (
        list(Registration.objects.order_by("pk").values_list("pk", "status")),
        RegistrationHistory.objects.count(),
    )


# --- item 8: the same throttle as the API ----------------------------------------------------------


@pytest.fixture
def api(settings):
    settings.ROOT_URLCONF = "tests.api.urls"
    settings.REST_FRAMEWORK = {"DEFAULT_THROTTLE_RATES": {"cursus_self_registration": "3/minute"}}

    def client(user):
        client = APIClient()
        client.force_authenticate(user)
        return client

    return client


def test_xblock_throttle_shared_with_api(api):
    sessions = [open_session() for _ in range(5)]
    learner = UserFactory()
    url = reverse("cursus_xblock:api-me-registration-list")
    assert api(learner).post(url, {"session": sessions[0].pk}, format="json").status_code == 201
    block = make_block(as_lms_user(learner))
    assert post(block, "register", {"session": sessions[1].pk})[0] == 200
    assert post(block, "leave", {"session": sessions[1].pk})[0] == 200
    # Three calls in the minute, through either door: the fourth is refused by both.
    before = state()
    request = Request.blank("/", method="POST", body=json.dumps({"session": sessions[2].pk}).encode())
    request.content_type = "application/json"
    response = block.runtime.handle(block, "register", request)
    assert response.status_code == 429
    assert int(response.headers["Retry-After"]) > 0
    assert json.loads(response.body)["error"].startswith("Request was throttled.")
    assert api(learner).post(url, {"session": sessions[3].pk}, format="json").status_code == 429
    assert state() == before
    # Per person: someone else still gets through both.
    other = UserFactory()
    assert post(make_block(as_lms_user(other)), "register", {"session": sessions[4].pk})[0] == 200


def test_xblock_throttle_counts_leave_too_and_api_sees_it(api):
    session = open_session()
    learner = UserFactory()
    block = make_block(as_lms_user(learner))
    for _ in range(3):
        post(block, "register", {"session": session.pk})
    mine = Registration.objects.get(user=learner)
    url = reverse("cursus_xblock:api-me-registration-detail", args=[mine.pk])
    response = api(learner).delete(url)
    assert response.status_code == 429, response.content
    assert Registration.objects.get(user=learner).status == RegistrationStatus.CONFIRMED


def test_xblock_rate_off_means_no_throttle(api, settings):
    settings.REST_FRAMEWORK = {"DEFAULT_THROTTLE_RATES": {"cursus_self_registration": None}}
    session = open_session()
    block = make_block(as_lms_user(UserFactory()))
    statuses = [post(block, name, {"session": session.pk})[0] for name in ("register", "leave") * 6]
    assert statuses == [200] * 12


# --- item 8: JSON bodies only ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "content_type, body",
    [
        ("text/plain", b'{"session": %d}'),  # what a cross-site <form enctype="text/plain"> sends
        ("application/x-www-form-urlencoded", b"session=%d"),
        ("multipart/form-data; boundary=x", b'{"session": %d}'),
        ("", b'{"session": %d}'),
    ],
)
@pytest.mark.parametrize("handler", ["register", "leave"])
def test_xblock_refuses_text_plain_body(handler, content_type, body):
    session = open_session()
    learner = UserFactory()
    if handler == "leave":
        registration.register(user=learner, sessions=[session], role=Role.LEARNER)
    before = state()
    response = raw_post(make_block(as_lms_user(learner)), handler, body % session.pk, content_type)
    assert response.status_code == 415, response.text
    assert json.loads(response.body) == {"error": "Send the request as JSON (Content-Type: application/json)."}
    assert state() == before


def test_xblock_json_with_a_charset_is_json():
    session = open_session()
    learner = UserFactory()
    body = json.dumps({"session": session.pk}).encode()
    response = raw_post(make_block(as_lms_user(learner)), "register", body, "application/json; charset=utf-8")
    assert response.status_code == 200, response.text
    assert Registration.objects.get(user=learner).status == RegistrationStatus.CONFIRMED


@pytest.mark.parametrize("body", [b"{session: 1", b"\xff\xfe", b""])
def test_xblock_malformed_json_is_a_translated_400(body):
    open_session()
    response = raw_post(make_block(as_lms_user(UserFactory())), "register", body, "application/json")
    assert response.status_code == 400
    assert json.loads(response.body) == {"error": "The request is not valid JSON."}
    assert Registration.objects.count() == 0


# --- item 8 and 9: the reason ---------------------------------------------------------------------


@pytest.mark.parametrize("reason", [5, 12.5, True, ["Un empêchement"], {"text": "x"}, None])
def test_reason_number_is_refused_as_not_text(reason):
    session = open_session()
    learner = UserFactory()
    registration.register(user=learner, sessions=[session], role=Role.LEARNER)
    before = state()
    status, body = post(make_block(as_lms_user(learner)), "leave", {"session": session.pk, "reason": reason})
    assert (status, body["error"]) == (400, "The reason must be text.")
    assert state() == before


def test_xblock_reason_takes_the_common_length():
    session = open_session()
    learner = UserFactory()
    registration.register(user=learner, sessions=[session], role=Role.LEARNER)
    block = make_block(as_lms_user(learner))
    status, body = post(block, "leave", {"session": session.pk, "reason": "x" * (REASON_MAX_LENGTH + 1)})
    assert (status, body["error"]) == (400, "The reason is too long (2000 characters at most).")
    status, body = post(block, "leave", {"session": session.pk, "reason": " é" * 1000 + "\r\n "})
    assert status == 200, body
    entry = RegistrationHistory.objects.get(action=HistoryAction.CANCELLED)
    assert entry.reason == ("é " * 1000).strip() and len(entry.reason) == 1999


# --- item 10: a workspace that will not let go ------------------------------------------------------


@pytest.fixture
def refusing_revoke(settings):
    settings.CURSUS_WORKSPACE_BACKEND = "tests.backends.RevokeRefusingBackend"
    backends.FAIL_ON.clear()
    yield backends.FAIL_ON
    backends.FAIL_ON.clear()


def test_workspace_refused_on_revoke_is_a_message_in_the_xblock(refusing_revoke):
    session = open_session(name="SST — Lyon")
    learner = UserFactory()
    registration.register(user=learner, sessions=[session], role=Role.LEARNER)
    refusing_revoke.add(session.workspace_key)
    before = state()
    status, body = post(make_block(as_lms_user(learner)), "leave", {"session": session.pk})
    assert status == 409
    assert body["error"] == f"You could not leave SST — Lyon: {COURSE_RUN} keeps its learners"
    assert state() == before
