"""Issue 18 item 1: the admin import page (upload → dry run → apply → report), and who may use it."""

import csv
import io
import re
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse

from cursus_xblock.models import Registration, RegistrationStatus
from tests.factories import UserFactory
from tests.test_imports import EXPECTED, FIXTURES, snapshot, world  # noqa: F401  (the fixture)

URL = "admin:cursus_xblock_registration_import"


def client_of(user):
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def upload(client, name="registrations_utf8_bom_semicolon.csv"):
    path = Path(FIXTURES) / name
    with path.open("rb") as handle:
        return client.post(reverse(URL), {"file": handle})


def token_of(response):
    return re.search(r'name="token" value="([^"]+)"', response.content.decode()).group(1)


def report_of(response):
    return re.search(r'name="report" value="([^"]+)"', response.content.decode()).group(1)


@pytest.mark.parametrize(
    ("who", "status"),
    [("anonymous", 302), ("learner", 302), ("staff", 403), ("manager", 200), ("other", 200), ("site", 200)],
)
def test_who_may_open_the_import_page(world, who, status):  # noqa: F811
    people = {
        "anonymous": None,
        "learner": world["people"]["alice"],
        "staff": UserFactory(username="plain.staff", is_staff=True),
        "manager": world["manager"],
        "site": world["site"],
    }
    if who == "other":
        from cursus_xblock.models import OrganizationManager

        people["other"] = UserFactory(username="manager.other", is_staff=True)
        OrganizationManager.objects.create(user=people["other"], organization=world["theirs"])
    client = client_of(people[who])
    assert client.get(reverse(URL)).status_code == status
    before = snapshot()
    response = upload(client)
    assert response.status_code == status
    assert snapshot() == before
    if who == "other":
        # A manager of the other organization: every row naming one of our sessions is outside their scope.
        text = response.content.decode()
        assert text.count("<td>Session outside your organizations</td>") == 7


def test_upload_dry_run_then_apply_the_valid_rows(world):  # noqa: F811
    client = client_of(world["manager"])
    before = snapshot()
    response = upload(client, "registrations.xlsx")
    assert snapshot() == before
    text = response.content.decode()
    assert "Dry run: nothing has been written yet" in text
    assert "Unknown session" in text and "Duplicate row" in text
    token = token_of(response)

    refused = client.post(reverse(URL), {"token": token, "apply": "1"})
    assert "7 rows have errors" in refused.content.decode()
    assert snapshot() == before

    applied = client.post(reverse(URL), {"token": token, "apply": "1", "allow_errors": "on"})
    assert "Import applied" in applied.content.decode()
    assert Registration.objects.filter(registered_by=world["manager"]).count() == 3
    assert Registration.objects.get(user__username="bob").status == RegistrationStatus.WAITING

    report = client.post(reverse("admin:cursus_xblock_registration_import_report"), {"report": report_of(applied)})
    assert report["Content-Type"] == "text/csv; charset=utf-8"
    table = list(csv.reader(io.StringIO(report.content.decode("utf-8-sig")), delimiter=";"))
    assert [(int(r[0]), r[4]) for r in table[1:]][:4] == [
        (2, "Registered"),
        (3, "Waiting list"),
        (4, "Pending validation"),
        (5, "Already registered"),
    ]
    assert len(table) == 1 + len(EXPECTED)


def test_a_forged_or_foreign_token_changes_nothing(world):  # noqa: F811
    token = token_of(upload(client_of(world["manager"])))
    before = snapshot()
    other = client_of(world["site"])
    response = other.post(reverse(URL), {"token": token, "apply": "1", "allow_errors": "on"})
    assert "This dry run has expired" in response.content.decode()
    response = other.post(reverse(URL), {"token": token + "x", "apply": "1"})
    assert "This dry run has expired" in response.content.decode()
    assert snapshot() == before
    assert other.get(reverse("admin:cursus_xblock_registration_import_report")).status_code == 405


def test_a_bad_file_is_a_message(world):  # noqa: F811
    client = client_of(world["manager"])
    response = client.post(reverse(URL), {"file": io.BytesIO(b"nom;code\nx;y\n")})
    assert response.status_code == 200
    assert "The file needs a column for the person" in response.content.decode()


def test_the_list_links_to_the_import(world):  # noqa: F811
    response = client_of(world["manager"]).get(reverse("admin:cursus_xblock_registration_changelist"))
    assert reverse(URL) in response.content.decode()
