"""``users/<username>/registrations/``: administrators list, register in many sessions, unregister."""

import pytest
from django.urls import reverse

from cursus_xblock.models import (
    EventRegistration,
    Registration,
    RegistrationHistory,
    RegistrationStatus,
    Role,
    SessionStatus,
)
from cursus_xblock.services import registration as registration_service

from ..factories import SessionFactory, UserFactory
from .conftest import CALLERS, assert_error, past_session, state

pytestmark = pytest.mark.django_db


def list_url(user):
    return reverse("cursus_xblock:api-user-registration-list", args=[user.get_username()])


def detail_url(user, registration):
    return reverse("cursus_xblock:api-user-registration-detail", args=[user.get_username(), registration.pk])


def _forbidden(response, caller, anonymous_status):
    if caller == "anonymous":
        return assert_error(response, anonymous_status, "not_authenticated")
    return assert_error(response, 403, "permission_denied")


# --- who may --------------------------------------------------------------------------------------


@pytest.mark.parametrize("caller", CALLERS)
def test_listing_is_for_training_managers_only(client_as, people, world, caller, anonymous_status):
    response = client_as(caller).get(list_url(people.learner))
    if caller == "manager":
        assert response.status_code == 200
        assert [r["id"] for r in response.json()["results"]] == [world.registration.pk]
    else:  # the learner too: their own data is under me/
        _forbidden(response, caller, anonymous_status)


@pytest.mark.parametrize("caller", CALLERS)
def test_registering_is_for_training_managers_only(client_as, people, world, caller, anonymous_status):
    session = SessionFactory()
    before = state()
    response = client_as(caller).post(list_url(people.other), {"sessions": [session.pk]}, format="json")
    if caller == "manager":
        assert response.status_code == 200
        assert Registration.objects.filter(user=people.other, session=session, status="confirmed").exists()
    else:
        _forbidden(response, caller, anonymous_status)
        assert state() == before


@pytest.mark.parametrize("caller", CALLERS)
def test_unregistering_is_for_training_managers_only(client_as, people, world, caller, anonymous_status):
    before = state()
    response = client_as(caller).delete(detail_url(people.learner, world.registration))
    if caller == "manager":
        assert response.status_code == 200
        world.registration.refresh_from_db()
        assert world.registration.status == RegistrationStatus.CANCELLED
    else:
        _forbidden(response, caller, anonymous_status)
        assert state() == before


def test_unknown_username_and_registration_are_404(client_as, people, world):
    manager = client_as("manager")
    ghost = reverse("cursus_xblock:api-user-registration-list", args=["nobody"])
    assert_error(manager.get(ghost), 404, "not_found")
    before = state()
    session = SessionFactory()
    assert_error(manager.post(ghost, {"sessions": [session.pk]}, format="json"), 404, "not_found")
    # Someone else's registration under this username: not found, and untouched.
    assert_error(manager.delete(detail_url(people.other, world.registration)), 404, "not_found")
    assert_error(manager.delete(detail_url(people.learner, world.registration) + "x/"), 404, "not_found")  # no route
    assert state()[0] == before[0]


# --- list -----------------------------------------------------------------------------------------


def test_the_list_has_both_roles_with_events_and_documents(client_as, people, world, issued):
    taught = SessionFactory(name="Formation de formateurs")
    registration_service.register(user=people.learner, sessions=[taught], role=Role.TRAINER)
    body = client_as("manager").get(list_url(people.learner)).json()
    assert body["count"] == 2
    learner_row, trainer_row = body["results"]
    assert (learner_row["role"], learner_row["status"], learner_row["position"]) == ("learner", "confirmed", None)
    assert learner_row["session"]["code"] == "SST-2026-06"
    assert learner_row["session"]["course"]["code"] == "SST-01"
    assert learner_row["events"] == [
        {
            "id": world.event.pk,
            "name": "Jour 1",
            "start": learner_row["events"][0]["start"],
            "end": learner_row["events"][0]["end"],
            "place": "Lyon, salle Molière",
            "registration_type": "auto",
            "status": "confirmed",
            "attendance": "unknown",
        }
    ]
    (document,) = learner_row["documents"]
    assert document["id"] == issued.pk and document["kind"] == "session_invitation"
    assert document["download_url"].endswith(reverse("cursus_xblock:api-document-download", args=[issued.pk]))
    assert (trainer_row["role"], trainer_row["session"]["name"]) == ("trainer", "Formation de formateurs")
    only_trainer = client_as("manager").get(list_url(people.learner), {"role": "trainer"}).json()
    assert [r["id"] for r in only_trainer["results"]] == [trainer_row["id"]]


def test_the_list_shows_active_registrations_unless_asked(client_as, people, world):
    registration_service.unregister(registration=world.registration)
    assert client_as("manager").get(list_url(people.learner)).json()["count"] == 0
    cancelled = client_as("manager").get(list_url(people.learner), {"status": "cancelled"}).json()
    assert [r["status"] for r in cancelled["results"]] == ["cancelled"]
    assert_error(client_as("manager").get(list_url(people.learner), {"status": "gone"}), 400, "invalid")


def test_waiting_people_see_their_position(client_as, people, world):
    registration_service.register(user=people.other, sessions=[world.session], role=Role.LEARNER)  # the last seat
    late = UserFactory()
    registration_service.register(user=late, sessions=[world.session], role=Role.LEARNER)
    (row,) = client_as("manager").get(list_url(late)).json()["results"]
    assert (row["status"], row["position"]) == ("waiting", 1)


# --- bulk registration ----------------------------------------------------------------------------


def test_bulk_registration_reports_one_outcome_per_session(client_as, people, world, in_group):
    open_session = SessionFactory(code="OPEN")
    closed = SessionFactory(code="CLOSED", status=SessionStatus.CLOSED)
    full_no_list = SessionFactory(code="FULL", capacity=0, waiting_list_enabled=False)
    full_with_list = SessionFactory(code="WAIT", capacity=0)
    ended = past_session(code="ENDED")
    sessions = [open_session, closed, full_no_list, full_with_list, ended, world.session, open_session]

    response = client_as("manager").post(
        list_url(people.learner),
        {"sessions": [s.pk for s in sessions], "reason": "Plan de formation 2026"},
        format="json",
    )

    assert response.status_code == 200
    body = response.json()
    assert body["user"] == "eloise.lefevre"
    outcomes = {o["session_code"]: o for o in body["outcomes"]}
    assert [o["session_code"] for o in body["outcomes"]] == ["OPEN", "CLOSED", "FULL", "WAIT", "ENDED", "SST-2026-06"]
    assert {code: (o["result"], o["refusal"]) for code, o in outcomes.items()} == {
        "OPEN": ("registered", None),
        "CLOSED": ("refused", "session_closed"),
        "FULL": ("refused", "session_full"),
        "WAIT": ("waiting", None),
        "ENDED": ("refused", "session_ended"),
        "SST-2026-06": ("already_registered", None),
    }
    assert outcomes["WAIT"]["position"] == 1
    assert outcomes["FULL"]["registration"] is None
    assert "Éloïse Lefèvre" in outcomes["OPEN"]["message"]
    # The database says the same, with the history and the workspace role.
    created = Registration.objects.get(pk=outcomes["OPEN"]["registration"])
    assert (created.user, created.session, created.status) == (people.learner, open_session, "confirmed")
    assert created.registered_by == people.manager
    assert Registration.objects.get(pk=outcomes["WAIT"]["registration"]).status == "waiting"
    assert not Registration.objects.filter(session__in=[closed, full_no_list, ended]).exists()
    entry = RegistrationHistory.objects.get(registration=created)
    assert (entry.actor, entry.reason) == (people.manager, "Plan de formation 2026")
    assert in_group(people.learner, open_session.workspace_key, "collaborator")


def test_bulk_registration_as_trainer(client_as, people, world, in_group):
    session = SessionFactory()
    body = (
        client_as("manager")
        .post(list_url(people.other), {"sessions": [session.pk], "role": "trainer"}, format="json")
        .json()
    )
    assert body["outcomes"][0]["result"] == "registered"
    assert Registration.objects.get(user=people.other, session=session).role == Role.TRAINER
    assert in_group(people.other, session.workspace_key, "manager")


@pytest.mark.parametrize(
    "payload, field",
    [
        ({}, "sessions"),
        ({"sessions": []}, "sessions"),
        ({"sessions": "12"}, "sessions"),
        ({"sessions": [0]}, "sessions.0"),
        ({"sessions": [2**64]}, "sessions.0"),
        ({"sessions": list(range(1, 102))}, "sessions"),
        ({"sessions": [1], "role": "pilot"}, "role"),
        ({"sessions": [1], "reason": "x" * 2001}, "reason"),
        ({"sessions": [1], "reason": "nul\x00"}, "reason"),
    ],
)
def test_bulk_registration_refuses_bad_input_and_changes_nothing(client_as, people, world, payload, field):
    before = state()
    body = assert_error(client_as("manager").post(list_url(people.other), payload, format="json"), 400, "invalid")
    assert field in body["fields"]
    assert state() == before


def test_unknown_sessions_are_named_and_nothing_is_registered(client_as, people, world):
    session = SessionFactory()
    before = state()
    response = client_as("manager").post(
        list_url(people.other), {"sessions": [session.pk, 999998, 999999]}, format="json"
    )
    body = assert_error(response, 400, "invalid")
    assert body["fields"] == {"sessions": ["Unknown sessions: 999998, 999999."]}
    assert state() == before


# --- unregister -----------------------------------------------------------------------------------


def test_unregistering_cancels_with_the_reason_and_promotes_the_waiting_list(client_as, people, world, in_group):
    registration_service.register(user=people.other, sessions=[world.session], role=Role.LEARNER)
    late = UserFactory(username="late")
    registration_service.register(user=late, sessions=[world.session], role=Role.LEARNER)

    response = client_as("manager").delete(detail_url(people.learner, world.registration) + "?reason=Mutation")

    assert response.status_code == 200
    body = response.json()
    assert (body["changed"], body["previous_status"]) == (True, "confirmed")
    assert body["registration"]["status"] == "cancelled"
    waiting = Registration.objects.get(user=late)
    assert body["promoted"] == [{"registration": waiting.pk, "username": "late", "status": "confirmed"}]
    world.registration.refresh_from_db()
    assert world.registration.status == RegistrationStatus.CANCELLED
    assert waiting.status == RegistrationStatus.CONFIRMED
    entry = RegistrationHistory.objects.filter(registration=world.registration, event_registration=None).first()
    assert (entry.action, entry.actor, entry.reason) == ("cancelled", people.manager, "Mutation")
    assert EventRegistration.objects.get(registration=world.registration).status == "cancelled"
    assert not in_group(people.learner, world.session.workspace_key, "collaborator")


def test_unregistering_twice_changes_nothing_the_second_time(client_as, people, world):
    client_as("manager").delete(detail_url(people.learner, world.registration))
    before = state()
    body = client_as("manager").delete(detail_url(people.learner, world.registration)).json()
    assert (body["changed"], body["previous_status"], body["promoted"]) == (False, "cancelled", [])
    assert state() == before


def test_a_too_long_reason_is_refused(client_as, people, world):
    before = state()
    response = client_as("manager").delete(detail_url(people.learner, world.registration) + "?reason=" + "x" * 2001)
    assert assert_error(response, 400, "invalid")["fields"].keys() == {"reason"}
    assert state() == before
