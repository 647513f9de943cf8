"""Issue 18 item 2: the admin's sessions import page (upload → dry run → apply → report), and who may use it."""

import csv
import io
import re

import pytest
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import reverse

from cursus_xblock.models import Event, OrganizationManager, Registration, RegistrationStatus, Session
from tests.factories import UserFactory
from tests.test_session_imports import ERRORS, EXPECTED, FIXTURES, snapshot, term  # noqa: F401  (the fixture)

URL = "admin:cursus_xblock_session_import"


def client_of(user):
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def upload(client, name="sessions_utf8_bom_semicolon.csv"):
    with (FIXTURES / name).open("rb") as handle:
        return client.post(reverse(URL), {"file": handle})


def token_of(response):
    return re.search(r'name="token" value="([^"]+)"', response.content.decode()).group(1)


def report_of(response):
    return re.search(r'name="report" value="([^"]+)"', response.content.decode()).group(1)


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("anonymous", 302),
        ("learner", 302),
        ("staff", 403),
        ("manager", 200),
        ("other", 200),
        ("site without add", 403),
        ("site", 200),
    ],
)
def test_who_may_open_the_sessions_import_page(term, who, status):  # noqa: F811
    people = {
        "anonymous": None,
        "learner": term["people"]["alice"],
        "staff": UserFactory(username="plain.staff", is_staff=True),
        "manager": term["manager"],
        "site without add": term["site"],
    }
    if who == "other":
        people["other"] = UserFactory(username="manager.other", is_staff=True)
        OrganizationManager.objects.create(user=people["other"], organization=term["theirs"])
    if who == "site":
        people["site"] = term["site"]
        people["site"].user_permissions.add(
            Permission.objects.get(codename="add_session", content_type__app_label="cursus_xblock")
        )
    client = client_of(people[who])
    assert client.get(reverse(URL)).status_code == status
    before = snapshot()
    response = upload(client)
    assert response.status_code == status
    assert snapshot() == before
    if who == "other":
        # A manager of the other organization: our courses and sessions are outside their scope.
        assert response.content.decode().count("<td>Course outside your organizations</td>") == 8


def test_upload_dry_run_then_apply_the_valid_rows(term):  # noqa: F811
    client = client_of(term["manager"])
    before = snapshot()
    response = upload(client, "sessions.xlsx")
    assert snapshot() == before
    text = response.content.decode()
    assert "Dry run: nothing has been written yet" in text
    for label in ("Would create the session", "Unknown course", "Séance outside its session", "Bad capacity"):
        assert f"<td>{label}</td>" in text
    token = token_of(response)

    refused = client.post(reverse(URL), {"token": token, "apply": "1"})
    assert f"{ERRORS} rows have errors" in refused.content.decode()
    assert snapshot() == before

    applied = client.post(reverse(URL), {"token": token, "apply": "1", "allow_errors": "on"})
    assert "Import applied" in applied.content.decode()
    assert "<td>Session created</td>" in applied.content.decode()
    assert Session.objects.get(code="S-NEW").events.get().name == "Jour 1"
    assert Event.objects.get(session__code="S-EXIST").place == "Salle B"
    assert Registration.objects.get(user__username="bob").status == RegistrationStatus.CONFIRMED

    report = client.post(reverse("admin:cursus_xblock_session_import_report"), {"report": report_of(applied)})
    assert report["Content-Type"] == "text/csv; charset=utf-8"
    table = list(csv.reader(io.StringIO(report.content.decode("utf-8-sig")), delimiter=";"))
    assert table[0] == ["line", "course", "session", "séance", "start", "end", "result", "message"]
    assert [(int(r[0]), r[6]) for r in table[1:]][:4] == [
        (2, "Session created"),
        (3, "Session updated"),
        (4, "Séance created"),
        (5, "Séance updated"),
    ]
    assert len(table) == 1 + len(EXPECTED)


def test_a_registrations_token_does_not_apply_as_sessions(term):  # noqa: F811
    client = client_of(term["manager"])
    with (FIXTURES / "registrations_utf8_bom_semicolon.csv").open("rb") as handle:
        response = client.post(reverse("admin:cursus_xblock_registration_import"), {"file": handle})
    before = snapshot()
    response = client.post(reverse(URL), {"token": token_of(response), "apply": "1", "allow_errors": "on"})
    assert "This dry run has expired" in response.content.decode()
    assert snapshot() == before


def test_a_bad_file_is_a_message(term):  # noqa: F811
    client = client_of(term["manager"])
    response = client.post(reverse(URL), {"file": io.BytesIO(b"nom;code\nx;y\n")})
    assert response.status_code == 200
    assert "The file needs a column for the course code" in response.content.decode()
    response = client.post(reverse(URL), {})
    assert response.status_code == 200
    assert "This field is required." in response.content.decode()


def test_the_sessions_list_links_to_the_import(term):  # noqa: F811
    response = client_of(term["manager"]).get(reverse("admin:cursus_xblock_session_changelist"))
    assert reverse(URL) in response.content.decode()
