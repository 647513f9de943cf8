"""``events/<id>/attendance/``: who may read and take a séance's roll call, and what it records (issue 16 item 1)."""

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from cursus_xblock.models import Attendance, Organization, OrganizationManager, RegistrationHistory

from ..attendance import held_session
from ..factories import UserFactory
from .conftest import assert_error

pytestmark = pytest.mark.django_db


def _url(event):
    return reverse("cursus_xblock:api-event-attendance", kwargs={"event_id": event.pk})


@pytest.fixture
def held():
    return held_session(learners=2)


@pytest.fixture
def callers(held, people):
    """The seven callers of the matrix, by name."""
    other_trainer = held_session(learners=0, organization="AILLEURS", trainer="autre.formatrice").trainer
    organization_manager = UserFactory(username="gestionnaire.rhone")
    OrganizationManager.objects.create(user=organization_manager, organization=held.session.course.organization)
    elsewhere = UserFactory(username="gestionnaire.ailleurs")
    OrganizationManager.objects.create(user=elsewhere, organization=Organization.objects.get(short_name="AILLEURS"))
    return {
        "anonymous": None,
        "learner": held.learners[0],
        "other learner": held.learners[1],
        "trainer of another session": other_trainer,
        "trainer of this session": held.trainer,
        "manager": people.manager,
        "manager of this organization": organization_manager,
        "manager of another organization": elsewhere,
    }


ALLOWED = {"trainer of this session", "manager", "manager of this organization"}
EXPECTED = {
    "anonymous": None,  # the host's 401 or 403
    "learner": 403,
    "other learner": 403,
    "trainer of another session": 403,
    "manager of another organization": 404,
}


@pytest.mark.parametrize("method", ["get", "post"])
@pytest.mark.parametrize(
    "caller",
    [
        "anonymous",
        "learner",
        "other learner",
        "trainer of another session",
        "trainer of this session",
        "manager",
        "manager of this organization",
        "manager of another organization",
    ],
)
def test_permission_matrix(method, caller, held, callers, client_as, anonymous_status):
    client = client_as(callers[caller])
    cell = held.cell(held.learners[0], held.past)
    body = {"marks": [{"registration": cell.registration_id, "state": "present"}]}

    response = client.get(_url(held.past)) if method == "get" else client.post(_url(held.past), body, format="json")

    cell.refresh_from_db()
    if caller in ALLOWED:
        assert response.status_code == 200, response.content
        assert [row["username"] for row in response.json()["learners"]] == [p.username for p in held.learners]
        assert cell.attendance == (Attendance.PRESENT if method == "post" else Attendance.UNKNOWN)
    else:
        status = EXPECTED[caller] or anonymous_status
        assert_error(
            response, status, {403: response.json().get("code"), 401: "not_authenticated", 404: "not_found"}[status]
        )
        assert cell.attendance == Attendance.UNKNOWN
        assert not RegistrationHistory.objects.filter(action="attendance").exists()


def test_roll_call_by_username_and_registration_records_history(held, client_as):
    first, second = (held.cell(p, held.past) for p in held.learners)
    body = {
        "marks": [
            {"registration": first.registration_id, "state": "absent_justified"},
            {"username": held.learners[1].username, "state": "present"},
        ],
        "reason": "Appel de 9 h",
    }

    response = client_as(held.trainer).post(_url(held.past), body, format="json")

    assert response.status_code == 200, response.content
    data = response.json()
    assert (data["changed"], data["unchanged"], data["started"]) == (2, 0, True)
    assert [(r["username"], r["state"], r["recorded_by"]) for r in data["learners"]] == [
        (held.learners[0].username, "absent_justified", "formatrice"),
        (held.learners[1].username, "present", "formatrice"),
    ]
    history = RegistrationHistory.objects.filter(action="attendance").order_by("new_value")
    assert [(h.new_value, h.actor, h.reason) for h in history] == [
        ("absent_justified", held.trainer, "Appel de 9 h"),
        ("present", held.trainer, "Appel de 9 h"),
    ]


def test_future_seance_is_a_409_and_changes_nothing(held, client_as):
    body = {"marks": [{"username": held.learners[0].username, "state": "present"}]}

    response = client_as(held.trainer).post(_url(held.later), body, format="json")

    assert_error(response, 409, "event_not_started")
    assert not RegistrationHistory.objects.filter(action="attendance").exists()


def test_someone_not_on_the_roll_is_a_409_naming_them(held, client_as):
    body = {
        "marks": [
            {"username": held.learners[0].username, "state": "present"},
            {"username": held.trainer.username, "state": "present"},
        ]
    }

    response = client_as(held.trainer).post(_url(held.past), body, format="json")

    body = assert_error(response, 409, "not_registered")
    assert body["message"] == "Not confirmed learners of this event: formatrice."
    assert not RegistrationHistory.objects.filter(action="attendance").exists()


@pytest.mark.parametrize(
    "marks, field",
    [
        ([{"state": "present"}], "marks.0.non_field_errors"),
        ([{"username": "x", "registration": 3, "state": "present"}], "marks.0.non_field_errors"),
        ([{"username": "x", "state": "late"}], "marks.0.state"),
        ([], "marks.non_field_errors"),
    ],
)
def test_bad_input_is_a_400(marks, field, held, client_as):
    response = client_as(held.trainer).post(_url(held.past), {"marks": marks}, format="json")

    body = assert_error(response, 400, "invalid")
    assert field in body["fields"], body


def test_the_same_learner_twice_is_a_400(held, client_as):
    name = held.learners[0].username
    body = {"marks": [{"username": name, "state": "present"}, {"username": name, "state": "unknown"}]}

    response = client_as(held.trainer).post(_url(held.past), body, format="json")

    assert assert_error(response, 400, "invalid")["fields"] == {
        "marks": [f"These learners appear more than once: {name}."]
    }


def test_unknown_event_is_a_404(client_as, people):
    assert_error(client_as(people.manager).get("/cursus/api/v1/events/999999/attendance/"), 404, "not_found")


def test_a_site_wide_permission_holder_without_organization_rows_is_a_manager(held, client_as):
    user = UserFactory(username="siege")
    user.user_permissions.add(Permission.objects.get(codename="manage_registrations"))
    assert client_as(user).get(_url(held.past)).status_code == 200
