"""The session list and the registrations lists run as many queries for 10 items as for 500."""

import datetime

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from cursus_xblock.models import (
    DocumentTemplateVersion,
    Event,
    EventRegistration,
    IssuedDocument,
    Registration,
    RegistrationStatus,
    Role,
    Session,
)

from ..factories import CourseFactory

pytestmark = pytest.mark.django_db
PAGE = {"page_size": 100}


def _queries(user, url, params=PAGE):
    client = APIClient()
    # A fresh user object each time: permission caches from an earlier request must not help.
    client.force_authenticate(get_user_model().objects.get(pk=user.pk))
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, params)
    assert response.status_code == 200, response.content
    return len(captured), response.json()


def _sessions(count, start_index):
    course = CourseFactory()
    start = timezone.now() + datetime.timedelta(days=5)
    Session.objects.bulk_create(
        Session(
            course=course,
            code=f"BULK-{start_index + n}",
            name=f"Session {start_index + n}",
            start=start + datetime.timedelta(hours=start_index + n),
            end=start + datetime.timedelta(hours=start_index + n + 8),
            time_zone="Europe/Paris",
            capacity=3 if n % 2 else None,
            self_registration=bool(n % 3),
        )
        for n in range(count)
    )
    return list(Session.objects.filter(code__startswith="BULK-").order_by("pk"))[start_index:]


def _registrations(user, sessions, other):
    """The user in every session (some waiting), an event each, their event registrations and some documents."""
    Event.objects.bulk_create(
        Event(session=s, name="Jour 1", start=s.start, end=s.start + datetime.timedelta(hours=3)) for s in sessions
    )
    Registration.objects.bulk_create(
        Registration(
            user=who,
            session=s,
            role=Role.LEARNER if n % 5 else Role.TRAINER,
            status=RegistrationStatus.WAITING if n % 4 == 0 and who == user else RegistrationStatus.CONFIRMED,
            waiting_order=n if n % 4 == 0 and who == user else None,
        )
        for n, s in enumerate(sessions)
        for who in (other, user)
    )
    mine = list(Registration.objects.filter(user=user, session__in=sessions))
    events = {e.session_id: e for e in Event.objects.filter(session__in=sessions)}
    EventRegistration.objects.bulk_create(
        EventRegistration(registration=r, event=events[r.session_id], status=RegistrationStatus.CONFIRMED) for r in mine
    )
    version = DocumentTemplateVersion.objects.first()
    IssuedDocument.objects.bulk_create(
        IssuedDocument(
            kind="session_invitation",
            session_id=r.session_id,
            registration=r,
            template_version=version,
            holder_name="Éloïse Lefèvre",
            verification_code=f"CODE{r.pk:012d}",
            sha256="0" * 64,
            file=f"cursus/documents/{r.pk}.pdf",
            filename="invitation.pdf",
        )
        for r in mine[::3]
    )


def test_the_session_list_does_not_grow_with_the_sessions(people):
    url = reverse("cursus_xblock:api-session-list")
    _sessions(10, 0)
    few, body = _queries(people.learner, url)
    assert body["count"] == 10
    _sessions(490, 10)
    many, body = _queries(people.learner, url)
    assert (body["count"], len(body["results"])) == (500, 100)
    assert few == many, (few, many)
    filtered, _ = _queries(people.learner, url, {**PAGE, "seats_available": "true", "search": "Session"})
    assert filtered == few


@pytest.mark.parametrize("listing", ["admin", "me"])
def test_the_registration_lists_do_not_grow_with_the_registrations(people, listing):
    user = people.learner
    url = (
        reverse("cursus_xblock:api-user-registration-list", args=[user.get_username()])
        if listing == "admin"
        else reverse("cursus_xblock:api-me-registration-list")
    )
    caller = people.manager if listing == "admin" else user
    _registrations(user, _sessions(10, 0), people.other)
    few, body = _queries(caller, url)
    assert body["count"] == 10
    _registrations(user, _sessions(490, 10), people.other)
    many, body = _queries(caller, url)
    assert (body["count"], len(body["results"])) == (500, 100)
    assert any(r["status"] == "waiting" and r["position"] for r in body["results"])
    assert any(r["documents"] for r in body["results"]) and all(r["events"] for r in body["results"])
    assert few == many, (few, many)


def test_issue14_item6_the_catalogue_counts_no_registration(people):
    """Seats come from the sessions' own columns: neither the page nor its count reads a registration,
    so a session of many learners costs what an empty one does, and ``seats_available`` is a filter
    on the session row."""
    from cursus_xblock.services import registration as service

    from ..factories import UserFactory

    url = reverse("cursus_xblock:api-session-list")
    sessions = _sessions(6, 0)
    for session in sessions[:3]:
        service.register_users(session=session, users=UserFactory.create_batch(4), role=Role.LEARNER)
    params = {**PAGE, "upcoming": "true", "seats_available": "true"}
    client = APIClient()
    client.force_authenticate(get_user_model().objects.get(pk=people.learner.pk))

    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, params)

    assert response.status_code == 200, response.content
    found = {row["code"]: row["seats_taken"] for row in response.json()["results"]}
    # Capacity 3 in every other session: the ones filled by four learners are left out.
    full = {s.code for s in sessions[:3] if s.capacity == 3}
    assert full and not full & set(found)
    assert {code: taken for code, taken in found.items() if taken} == {
        s.code: 4 for s in sessions[:3] if s.capacity is None
    }
    reading = [q["sql"] for q in captured.captured_queries if "cursus_xblock_registration" in q["sql"]]
    assert reading == []
