"""``me/registrations/``: one's own registrations; self-registration and self-unregistration."""

import pytest
from django.urls import reverse

from cursus_xblock.models import Registration, RegistrationHistory, RegistrationStatus, Role, SessionStatus
from cursus_xblock.services import registration as registration_service

from ..factories import SessionFactory, UserFactory
from .conftest import CALLERS, assert_error, past_session, started_session, state

pytestmark = pytest.mark.django_db

LIST = "cursus_xblock:api-me-registration-list"


def detail_url(registration):
    return reverse("cursus_xblock:api-me-registration-detail", args=[registration.pk])


def register_myself(client, session):
    return client.post(reverse(LIST), {"session": session.pk}, format="json")


# --- who may --------------------------------------------------------------------------------------


@pytest.mark.parametrize("caller", CALLERS)
def test_each_person_lists_their_own_registrations_only(client_as, people, world, caller, anonymous_status):
    response = client_as(caller).get(reverse(LIST))
    if caller == "anonymous":
        assert_error(response, anonymous_status, "not_authenticated")
        return
    assert response.status_code == 200
    ids = [r["id"] for r in response.json()["results"]]
    assert ids == ([world.registration.pk] if caller == "learner" else [])


@pytest.mark.parametrize("caller", CALLERS)
def test_anyone_signed_in_may_register_themselves(client_as, people, world, caller, anonymous_status):
    before = state()
    response = register_myself(client_as(caller), world.session)
    if caller == "anonymous":
        assert_error(response, anonymous_status, "not_authenticated")
        assert state() == before
    elif caller == "learner":
        assert_error(response, 409, "already_registered")
        assert state() == before
    else:
        assert response.status_code == 201, response.content
        user = getattr(people, caller)
        registration = Registration.objects.get(user=user, session=world.session)
        assert response.json()["id"] == registration.pk
        assert (registration.role, registration.registered_by) == (Role.LEARNER, user)


@pytest.mark.parametrize("caller", CALLERS)
def test_only_the_owner_may_unregister_themselves(client_as, people, world, caller, anonymous_status):
    before = state()
    response = client_as(caller).delete(detail_url(world.registration))
    if caller == "learner":
        assert response.status_code == 200
        world.registration.refresh_from_db()
        assert world.registration.status == RegistrationStatus.CANCELLED
        return
    if caller == "anonymous":
        assert_error(response, anonymous_status, "not_authenticated")
    else:  # managers unregister others through users/<username>/registrations/
        assert_error(response, 404, "not_found")
    assert state() == before


# --- self-registration -----------------------------------------------------------------------------


def test_self_registration_goes_through_the_service(client_as, people, world, in_group):
    response = register_myself(client_as("other"), world.session)
    body = response.json()
    assert (body["role"], body["status"], body["position"]) == ("learner", "confirmed", None)
    assert body["session"]["id"] == world.session.pk
    assert [e["status"] for e in body["events"]] == ["confirmed"]  # the automatic event came with it
    assert in_group(people.other, world.session.workspace_key, "collaborator")
    entry = RegistrationHistory.objects.get(registration_id=body["id"], event_registration=None)
    assert (entry.action, entry.actor) == ("registered", people.other)


def test_a_full_session_puts_me_on_its_waiting_list(client_as, people, world):
    registration_service.register(user=UserFactory(), sessions=[world.session], role=Role.LEARNER)
    body = register_myself(client_as("other"), world.session).json()
    assert (body["status"], body["position"], body["events"][0]["status"]) == ("waiting", 1, None)


def test_validation_required_leaves_me_pending(client_as, people):
    session = SessionFactory(self_registration=True, validation_required=True)
    body = register_myself(client_as("other"), session).json()
    assert body["status"] == "pending"


@pytest.mark.parametrize(
    "options, status, code",
    [
        ({"self_registration": False}, 403, "not_allowed"),
        ({"capacity": 0, "waiting_list_enabled": False}, 409, "session_full"),
        ({"status": SessionStatus.CLOSED}, 409, "session_closed"),
        ({"status": SessionStatus.CANCELLED}, 409, "session_cancelled"),
    ],
)
def test_self_registration_refusals_change_nothing(client_as, people, options, status, code):
    session = SessionFactory(**{"self_registration": True, **options})
    before = state()
    assert_error(register_myself(client_as("other"), session), status, code)
    assert state() == before


def test_self_registration_in_an_ended_session_is_refused(client_as, people):
    session = past_session(self_registration=True)
    before = state()
    assert_error(register_myself(client_as("other"), session), 409, "session_ended")
    assert state() == before


@pytest.mark.parametrize("payload", [{}, {"session": "abc"}, {"session": 0}, {"session": 999999}, {"session": 2**64}])
def test_self_registration_needs_a_known_session(client_as, people, world, payload):
    before = state()
    body = assert_error(client_as("other").post(reverse(LIST), payload, format="json"), 400, "invalid")
    assert list(body["fields"]) == ["session"]
    assert state() == before


@pytest.mark.parametrize(
    "value, message",
    [
        (999999, "There is no session with this id."),
        ("", "A valid integer is required."),
        (True, "A valid integer is required."),
        (None, "This field may not be null."),
        (0, "Ensure this value is greater than or equal to 1."),
        (2**64, "Ensure this value is less than or equal to 9223372036854775807."),
    ],
)
def test_the_session_id_is_refused_in_the_same_words_as_before_primary_key_related_field(
    client_as, people, world, value, message
):
    body = assert_error(client_as("other").post(reverse(LIST), {"session": value}, format="json"), 400, "invalid")
    assert body["fields"] == {"session": [message]}


# --- self-unregistration ---------------------------------------------------------------------------


def test_self_unregistration_cancels_and_frees_the_seat(client_as, people, world):
    registration_service.register(user=UserFactory(), sessions=[world.session], role=Role.LEARNER)
    waiting = UserFactory()
    registration_service.register(user=waiting, sessions=[world.session], role=Role.LEARNER)
    body = client_as("learner").delete(detail_url(world.registration)).json()
    assert (body["changed"], body["previous_status"], body["registration"]["status"]) == (
        True,
        "confirmed",
        "cancelled",
    )
    assert "promoted" not in body  # other people's names are not the learner's business
    assert Registration.objects.get(user=waiting).status == RegistrationStatus.CONFIRMED
    entry = RegistrationHistory.objects.filter(registration=world.registration, event_registration=None).first()
    assert (entry.action, entry.actor) == ("cancelled", people.learner)
    again = client_as("learner").delete(detail_url(world.registration)).json()
    assert again["changed"] is False


def test_self_unregistration_needs_the_sessions_consent(client_as, people, world):
    world.session.self_unregistration = False
    world.session.save()
    before = state()
    assert_error(client_as("learner").delete(detail_url(world.registration)), 403, "not_allowed")
    assert state() == before


def test_trainers_do_not_unregister_themselves(client_as, people):
    session = SessionFactory(self_unregistration=True)
    (outcome,) = registration_service.register(user=people.other, sessions=[session], role=Role.TRAINER)
    before = state()
    assert_error(client_as("other").delete(detail_url(outcome.registration)), 403, "not_allowed")
    assert state() == before


def test_nobody_unregisters_themselves_once_the_session_started(client_as, people):
    session = started_session(self_unregistration=True)
    (outcome,) = registration_service.register(user=people.other, sessions=[session], role=Role.LEARNER)
    before = state()
    assert_error(client_as("other").delete(detail_url(outcome.registration)), 409, "session_started")
    assert state() == before
