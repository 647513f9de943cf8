"""Courses, sessions and events: for anyone signed in; seats, registration options, filters, pages."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from cursus_xblock.models import EventRegistrationType, Role, SessionStatus
from cursus_xblock.services import event_registration as event_registration_service
from cursus_xblock.services import registration as registration_service

from ..factories import CourseFactory, EventFactory, SessionFactory, UserFactory
from .conftest import CALLERS, assert_error, past_session

pytestmark = pytest.mark.django_db


def _urls(world):
    return [
        reverse("cursus_xblock:api-course-list"),
        reverse("cursus_xblock:api-session-list"),
        reverse("cursus_xblock:api-session-detail", args=[world.session.pk]),
        reverse("cursus_xblock:api-session-event-list", args=[world.session.pk]),
    ]


@pytest.mark.parametrize("caller", CALLERS)
def test_the_catalogue_is_for_anyone_signed_in(client_as, world, caller, anonymous_status):
    for url in _urls(world):
        response = client_as(caller).get(url)
        if caller == "anonymous":
            assert_error(response, anonymous_status, "not_authenticated")
        else:
            assert response.status_code == 200, (url, response.content)


def test_unknown_session_is_a_json_404(client_as, world):
    for name in ("api-session-detail", "api-session-event-list"):
        assert_error(client_as("learner").get(reverse(f"cursus_xblock:{name}", args=[999999])), 404, "not_found")
        huge = reverse(f"cursus_xblock:{name}", args=[2**70])  # no database column holds it
        assert_error(client_as("learner").get(huge), 404, "not_found")


def test_courses_are_paginated_and_searchable(client_as, world):
    CourseFactory(code="INC-01", title="Incendie et évacuation")
    body = client_as("learner").get(reverse("cursus_xblock:api-course-list"), {"search": "évacuation"}).json()
    assert body["count"] == 1
    assert body["results"] == [
        {"id": body["results"][0]["id"], "code": "INC-01", "title": "Incendie et évacuation", "description": ""}
    ]


def test_a_session_says_its_seats_and_how_to_register(client_as, world, people):
    body = client_as("other").get(reverse("cursus_xblock:api-session-detail", args=[world.session.pk])).json()
    assert body["code"] == "SST-2026-06"
    assert body["course"] == {"id": world.course.pk, "code": "SST-01", "title": "Sauveteur secouriste du travail"}
    assert (body["capacity"], body["seats_taken"], body["seats_left"]) == (2, 1, 1)
    assert body["registration"] == {
        "open": True,
        "refusal": None,
        "self_registration": True,
        "self_unregistration": True,
        "validation_required": False,
        "waiting_list_enabled": True,
    }


def test_closed_and_ended_sessions_say_why_they_are_not_open(client_as, world):
    closed = SessionFactory(status=SessionStatus.CLOSED)
    ended = past_session()
    for session, refusal in ((closed, "session_closed"), (ended, "session_ended")):
        body = client_as("learner").get(reverse("cursus_xblock:api-session-detail", args=[session.pk])).json()
        assert body["registration"]["open"] is False
        assert body["registration"]["refusal"] == refusal


def test_session_filters_combine(client_as, world):
    other_course = CourseFactory(title="Habilitation électrique")
    full = SessionFactory(course=other_course, capacity=1, name="Électricité — Paris")
    registration_service.register(user=UserFactory(), sessions=[full], role=Role.LEARNER)
    unlimited = SessionFactory(course=other_course, capacity=None, place="Nantes")
    old = past_session(course=other_course)
    url = reverse("cursus_xblock:api-session-list")

    def ids(**params):
        return [s["id"] for s in client_as("learner").get(url, params).json()["results"]]

    assert ids() == [old.pk, world.session.pk, full.pk, unlimited.pk]
    assert set(ids(course=other_course.pk)) == {full.pk, unlimited.pk, old.pk}
    assert set(ids(upcoming="true")) == {world.session.pk, full.pk, unlimited.pk}
    assert ids(upcoming="false") == [old.pk]
    assert set(ids(seats_available="true")) == {world.session.pk, unlimited.pk, old.pk}
    assert ids(seats_available="false") == [full.pk]
    assert ids(search="Électricité paris") == [full.pk]
    assert ids(search="nantes", upcoming="true", seats_available="true") == [unlimited.pk]
    assert ids(search="SST-01") == [world.session.pk]


def test_sessions_come_in_date_order(client_as, world):
    later = SessionFactory(start=world.session.start + datetime.timedelta(days=30))
    sooner = SessionFactory(start=timezone.now() + datetime.timedelta(days=1))
    body = client_as("learner").get(reverse("cursus_xblock:api-session-list")).json()
    assert [s["id"] for s in body["results"]] == [sooner.pk, world.session.pk, later.pk]


def test_bad_filters_are_400_with_the_field(client_as, world):
    url = reverse("cursus_xblock:api-session-list")
    body = assert_error(client_as("learner").get(url, {"course": "abc"}), 400, "invalid")
    assert list(body["fields"]) == ["course"]
    body = assert_error(client_as("learner").get(url, {"upcoming": "maybe"}), 400, "invalid")
    assert list(body["fields"]) == ["upcoming"]
    assert_error(client_as("learner").get(url, {"search": "a\x00b"}), 400, "invalid")


def test_pages_are_bounded(client_as, world):
    for _ in range(3):
        SessionFactory()
    url = reverse("cursus_xblock:api-session-list")
    body = client_as("learner").get(url, {"page_size": 2}).json()
    assert body["count"] == 4 and len(body["results"]) == 2 and body["next"] and body["previous"] is None
    body = client_as("learner").get(url, {"page_size": 2, "page": 2}).json()
    assert len(body["results"]) == 2 and body["next"] is None
    assert len(client_as("learner").get(url, {"page_size": 100000}).json()["results"]) == 4
    assert_error(client_as("learner").get(url, {"page": 9}), 404, "not_found")


def test_events_of_a_session_with_their_places_and_seats(client_as, world):
    manual = EventFactory(
        session=world.session,
        name="Atelier",
        place="Salle 2",
        registration_type=EventRegistrationType.MANUAL,
        capacity=3,
        start=world.event.start + datetime.timedelta(hours=5),
        end=world.event.start + datetime.timedelta(hours=6),
    )
    event_registration_service.register_to_events(registration=world.registration, events=[manual])
    body = client_as("learner").get(reverse("cursus_xblock:api-session-event-list", args=[world.session.pk])).json()
    assert body["count"] == 2
    first, second = body["results"]
    assert (first["name"], first["place"], first["registration_type"]) == ("Jour 1", "Lyon, salle Molière", "auto")
    assert (first["capacity"], first["seats_left"]) == (None, None)
    assert (second["id"], second["place"], second["capacity"], second["seats_left"]) == (manual.pk, "Salle 2", 3, 2)
