"""One error shape everywhere, codes mapped once; the host's authentication; throttled self-service."""

import base64

import pytest
from django.urls import reverse
from rest_framework import exceptions
from rest_framework.test import APIClient

from cursus_xblock.api.exceptions import CODES, REFUSAL_CODES, error_body, exception_handler
from cursus_xblock.backends import WorkspaceRefused
from cursus_xblock.documents.generators import DocumentRefused
from cursus_xblock.models import Registration, RegistrationStatus, Session
from cursus_xblock.services.outcomes import Refusal, RegistrationError

from .. import backends
from ..factories import SessionFactory
from .conftest import assert_error, state

pytestmark = pytest.mark.django_db


# --- the shape ------------------------------------------------------------------------------------


def test_malformed_json_is_a_parse_error(client_as, people, world):
    url = reverse("cursus_xblock:api-user-registration-list", args=["hugo.moreau"])
    response = client_as("manager").post(url, "{sessions: [", content_type="application/json")
    assert_error(response, 400, "parse_error")


def test_the_api_speaks_json_only(client_as, people, world):
    url = reverse("cursus_xblock:api-me-registration-list")
    response = client_as("other").post(url, {"session": world.session.pk})  # a form, not JSON
    assert_error(response, 415, "unsupported_media_type")
    assert not Registration.objects.filter(user=people.other).exists()


def test_unrouted_methods_are_405_naming_the_routed_ones(client_as, people, world):
    url = reverse("cursus_xblock:api-me-registration-list")
    response = client_as("learner").put(url, {}, format="json")
    assert_error(response, 405, "method_not_allowed")
    assert response["Allow"] == "GET, POST, HEAD, OPTIONS"
    response = client_as("learner").post(reverse("cursus_xblock:api-session-list"), {}, format="json")
    assert_error(response, 405, "method_not_allowed")


def test_a_url_serving_two_operations_checks_its_caller_before_the_method_as_every_url(client_as, people, world):
    """One view per URL: DRF authenticates, checks permission, then answers 405, wherever (no home-made router)."""
    me = reverse("cursus_xblock:api-me-registration-list")
    sessions = reverse("cursus_xblock:api-session-list")
    users = reverse("cursus_xblock:api-user-registration-list", args=["hugo.moreau"])
    anonymous = client_as("anonymous")
    assert anonymous.put(me, {}, format="json").status_code == anonymous.put(sessions, {}, format="json").status_code
    assert_error(client_as("learner").put(users, {}, format="json"), 403, "permission_denied")
    assert_error(client_as("manager").put(users, {}, format="json"), 405, "method_not_allowed")


def test_options_and_head_reach_the_routed_views(client_as, world):
    url = reverse("cursus_xblock:api-me-registration-list")
    assert client_as("learner").options(url).status_code == 200
    assert client_as("learner").head(url).status_code == 200


def test_other_paths_under_the_api_are_json_404s(client_as):
    base = reverse("cursus_xblock:api-session-list")
    assert_error(client_as("learner").get(base + "nowhere/"), 404, "not_found")
    body = assert_error(client_as("learner").get(base.rstrip("/")), 404, "not_found")
    assert "slash" in body["message"]


def test_validation_errors_name_every_field(client_as, people, world):
    url = reverse("cursus_xblock:api-user-registration-list", args=["hugo.moreau"])
    body = client_as("manager").post(url, {"sessions": ["x", 1], "role": "pilot"}, format="json").json()
    assert body["code"] == "invalid"
    assert set(body["fields"]) == {"sessions.0", "role"}
    assert body["message"].startswith("The request is invalid: sessions.0: A valid integer is required.")


def test_messages_follow_the_request_language(client_as, people):
    session = SessionFactory(self_registration=True, capacity=0, waiting_list_enabled=False)
    response = client_as("other").post(
        reverse("cursus_xblock:api-me-registration-list"),
        {"session": session.pk},
        format="json",
        HTTP_ACCEPT_LANGUAGE="fr",
    )
    assert assert_error(response, 409, "session_full")["message"] == "La session est complète."


@pytest.mark.parametrize(
    "exc, status, code",
    [
        (DocumentRefused("x", code="event_required"), 400, "event_required"),
        (DocumentRefused("x", code="not_started"), 409, "not_started"),
        (DocumentRefused("x", code="made_up_by_a_host_generator"), 409, "made_up_by_a_host_generator"),
        (RegistrationError("x", code="not_pending"), 409, "not_pending"),
        (Session.DoesNotExist("gone"), 404, "not_found"),
        (exceptions.Throttled(wait=3), 429, "throttled"),
        (WorkspaceRefused("x", code="unenrollment_not_allowed"), 409, "workspace_refused"),
    ],
)
def test_domain_errors_are_mapped_once(exc, status, code):
    response = exception_handler(exc, {})
    assert (response.status_code, response.data["code"]) == (status, code)
    assert response.data["message"]


@pytest.fixture
def refusing_revoke(settings):
    settings.CURSUS_WORKSPACE_BACKEND = "tests.backends.RevokeRefusingBackend"
    backends.FAIL_ON.clear()
    yield backends.FAIL_ON
    backends.FAIL_ON.clear()


def test_workspace_refused_on_revoke_is_json(client_as, people, world, refusing_revoke):
    """A backend that will not take the role away (an LMS unenrollment filter raising through)."""
    refusing_revoke.add(world.session.workspace_key)
    before = state()
    url = reverse("cursus_xblock:api-me-registration-detail", args=[world.registration.pk])
    body = assert_error(client_as("learner").delete(url), 409, "workspace_refused")
    assert body["message"] == f"{world.session.workspace_key} keeps its learners"
    assert state() == before
    assert Registration.objects.get(pk=world.registration.pk).status == RegistrationStatus.CONFIRMED
    # The manager's door says the same.
    url = reverse("cursus_xblock:api-user-registration-detail", args=["eloise.lefevre", world.registration.pk])
    assert_error(client_as("manager").delete(url), 409, "workspace_refused")
    assert state() == before


def test_unexpected_errors_stay_server_errors():
    assert exception_handler(RuntimeError("boom"), {}) is None


def test_every_refusal_has_a_documented_code():
    assert set(REFUSAL_CODES) == set(Refusal)
    assert set(REFUSAL_CODES.values()) <= set(CODES)
    assert error_body(exceptions.NotFound())["code"] == "not_found"


# --- the host's authentication ----------------------------------------------------------------------


def test_http_basic_from_the_hosts_defaults(people, world, anonymous_status):
    people.manager.set_password("s3cret")
    people.manager.save()
    client = APIClient()
    credentials = base64.b64encode(b"manager:s3cret").decode()
    url = reverse("cursus_xblock:api-user-registration-list", args=["eloise.lefevre"])
    response = client.get(url, HTTP_AUTHORIZATION=f"Basic {credentials}")
    assert response.status_code == 200
    wrong = base64.b64encode(b"manager:nope").decode()
    response = client.get(url, HTTP_AUTHORIZATION=f"Basic {wrong}")
    assert_error(response, anonymous_status, "authentication_failed")  # 401 or 403 as for nobody


def test_session_authentication_still_wants_its_csrf_token(people, world):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(people.other)
    before = state()
    response = client.post(
        reverse("cursus_xblock:api-me-registration-list"), {"session": world.session.pk}, format="json"
    )
    assert_error(response, 403, "permission_denied")
    assert "CSRF" in response.json()["message"]
    assert state() == before


# --- throttling ---------------------------------------------------------------------------------------


def test_self_registration_is_throttled_per_person(settings, client_as, people, world):
    settings.REST_FRAMEWORK = {"DEFAULT_THROTTLE_RATES": {"cursus_self_registration": "2/minute"}}
    url = reverse("cursus_xblock:api-me-registration-list")
    other = client_as("other")
    assert other.post(url, {"session": world.session.pk}, format="json").status_code == 201
    assert other.post(url, {"session": world.session.pk}, format="json").status_code == 409
    before = state()
    response = other.post(url, {"session": SessionFactory(self_registration=True).pk}, format="json")
    assert_error(response, 429, "throttled")
    assert int(response["Retry-After"]) > 0
    assert state()[0] == before[0]
    # Someone else is not held back, and reading one's list is not throttled.
    assert client_as("staff").post(url, {"session": world.session.pk}, format="json").status_code == 201
    assert other.get(url).status_code == 200


def test_the_default_rate_applies_when_the_host_sets_none(settings, client_as, people, world):
    from cursus_xblock.api.throttling import DEFAULT_RATES

    settings.REST_FRAMEWORK = {}
    assert DEFAULT_RATES == {"cursus_self_registration": "10/minute", "cursus_checkin": "10/minute"}
    url = reverse("cursus_xblock:api-me-registration-list")
    statuses = [client_as("learner").delete(url + "999999/").status_code for _ in range(11)]
    assert statuses == [404] * 10 + [429]
