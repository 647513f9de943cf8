"""One rule per typed-in field, whatever the door: the reason kept in a registration's history.

The per-user page (unregister from a session or an event), the picker, the admin's register form,
the API (a manager's and one's own) and the XBlock all read a reason through
``services.inputs.clean_reason``: the same length, the same refusals, the same words, and a
refusal changes nothing. PostgreSQL refuses NUL in text, so ``test_nul_reason_refused_on_postgresql``
runs there (``CURSUS_TEST_DB=postgresql``): before, the per-user page stored it through SQLite and
failed with a 500 on PostgreSQL.
"""

import json
from types import SimpleNamespace
from urllib.parse import urlencode

import pytest
from django.contrib import messages
from django.contrib.messages import get_messages
from django.core.cache import cache
from django.urls import reverse
from rest_framework.test import APIClient

from cursus_xblock.models import (
    EventRegistration,
    EventRegistrationType,
    Registration,
    RegistrationHistory,
    Role,
)
from cursus_xblock.services import registration as registration_service
from cursus_xblock.services.inputs import (
    REASON_CONTROL_CHARACTER,
    REASON_MAX_LENGTH,
    REASON_NOT_TEXT,
    REASON_TOO_LONG,
    clean_reason,
)

from . import backends
from .factories import EventFactory, SessionFactory, UserFactory
from .xblock.runtime import COURSE_RUN, as_lms_user, make_block, post

pytestmark = pytest.mark.django_db

TOO_LONG = str(REASON_TOO_LONG % {"max": REASON_MAX_LENGTH})


@pytest.fixture
def env(settings, admin_user):
    settings.ROOT_URLCONF = "tests.api.urls"
    settings.REST_FRAMEWORK = {"DEFAULT_THROTTLE_RATES": {"cursus_self_registration": None}}
    cache.clear()
    learner = UserFactory(username="eloise", first_name="Éloïse", last_name="Lefèvre")
    session = SessionFactory(
        workspace_key=COURSE_RUN, self_registration=True, self_unregistration=True, name="SST — Lyon"
    )
    event = EventFactory(session=session, registration_type=EventRegistrationType.AUTO)
    (outcome,) = registration_service.register(user=learner, sessions=[session], role=Role.LEARNER)
    admin = APIClient()
    admin.force_login(admin_user)
    me = APIClient()
    me.force_authenticate(learner)
    return SimpleNamespace(
        learner=learner,
        session=session,
        event=event,
        registration=outcome.registration,
        other_session=SessionFactory(),
        admin=admin,
        me=me,
    )


def state():
    return (
        list(Registration.objects.order_by("pk").values_list("pk", "session_id", "status")),
        list(EventRegistration.objects.order_by("pk").values_list("pk", "status")),
        list(RegistrationHistory.objects.order_by("pk").values_list("pk", "reason")),
    )


# --- each door: ``None`` when it took the reason, else the message it showed -------------------------


def _admin_error(response):
    errors = [str(m) for m in get_messages(response.wsgi_request) if m.level == messages.ERROR]
    assert response.status_code == 302, response.content
    return errors[0] if errors else None


def per_user_page(env, reason):
    url = reverse("admin:cursus_user_unregister", args=[env.learner.pk, env.registration.pk])
    return _admin_error(env.admin.post(url, {"reason": reason}))


def per_user_page_event(env, reason):
    url = reverse("admin:cursus_user_event_unregister", args=[env.learner.pk, env.registration.pk, env.event.pk])
    return _admin_error(env.admin.post(url, {"reason": reason}))


def picker(env, reason):
    url = reverse("admin:cursus_user_register", args=[env.learner.pk, "learner"])
    response = env.admin.post(url, {"session": [str(env.other_session.pk)], "reason": reason})
    if response.status_code == 302:
        return None
    assert response.status_code == 200
    page = response.content.decode()
    return next((m for m in (TOO_LONG, str(REASON_CONTROL_CHARACTER)) if m in page), page)


def register_form(env, reason):
    url = reverse("admin:cursus_xblock_registration_add")
    data = {"user": env.learner.pk, "sessions": [env.other_session.pk], "role": "learner", "reason": reason}
    response = env.admin.post(url, data)
    if response.status_code == 302:
        return None
    assert response.status_code == 200
    return response.context["form"].errors["reason"][0]


def _api_error(response, ok):
    if response.status_code == ok:
        return None
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["code"] == "invalid"
    return body["fields"]["reason"][0]


def api_unregister(env, reason):
    url = reverse("cursus_xblock:api-user-registration-detail", args=["eloise", env.registration.pk])
    return _api_error(env.admin.delete(f"{url}?{urlencode({'reason': reason})}"), 200)


def api_register(env, reason):
    url = reverse("cursus_xblock:api-user-registration-list", args=["eloise"])
    body = {"sessions": [env.other_session.pk], "reason": reason}
    return _api_error(env.admin.post(url, body, format="json"), 200)


def api_self_unregister(env, reason):
    url = reverse("cursus_xblock:api-me-registration-detail", args=[env.registration.pk])
    return _api_error(env.me.delete(f"{url}?{urlencode({'reason': reason})}"), 200)


def xblock_leave(env, reason):
    status, body = post(make_block(as_lms_user(env.learner)), "leave", {"session": env.session.pk, "reason": reason})
    if status == 200:
        return None
    assert status == 400, body
    return body["error"]


DOORS = [
    per_user_page,
    per_user_page_event,
    picker,
    register_form,
    api_unregister,
    api_register,
    api_self_unregister,
    xblock_leave,
]
JSON_DOORS = [api_register, xblock_leave]


# --- the rule -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value, cleaned",
    [
        ("  Mutation  ", "Mutation"),
        ("ligne 1\r\nligne 2\rligne 3\n\tfin", "ligne 1\nligne 2\nligne 3\n\tfin"),
        ("x" * REASON_MAX_LENGTH, "x" * REASON_MAX_LENGTH),
        (" " + "é" * REASON_MAX_LENGTH + "\n", "é" * REASON_MAX_LENGTH),
        ("Zoé 👩‍🏫", "Zoé 👩‍🏫"),  # a zero-width joiner is text, not a control character
        ("", ""),
    ],
)
def test_clean_reason_keeps_text(value, cleaned):
    assert clean_reason(value) == cleaned


@pytest.mark.parametrize(
    "value, message",
    [
        (5, REASON_NOT_TEXT),
        (None, REASON_NOT_TEXT),
        (b"bytes", REASON_NOT_TEXT),
        ("x" * (REASON_MAX_LENGTH + 1), TOO_LONG),
        ("avec\x00NUL", REASON_CONTROL_CHARACTER),
        ("bip\x07", REASON_CONTROL_CHARACTER),
        ("\x1b[31m rouge", REASON_CONTROL_CHARACTER),
        ("del\x7f", REASON_CONTROL_CHARACTER),
        ("c1\x85", REASON_CONTROL_CHARACTER),
        ("demi\ud800", REASON_CONTROL_CHARACTER),  # a lone surrogate: no UTF-8 for it
    ],
)
def test_clean_reason_refuses(value, message):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as refused:
        clean_reason(value)
    assert refused.value.messages == [str(message)]


@pytest.mark.parametrize(
    "reason, message",
    [
        ("x" * (REASON_MAX_LENGTH + 1), TOO_LONG),
        ("Mutation\x00", str(REASON_CONTROL_CHARACTER)),
        ("Mutation\x07", str(REASON_CONTROL_CHARACTER)),
    ],
    ids=["too-long", "nul", "bell"],
)
@pytest.mark.parametrize("door", DOORS, ids=lambda door: door.__name__)
def test_reason_rule_same_everywhere(env, door, reason, message):
    before = state()
    assert door(env, reason) == message
    assert state() == before


@pytest.mark.parametrize("door", DOORS, ids=lambda door: door.__name__)
def test_reason_rule_takes_the_longest_reason_everywhere(env, door):
    reason = "  ligne 1\r\n" + "x" * (REASON_MAX_LENGTH - 8) + "\t "
    assert door(env, reason) is None
    assert RegistrationHistory.objects.latest("pk").reason == "ligne 1\n" + "x" * (REASON_MAX_LENGTH - 8)


@pytest.mark.parametrize("reason", [5, 2.5, False, ["x"], {"x": 1}, None])
@pytest.mark.parametrize("door", JSON_DOORS, ids=lambda door: door.__name__)
def test_reason_number_is_refused_as_not_text(env, door, reason):
    before = state()
    assert door(env, reason) == str(REASON_NOT_TEXT)
    assert state() == before


@pytest.mark.db_server
@pytest.mark.parametrize("door", DOORS, ids=lambda door: door.__name__)
def test_nul_reason_refused_on_postgresql(env, door):
    """On PostgreSQL (``CURSUS_TEST_DB=postgresql``); on MariaDB too, where NUL would have been stored."""
    before = state()
    assert door(env, "Mutation\x00 du poste") == str(REASON_CONTROL_CHARACTER)
    assert state() == before


def test_the_per_user_page_textarea_says_the_limit(env):
    page = env.admin.get(reverse("admin:cursus_user_registrations", args=[env.learner.pk])).content.decode()
    assert f'name="reason" rows="3" cols="50" maxlength="{REASON_MAX_LENGTH}"' in page


# --- item 10: a workspace that will not take the role away ------------------------------------------


@pytest.fixture
def refusing_revoke(settings):
    settings.CURSUS_WORKSPACE_BACKEND = "tests.backends.RevokeRefusingBackend"
    backends.FAIL_ON.clear()
    yield backends.FAIL_ON
    backends.FAIL_ON.clear()


def test_workspace_refused_on_revoke_is_a_message_on_the_per_user_page(env, refusing_revoke):
    refusing_revoke.add(COURSE_RUN)
    before = state()
    url = reverse("admin:cursus_user_unregister", args=[env.learner.pk, env.registration.pk])
    response = env.admin.post(url, {"reason": "Mutation"})
    assert _admin_error(response) == (
        f"Éloïse Lefèvre (eloise) could not be unregistered from {env.session}: {COURSE_RUN} keeps its learners"
    )
    assert state() == before


def test_workspace_refused_on_revoke_is_a_message_in_the_bulk_action(env, refusing_revoke):
    other = registration_service.register(user=UserFactory(), sessions=[env.other_session], role=Role.LEARNER)
    refusing_revoke.add(COURSE_RUN)
    url = reverse("admin:cursus_xblock_registration_changelist")
    data = {"action": "unregister_selected", "_selected_action": [env.registration.pk, other[0].registration.pk]}
    response = env.admin.post(url, data)
    assert response.status_code == 302
    shown = [(m.level, str(m)) for m in get_messages(response.wsgi_request)]
    assert shown == [
        (
            messages.ERROR,
            f"Éloïse Lefèvre (eloise) could not be unregistered from {env.session}: {COURSE_RUN} keeps its learners",
        ),
        (messages.SUCCESS, "1 registration cancelled."),
    ]
    assert Registration.objects.get(pk=env.registration.pk).status == "confirmed"
    assert Registration.objects.get(pk=other[0].registration.pk).status == "cancelled"


def test_workspace_refused_on_revoke_through_the_api_changes_nothing(env, refusing_revoke):
    refusing_revoke.add(COURSE_RUN)
    before = state()
    url = reverse("cursus_xblock:api-user-registration-detail", args=["eloise", env.registration.pk])
    response = env.admin.delete(url)
    assert response.status_code == 409
    assert json.loads(response.content) == {
        "code": "workspace_refused",
        "message": f"{COURSE_RUN} keeps its learners",
    }
    assert state() == before


def test_reason_refusal_speaks_french(env):
    url = reverse("cursus_xblock:api-user-registration-detail", args=["eloise", env.registration.pk])
    response = env.admin.delete(url + "?" + urlencode({"reason": "x" * 2001}), HTTP_ACCEPT_LANGUAGE="fr")
    assert response.json()["fields"]["reason"] == ["Le motif est trop long (2000 caractères au maximum)."]
    response = env.admin.delete(url + "?" + urlencode({"reason": "bip\x07"}), HTTP_ACCEPT_LANGUAGE="fr")
    assert response.json()["fields"]["reason"] == [
        "Le motif contient un caractère de contrôle invisible : retirez-le et réessayez."
    ]
