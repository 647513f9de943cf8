"""Organizations: a training manager of one organization sees and changes only its training.

Two organizations (A, B) and a course without one (N), each with a session, an event, a learner
registered, a history, an issued document and a batch. Six callers: the site-wide manager (only
``manage_registrations``), the managers of A and of B (``is_staff`` and the role, nothing else),
a plain staff member, the learner, and nobody. Every main URL is asked by each; the outcome is
the status and which organizations' rows came back.
"""

import json

import pytest
from django.contrib.auth.models import Permission
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from cursus_xblock import permissions
from cursus_xblock.admin.picker.views import NOT_MANAGED as PICKER_NOT_MANAGED
from cursus_xblock.api.registrations import NOT_MANAGED as API_NOT_MANAGED
from cursus_xblock.models import (
    Course,
    DocumentBatch,
    DocumentKind,
    Event,
    IssuedDocument,
    Organization,
    OrganizationManager,
    Registration,
    RegistrationStatus,
    Role,
)
from cursus_xblock.services import documents as documents_service
from cursus_xblock.services import registration as registration_service

from .documents.conftest import media, templates  # noqa: F401  (fixtures)
from .factories import CourseFactory, EventFactory, SessionFactory, UserFactory

pytestmark = pytest.mark.django_db

CALLERS = ("site", "manager_a", "manager_b", "staff", "learner", "anonymous")
#: Which organizations' rows each caller sees in a list ("N": the course without organization).
SEES = {"site": {"A", "B", "N"}, "manager_a": {"A"}, "manager_b": {"B"}}
CHANGELISTS = (
    "course",
    "session",
    "event",
    "registration",
    "eventregistration",
    "registrationhistory",
    "issueddocument",
    "documentbatch",
)


@pytest.fixture(autouse=True)
def urls(settings):
    settings.ROOT_URLCONF = "tests.api.urls"  # the admin and the API


@pytest.fixture
def world(templates):  # noqa: F811
    organizations = {
        "A": Organization.objects.create(short_name="ORGA", name="Organisation A"),
        "B": Organization.objects.create(short_name="ORGB", name="Organisation B"),
    }
    admin = UserFactory(username="root", is_staff=True, is_superuser=True)
    learner = UserFactory(username="eloise.lefevre", first_name="Éloïse", last_name="Lefèvre")
    sessions, registrations, documents = {}, {}, {}
    for label in ("A", "B", "N"):
        course = CourseFactory(code=f"C-{label}", organization=organizations.get(label))
        session = SessionFactory(course=course, code=f"S-{label}", name=f"Séance d'orga {label}")
        EventFactory(session=session, name=f"Event {label}")
        (outcome,) = registration_service.register(user=learner, sessions=[session], role=Role.LEARNER, actor=admin)
        sessions[label], registrations[label] = session, outcome.registration
        documents[label] = documents_service.issue(
            kind=DocumentKind.SESSION_INVITATION, registration=outcome.registration, actor=admin
        )
        DocumentBatch.objects.create(session=session, kind=DocumentKind.SESSION_INVITATION, requested_by=admin)
    site = UserFactory(username="site.manager", is_staff=True)
    site.user_permissions.add(Permission.objects.get(codename="manage_registrations"))
    people = {
        "site": site,
        "manager_a": UserFactory(username="manager.a", is_staff=True),
        "manager_b": UserFactory(username="manager.b", is_staff=True),
        "staff": UserFactory(username="plain.staff", is_staff=True),
        "learner": learner,
        "anonymous": None,
    }
    OrganizationManager.objects.create(user=people["manager_a"], organization=organizations["A"])
    OrganizationManager.objects.create(user=people["manager_b"], organization=organizations["B"])
    label_of = {None: "N", organizations["A"].pk: "A", organizations["B"].pk: "B"}
    return {
        "organizations": organizations,
        "sessions": sessions,
        "registrations": registrations,
        "documents": documents,
        "people": people,
        "learner": learner,
        "label_of": label_of,
    }


def _client(world, caller, api=False):
    client = APIClient() if api else Client()
    user = world["people"][caller]
    if user is not None:
        client.force_login(user) if not api else client.force_authenticate(user)
    return client


def _labels(world, rows):
    return {world["label_of"][permissions.organization_id_of(row)] for row in rows}


def _messages(response):
    return [str(m) for m in get_messages(response.wsgi_request)]


# --- the admin ---------------------------------------------------------------------------------


@pytest.mark.parametrize("model", CHANGELISTS)
@pytest.mark.parametrize("caller", CALLERS)
def test_admin_changelists_show_only_the_organizations_managed(world, caller, model):
    response = _client(world, caller).get(reverse(f"admin:cursus_xblock_{model}_changelist"))

    if caller in SEES:
        assert response.status_code == 200
        assert _labels(world, response.context["cl"].result_list) == SEES[caller]
    elif caller == "staff":
        assert response.status_code == 403
    else:  # not staff: the admin's login page
        assert response.status_code == 302
        assert "/login/" in response["Location"]


@pytest.mark.parametrize("caller", CALLERS)
def test_admin_index_lists_the_training_models_to_managers_only(world, caller):
    response = _client(world, caller).get(reverse("admin:index"))
    if caller in SEES:
        models = {m["object_name"] for app in response.context["app_list"] for m in app["models"]}
        assert {"Session", "Registration", "IssuedDocument"} <= models
        assert ("Organization" in models) is False  # organizations and their managers: model permissions only
    else:
        assert response.status_code in (200, 302)
        if response.status_code == 200:
            assert not [app for app in response.context["app_list"] if app["app_label"] == "cursus_xblock"]


@pytest.mark.parametrize("caller", ["site", "manager_a", "manager_b"])
@pytest.mark.parametrize("model", ["course", "session", "registration", "issueddocument"])
def test_change_pages_open_only_inside_the_scope(world, caller, model):
    objects = {
        "course": lambda label: world["sessions"][label].course,
        "session": lambda label: world["sessions"][label],
        "registration": lambda label: world["registrations"][label],
        "issueddocument": lambda label: world["documents"][label],
    }[model]
    client = _client(world, caller)
    for label in ("A", "B", "N"):
        response = client.get(reverse(f"admin:cursus_xblock_{model}_change", args=[objects(label).pk]))
        if label in SEES[caller]:
            assert response.status_code == 200, (label, response.status_code)
        else:  # the admin's « does not exist » redirect to its index
            assert response.status_code == 302, (label, response.status_code)
            assert response["Location"] == reverse("admin:index")


def _session_form(session, **changes):
    data = {
        "course": session.course_id,
        "code": session.code,
        "name": session.name,
        "description": "",
        "status": session.status,
        "start_0": session.start.astimezone(session.tzinfo).strftime("%Y-%m-%d"),
        "start_1": session.start.astimezone(session.tzinfo).strftime("%H:%M:%S"),
        "end_0": session.end.astimezone(session.tzinfo).strftime("%Y-%m-%d"),
        "end_1": session.end.astimezone(session.tzinfo).strftime("%H:%M:%S"),
        "time_zone": session.time_zone,
        "place": session.place,
        "capacity": "",
        "waiting_list_enabled": "on",
        "workspace_key": session.workspace_key,
        "events-TOTAL_FORMS": "0",
        "events-INITIAL_FORMS": "0",
        "events-MIN_NUM_FORMS": "0",
        "events-MAX_NUM_FORMS": "1000",
    }
    data.update(changes)
    return data


def test_an_organization_manager_changes_their_sessions_and_no_one_elses(world):
    client = _client(world, "manager_a")
    mine, theirs = world["sessions"]["A"], world["sessions"]["B"]

    changed = client.post(
        reverse("admin:cursus_xblock_session_change", args=[mine.pk]), _session_form(mine, name="Renommée")
    )
    tampered = client.post(
        reverse("admin:cursus_xblock_session_change", args=[theirs.pk]), _session_form(theirs, name="Piratée")
    )
    moved = client.post(  # one's own session into another organization's course
        reverse("admin:cursus_xblock_session_change", args=[mine.pk]),
        _session_form(mine, course=theirs.course_id, name="Déplacée"),
    )

    assert changed.status_code == 302
    assert tampered.status_code == 302 and tampered["Location"] == reverse("admin:index")
    assert moved.status_code == 200 and "course" in moved.context["adminform"].form.errors
    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert (mine.name, mine.course_id) == ("Renommée", world["sessions"]["A"].course_id)
    assert theirs.name == "Séance d'orga B"


def test_an_organization_manager_adds_courses_only_in_their_organization(world):
    client = _client(world, "manager_a")
    url = reverse("admin:cursus_xblock_course_add")
    base = {
        "title": "Gestes et postures",
        "description": "",
        "default_capacity": "",
        "default_workspace_key": "",
        "default_waiting_list_enabled": "on",
        "sessions-TOTAL_FORMS": "0",
        "sessions-INITIAL_FORMS": "0",
        "sessions-MIN_NUM_FORMS": "0",
        "sessions-MAX_NUM_FORMS": "1000",
    }

    elsewhere = client.post(url, {**base, "code": "GP-B", "organization": world["organizations"]["B"].pk})
    nowhere = client.post(url, {**base, "code": "GP-N", "organization": ""})
    mine = client.post(url, {**base, "code": "GP-A", "organization": world["organizations"]["A"].pk})

    assert elsewhere.status_code == 200 and "organization" in elsewhere.context["adminform"].form.errors
    assert nowhere.status_code == 200 and "organization" in nowhere.context["adminform"].form.errors
    assert mine.status_code == 302
    assert set(Course.objects.filter(code__startswith="GP-").values_list("code", "organization__short_name")) == {
        ("GP-A", "ORGA")
    }


def test_a_registration_action_on_another_organizations_rows_changes_nothing(world):
    client = _client(world, "manager_a")
    selected = [world["registrations"][label].pk for label in ("A", "B", "N")]

    client.post(
        reverse("admin:cursus_xblock_registration_changelist"),
        {"action": "unregister_selected", "_selected_action": selected},
    )

    statuses = dict(Registration.objects.values_list("session__code", "status"))
    assert statuses == {
        "S-A": RegistrationStatus.CANCELLED,
        "S-B": RegistrationStatus.CONFIRMED,
        "S-N": RegistrationStatus.CONFIRMED,
    }


@pytest.mark.parametrize("caller", CALLERS)
def test_admin_document_downloads_follow_the_scope(world, caller, media):  # noqa: F811
    client = _client(world, caller)
    for label, document in world["documents"].items():
        response = client.get(reverse("admin:cursus_xblock_issueddocument_download", args=[document.pk]))
        if caller in SEES:
            assert response.status_code == (200 if label in SEES[caller] else 404), label
        elif caller == "staff":
            assert response.status_code == 403
        else:
            assert response.status_code == 302


# --- the per-user page and the picker ---------------------------------------------------------------


@pytest.mark.parametrize("caller", CALLERS)
def test_the_per_user_page_lists_only_registrations_in_managed_sessions(world, caller):
    response = _client(world, caller).get(reverse("admin:cursus_user_registrations", args=[world["learner"].pk]))
    if caller in SEES:
        assert response.status_code == 200
        page = response.content.decode()
        shown = {label for label in ("A", "B", "N") if f"S-{label}" in page}
        assert shown == SEES[caller]
    elif caller == "staff":
        assert response.status_code == 403
    else:
        assert response.status_code == 302


def test_the_per_user_page_refuses_another_organizations_registration(world):
    client = _client(world, "manager_a")
    theirs = world["registrations"]["B"]
    url = reverse("admin:cursus_user_unregister", args=[world["learner"].pk, theirs.pk])

    response = client.post(url, {"reason": "essai"})

    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.status == RegistrationStatus.CONFIRMED


@pytest.mark.parametrize("caller", CALLERS)
def test_the_picker_searches_only_managed_sessions(world, caller):
    newcomer = UserFactory(username="newcomer")
    url = reverse("admin:cursus_user_register_sessions", args=[newcomer.pk, "learner"])
    response = _client(world, caller).get(url)
    if caller in SEES:
        assert response.status_code == 200
        codes = {item["code"] for item in json.loads(response.content)["items"]}
        assert codes == {f"S-{label}" for label in SEES[caller]}
    elif caller == "staff":
        assert response.status_code == 403
    else:
        assert response.status_code == 302


def test_a_tampered_picker_post_for_another_organizations_session_changes_nothing(world):
    newcomer = UserFactory(username="newcomer")
    client = _client(world, "manager_a")
    url = reverse("admin:cursus_user_register", args=[newcomer.pk, "learner"])
    sessions = world["sessions"]

    refused = client.post(url, {"session": [sessions["A"].pk, sessions["B"].pk], "reason": ""})
    accepted = client.post(url, {"session": [sessions["A"].pk], "reason": ""})

    assert refused.status_code == 200
    assert str(PICKER_NOT_MANAGED) in refused.context["errors"]
    assert accepted.status_code == 302
    assert list(Registration.objects.filter(user=newcomer).values_list("session__code", flat=True)) == ["S-A"]


# --- the API -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("caller", CALLERS)
def test_api_user_registrations_list_only_managed_sessions(world, caller):
    url = reverse("cursus_xblock:api-user-registration-list", args=[world["learner"].get_username()])
    response = _client(world, caller, api=True).get(url)
    if caller in SEES:
        assert response.status_code == 200
        codes = {row["session"]["code"] for row in response.json()["results"]}
        assert codes == {f"S-{label}" for label in SEES[caller]}
    else:
        assert response.status_code in (401, 403)


def test_api_writes_outside_the_scope_are_refused_and_change_nothing(world):
    client = _client(world, "manager_a", api=True)
    learner, newcomer = world["learner"], UserFactory(username="newcomer")
    theirs = world["registrations"]["B"]

    create = client.post(
        reverse("cursus_xblock:api-user-registration-list", args=[newcomer.get_username()]),
        {"sessions": [world["sessions"]["A"].pk, world["sessions"]["B"].pk]},
        format="json",
    )
    delete = client.delete(
        reverse("cursus_xblock:api-user-registration-detail", args=[learner.get_username(), theirs.pk])
    )
    issue = client.post(
        reverse("cursus_xblock:api-user-registration-documents", args=[learner.get_username(), theirs.pk]),
        {"kind": "session_invitation"},
        format="json",
    )

    assert create.status_code == 403
    assert create.json()["message"] == API_NOT_MANAGED % {"ids": world["sessions"]["B"].pk}
    assert delete.status_code == 404
    assert issue.status_code == 404
    assert not Registration.objects.filter(user=newcomer).exists()
    theirs.refresh_from_db()
    assert theirs.status == RegistrationStatus.CONFIRMED
    assert IssuedDocument.objects.filter(registration=theirs).count() == 1


def test_api_writes_inside_the_scope_work(world):
    client = _client(world, "manager_a", api=True)
    newcomer = UserFactory(username="newcomer")
    mine = world["registrations"]["A"]

    create = client.post(
        reverse("cursus_xblock:api-user-registration-list", args=[newcomer.get_username()]),
        {"sessions": [world["sessions"]["A"].pk]},
        format="json",
    )
    delete = client.delete(
        reverse("cursus_xblock:api-user-registration-detail", args=[world["learner"].get_username(), mine.pk])
    )

    assert create.status_code == 200 and create.json()["outcomes"][0]["result"] == "registered"
    assert delete.status_code == 200 and delete.json()["changed"] is True


@pytest.mark.parametrize("caller", CALLERS)
def test_api_document_download_for_the_holder_and_the_managers_of_its_organization(world, caller, media):  # noqa: F811
    client = _client(world, caller, api=True)
    for label, document in world["documents"].items():
        response = client.get(reverse("cursus_xblock:api-document-download", args=[document.pk]))
        if caller == "learner" or label in SEES.get(caller, ()):
            assert response.status_code == 200, (caller, label)
        elif caller == "anonymous":
            assert response.status_code in (401, 403)
        else:
            assert response.status_code == 403, (caller, label)


@pytest.mark.parametrize("caller", ["learner", "manager_a", "site"])
def test_the_api_catalogue_is_the_same_for_everyone_signed_in(world, caller):
    """The catalogue is what learners read to register: managing an organization narrows what one
    manages, not what one may read (and a manager of A is a learner anywhere else)."""
    response = _client(world, caller, api=True).get(reverse("cursus_xblock:api-session-list"))
    detail = _client(world, caller, api=True).get(
        reverse("cursus_xblock:api-session-detail", args=[world["sessions"]["B"].pk])
    )
    assert {row["code"] for row in response.json()["results"]} == {"S-A", "S-B", "S-N"}
    assert detail.status_code == 200


# --- the rule book itself --------------------------------------------------------------------------------


def test_scopes_of_each_caller(world):
    people, organizations = world["people"], world["organizations"]
    assert permissions.training_scope(people["site"]) == permissions.EVERYTHING
    assert permissions.training_scope(people["manager_a"]).organization_ids == {organizations["A"].pk}
    assert not permissions.is_training_manager(people["staff"])
    assert not permissions.is_training_manager(people["learner"])
    inactive = people["manager_b"]
    inactive.is_active = False
    inactive.save()
    inactive = type(inactive).objects.get(pk=inactive.pk)
    assert not permissions.is_training_manager(inactive)


def test_people_managed_are_those_registered_in_managed_sessions(world):
    outsider = UserFactory(username="outsider")
    only_b = UserFactory(username="only.b")
    registration_service.register(user=only_b, sessions=[world["sessions"]["B"]], role=Role.LEARNER)
    people = world["people"]

    seen_by_a = set(permissions.people_managed_by(people["manager_a"]).values_list("username", flat=True))
    seen_by_site = set(permissions.people_managed_by(people["site"]).values_list("username", flat=True))

    assert seen_by_a == {"eloise.lefevre"}
    assert {"outsider", "only.b", "eloise.lefevre"} <= seen_by_site
    assert outsider.pk


def test_events_of_sessions_without_organization_are_for_site_wide_managers_only(world):
    events = Event.objects.all()
    assert _labels(world, permissions.managed(events, world["people"]["manager_a"])) == {"A"}
    assert _labels(world, permissions.managed(events, world["people"]["site"])) == {"A", "B", "N"}
    assert not permissions.managed(events, world["people"]["staff"]).exists()
