"""API tests: the URLs mounted, throttling relaxed, the five kinds of caller, and a small world.

The five callers of every permission test: nobody signed in, the learner whose data it is,
another learner, a staff member without the permission, and a training manager (who holds
``cursus_xblock.manage_registrations`` without being a superuser).
"""

import datetime
from types import SimpleNamespace

import pytest
from django.contrib.auth.models import Permission
from django.core.cache import cache
from django.utils import timezone
from rest_framework.settings import api_settings
from rest_framework.test import APIClient, APIRequestFactory

from cursus_xblock.models import (
    EventRegistration,
    IssuedDocument,
    Registration,
    RegistrationHistory,
    Role,
)
from cursus_xblock.services import documents
from cursus_xblock.services import registration as registration_service

from ..documents.conftest import media, templates  # noqa: F401  (fixtures)
from ..factories import CourseFactory, EventFactory, SessionFactory, UserFactory
from ..services.conftest import in_group  # noqa: F401  (fixture)

CALLERS = ("anonymous", "learner", "other", "staff", "manager")


@pytest.fixture(autouse=True)
def api_urls(settings):
    """The API under /cursus/api/v1/, and self-registration not throttled (tests/api/test_errors.py is)."""
    settings.ROOT_URLCONF = "tests.api.urls"
    rest = dict(getattr(settings, "REST_FRAMEWORK", {}))
    rest["DEFAULT_THROTTLE_RATES"] = {**rest.get("DEFAULT_THROTTLE_RATES", {}), "cursus_self_registration": None}
    settings.REST_FRAMEWORK = rest
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def anonymous_status():
    """What the host answers to nobody: 401 when its first authentication sends a challenge, else 403."""
    classes = api_settings.DEFAULT_AUTHENTICATION_CLASSES
    challenge = classes and classes[0]().authenticate_header(APIRequestFactory().get("/"))
    return 401 if challenge else 403


@pytest.fixture
def people(db):
    manager = UserFactory(username="manager", first_name="Claire", last_name="Manager")
    manager.user_permissions.add(Permission.objects.get(codename="manage_registrations"))
    return SimpleNamespace(
        anonymous=None,
        learner=UserFactory(username="eloise.lefevre", first_name="Éloïse", last_name="Lefèvre"),
        other=UserFactory(username="hugo.moreau", first_name="Hugo", last_name="Moreau"),
        staff=UserFactory(username="staff", is_staff=True),
        manager=manager,
    )


@pytest.fixture
def client_as(people):
    """An API client signed in as one of the callers (``"anonymous"``: nobody)."""

    def make(caller):
        client = APIClient()
        user = getattr(people, caller) if isinstance(caller, str) else caller
        if user is not None:
            client.force_authenticate(user)
        return client

    return make


@pytest.fixture
def world(people):
    """An upcoming session open to self-service (2 seats, an automatic event) where the learner is registered."""
    course = CourseFactory(code="SST-01", title="Sauveteur secouriste du travail")
    session = SessionFactory(
        course=course,
        code="SST-2026-06",
        name="SST — Lyon",
        capacity=2,
        self_registration=True,
        self_unregistration=True,
    )
    event = EventFactory(session=session, name="Jour 1")
    (outcome,) = registration_service.register(user=people.learner, sessions=[session], role=Role.LEARNER)
    return SimpleNamespace(course=course, session=session, event=event, registration=outcome.registration)


@pytest.fixture
def issued(world, people, templates):  # noqa: F811
    """An invitation issued to the learner."""
    return documents.issue(kind="session_invitation", registration=world.registration, actor=people.manager)


def past_session(**kwargs):
    start = timezone.now() - datetime.timedelta(days=3)
    return SessionFactory(start=start, end=start + datetime.timedelta(days=1), **kwargs)


def started_session(**kwargs):
    start = timezone.now() - datetime.timedelta(hours=2)
    return SessionFactory(start=start, end=start + datetime.timedelta(days=1), **kwargs)


def state():
    """Everything a write could change, to assert that a refusal changed nothing."""
    return (
        list(Registration.objects.order_by("pk").values_list("pk", "user_id", "session_id", "role", "status")),
        list(EventRegistration.objects.order_by("pk").values_list("pk", "status")),
        RegistrationHistory.objects.count(),
        IssuedDocument.objects.count(),
    )


def assert_error(response, status, code):
    assert response.status_code == status, response.content
    body = response.json()
    assert body["code"] == code, body
    assert body["message"]
    return body
