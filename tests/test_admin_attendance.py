"""The roll-call grid of a session in the admin: who opens it, what one POST records (issue 16 items 1 and 4)."""

import html as html_module
import re

import pytest
from django.contrib.auth.models import Permission
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse

from cursus_xblock.models import Attendance, Organization, OrganizationManager, RegistrationHistory

from .attendance import held_session
from .factories import UserFactory

pytestmark = pytest.mark.django_db


def _url(session):
    return reverse("admin:cursus_xblock_session_attendance", args=[session.pk])


def _messages(response):
    return [str(m) for m in get_messages(response.wsgi_request)]


def _client(user):
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def _staff(user):
    user.is_staff = True
    user.save()
    return user


@pytest.fixture
def held():
    return held_session(learners=2)


@pytest.fixture
def callers(held):
    return make_callers(held)


def make_callers(held):
    """Who calls, for the permission matrices of the grid (and of check-in in it)."""
    other_trainer = _staff(held_session(learners=0, organization="AILLEURS", trainer="autre.formatrice").trainer)
    manager = UserFactory(username="gestionnaire", is_staff=True)
    manager.user_permissions.add(Permission.objects.get(codename="manage_registrations"))
    organization_manager = UserFactory(username="gestionnaire.rhone", is_staff=True)
    OrganizationManager.objects.create(user=organization_manager, organization=held.session.course.organization)
    elsewhere = UserFactory(username="gestionnaire.ailleurs", is_staff=True)
    OrganizationManager.objects.create(user=elsewhere, organization=Organization.objects.get(short_name="AILLEURS"))
    return {
        "anonymous": None,
        "learner": held.learners[0],
        "other learner": _staff(held.learners[1]),  # staff, yet only a learner here
        "trainer of another session": other_trainer,
        "trainer of this session": _staff(held.trainer),
        "manager": manager,
        "manager of this organization": organization_manager,
        "manager of another organization": elsewhere,
    }


EXPECTED = {
    "anonymous": 302,  # to the admin's login
    "learner": 302,  # not staff: to the admin's login
    "other learner": 403,
    "trainer of another session": 403,
    "trainer of this session": 200,
    "manager": 200,
    "manager of this organization": 200,
    "manager of another organization": 404,
}


@pytest.mark.parametrize("method", ["get", "post"])
@pytest.mark.parametrize("caller", list(EXPECTED))
def test_permission_matrix(method, caller, held, callers):
    cell = held.cell(held.learners[0], held.past)
    client = _client(callers[caller])

    if method == "get":
        response = client.get(_url(held.session))
    else:
        response = client.post(_url(held.session), {f"cell-{cell.pk}": "present"})

    expected = EXPECTED[caller]
    if method == "post" and expected == 200:
        expected = 302  # saved, then back to the grid
    assert response.status_code == expected
    if expected == 302 and EXPECTED[caller] == 302:
        assert "/login/" in response["Location"]
    cell.refresh_from_db()
    assert cell.attendance == (Attendance.PRESENT if method == "post" and EXPECTED[caller] == 200 else "unknown")


def test_grid_shows_labelled_selects_and_locks_future_seances(held, callers):
    response = _client(callers["trainer of this session"]).get(_url(held.session))

    html = response.content.decode()
    person = held.learners[0].get_full_name()
    past, later = held.cell(held.learners[0], held.past), held.cell(held.learners[0], held.later)
    assert f'name="cell-{past.pk}" aria-label="Attendance of {person} at Accueil">' in html
    assert f'name="cell-{later.pk}" aria-label="Attendance of {person} at Mise en pratique" disabled>' in html
    assert html.count('name="all_present"') == 1  # only the séance held
    assert not RegistrationHistory.objects.filter(action="attendance").exists()


def test_one_post_records_the_grid_with_counts(held, callers):
    trainer = callers["trainer of this session"]
    first, second = (held.cell(p, held.past) for p in held.learners)

    response = _client(trainer).post(
        _url(held.session), {f"cell-{first.pk}": "present", f"cell-{second.pk}": "unknown"}, follow=True
    )

    assert _messages(response) == ["Attendance saved: 1 change, 1 unchanged."]
    first.refresh_from_db()
    assert (first.attendance, first.attendance_by) == (Attendance.PRESENT, trainer)
    (entry,) = RegistrationHistory.objects.filter(action="attendance")
    assert (entry.actor, entry.new_value) == (trainer, "present")


def test_all_present_marks_the_whole_seance(held, callers):
    first, second = (held.cell(p, held.past) for p in held.learners)

    response = _client(callers["manager"]).post(
        _url(held.session),
        {f"cell-{first.pk}": "absent_unjustified", "all_present": str(held.past.pk)},
        follow=True,
    )

    assert _messages(response) == ["Attendance saved: 2 changes, 0 unchanged."]
    assert {held.cell(p, held.past).attendance for p in held.learners} == {Attendance.PRESENT}


def test_a_refused_cell_changes_nothing_and_says_why(held, callers):
    first = held.cell(held.learners[0], held.past)
    future = held.cell(held.learners[1], held.later)

    response = _client(callers["manager"]).post(
        _url(held.session), {f"cell-{first.pk}": "present", f"cell-{future.pk}": "present"}, follow=True
    )

    assert _messages(response) == ["Nothing was recorded: Attendance can only be recorded once the event has started."]
    assert not RegistrationHistory.objects.filter(action="attendance").exists()


@pytest.mark.parametrize("name, value", [("cell-999999", "present"), ("cell-abc", "present"), (None, "late")])
def test_bad_input_changes_nothing(name, value, held, callers):
    cell = held.cell(held.learners[0], held.past)
    data = {name or f"cell-{cell.pk}": value}

    response = _client(callers["manager"]).post(_url(held.session), data, follow=True)

    (message,) = _messages(response)
    assert message.startswith("Nothing was recorded: ")
    assert not RegistrationHistory.objects.filter(action="attendance").exists()


def test_rates_on_the_grid_and_the_change_page(held, callers):
    """Item 4: hours and rate per learner, rate per séance held."""
    manager = callers["manager"]
    first, second = (held.cell(p, held.past) for p in held.learners)
    _client(manager).post(_url(held.session), {f"cell-{first.pk}": "present", f"cell-{second.pk}": "absent_justified"})

    grid = _client(manager).get(_url(held.session)).content.decode()
    change = _client(manager).get(reverse("admin:cursus_xblock_session_change", args=[held.session.pk]))

    # Each learner: 3 h present out of 5 h of séances (3 h held, 2 h ahead) → 60 %, as on the certificate.
    assert '<td class="cursus-num">3.0</td>\n          <td class="cursus-num">60 %</td>' in grid
    assert '<td class="cursus-num">50 %</td>' in grid  # the séance held: 1 of 2 present
    assert "Accueil: 50 %" in change.content.decode()
    assert _url(held.session) in change.content.decode()


def test_the_grid_in_french(held, callers):
    client = _client(callers["manager"])
    client.cookies["django_language"] = "fr"

    html = client.get(_url(held.session), HTTP_ACCEPT_LANGUAGE="fr").content.decode()

    person = held.learners[0].get_full_name()
    assert "Tous présents" in html and "Taux d’assiduité" in html and "Enregistrer les présences" in html
    labels = [html_module.unescape(label) for label in re.findall(r'aria-label="([^"]*)"', html)]
    assert f"Présence d'{person} à Accueil" in labels, labels  # elided before a vowel
