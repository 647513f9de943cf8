"""Issue 16 item 5 in the admin: the grid's export and import pages, and the sessions list's export action;
who may use them (the session's training managers and trainers)."""

import csv
import io
import re
import zipfile

import pytest
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from cursus_xblock.models import Attendance, OrganizationManager, RegistrationHistory, Role
from cursus_xblock.services import registration as registration_service

from .factories import SessionFactory, UserFactory
from .test_attendance_io import FIXTURES, snapshot, states, world  # noqa: F401  (the fixture)


def client_of(user):
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def url(name, world, *args):  # noqa: F811
    return reverse(f"admin:cursus_xblock_session_attendance_{name}", args=[world["session"].pk, *args])


def upload(client, world, name):  # noqa: F811
    with (FIXTURES / name).open("rb") as handle:
        return client.post(url("import", world), {"file": handle})


def hidden(response, name):
    return re.search(rf'name="{name}" value="([^"]+)"', response.content.decode()).group(1)


@pytest.fixture
def callers(world):  # noqa: F811
    manager = UserFactory(username="gestionnaire", is_staff=True)
    OrganizationManager.objects.create(user=manager, organization=world["session"].course.organization)
    other_trainer = UserFactory(username="autre.formatrice", is_staff=True)
    registration_service.register(user=other_trainer, sessions=[SessionFactory(code="AUTRE")], role=Role.TRAINER)
    learner = world["people"]["anne"]
    return {
        "anonymous": None,
        "learner": learner,
        "trainer of another session": other_trainer,
        "trainer of this session": world["trainer"],
        "manager": manager,
    }


EXPECTED = {
    "anonymous": 302,
    "learner": 302,
    "trainer of another session": 403,
    "trainer of this session": 200,
    "manager": 200,
}


@pytest.mark.parametrize("caller", list(EXPECTED))
def test_who_may_export_and_import(world, callers, caller):  # noqa: F811
    client = client_of(callers[caller])
    status = EXPECTED[caller]
    assert client.get(url("export", world, "csv")).status_code == status
    assert client.get(url("import", world)).status_code == status
    before = snapshot(world)
    response = upload(client, world, "attendance_long_fr_utf8_bom_semicolon.csv")
    assert response.status_code == status
    assert snapshot(world) == before  # a dry run, or a refusal: nothing written
    if status == 200:
        response = client.post(
            url("import", world), {"token": hidden(response, "token"), "apply": "1", "allow_errors": "on"}
        )
        assert states(world)[("anne", "accueil")] == Attendance.PRESENT
    else:
        response = client.post(url("import", world), {"token": "forged", "apply": "1", "allow_errors": "on"})
        assert states(world)[("anne", "accueil")] == Attendance.UNKNOWN
    assert response.status_code == status


def test_the_grid_links_to_export_and_import(world, callers):  # noqa: F811
    page = client_of(callers["manager"]).get(
        reverse("admin:cursus_xblock_session_attendance", args=[world["session"].pk])
    )
    content = page.content.decode()
    for target in (url("export", world, "csv"), url("export", world, "xlsx"), url("import", world)):
        assert f'href="{target}"' in content


def test_the_grid_exports_as_csv_and_xlsx(world, callers):  # noqa: F811
    client = client_of(callers["trainer of this session"])
    response = client.get(url("export", world, "csv"))
    assert response.streaming
    assert response["Content-Disposition"].startswith('attachment; filename="attendance-att-1-')
    table = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig")), delimiter=";"))
    assert [row[0] for row in table] == ["username", "anne", "bruno", "chloe"]
    assert table[2][3] == "Absent (unjustified) [absent_unjustified]"
    response = client.get(url("export", world, "xlsx"))
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    assert sheet["D3"].value == "Absent (unjustified) [absent_unjustified]"
    assert client.get(url("export", world, "pdf")).status_code == 404


def test_the_sessions_list_exports_one_grid_or_a_zip_of_grids(world, callers):  # noqa: F811
    site = UserFactory(username="site", is_staff=True)
    site.user_permissions.add(*Permission.objects.filter(codename__in=["manage_registrations", "view_session"]))
    client = client_of(site)
    changelist = reverse("admin:cursus_xblock_session_changelist")
    one = client.post(changelist, {"action": "export_attendance_csv", "_selected_action": [world["session"].pk]})
    assert one["Content-Disposition"].startswith('attachment; filename="attendance-att-1-')
    sessions = [world["session"].pk, world["session"].course.sessions.exclude(pk=world["session"].pk).get().pk]
    both = client.post(changelist, {"action": "export_attendance_xlsx", "_selected_action": sessions})
    archive = zipfile.ZipFile(io.BytesIO(b"".join(both.streaming_content)))
    assert sorted(archive.namelist()) == ["attendance-att-1.xlsx", "attendance-att-2.xlsx"]
    grid = load_workbook(io.BytesIO(archive.read("attendance-att-1.xlsx"))).active
    assert grid["A2"].value == "anne"


def test_import_page_dry_run_then_apply_then_report(world, callers):  # noqa: F811
    client = client_of(callers["manager"])
    before = snapshot(world)
    response = upload(client, world, "attendance_wide_fr_utf8_bom_semicolon.csv")
    content = response.content.decode()
    assert "Dry run: nothing has been written yet" in content
    assert "Would change: 5" in content and "Unknown séance: 1" in content
    assert snapshot(world) == before
    refused = client.post(url("import", world), {"token": hidden(response, "token"), "apply": "1"})
    assert "cells have errors" in refused.content.decode()
    assert snapshot(world) == before
    applied = client.post(
        url("import", world), {"token": hidden(response, "token"), "apply": "1", "allow_errors": "on"}
    )
    assert "Import applied" in applied.content.decode() and "Changed: 5" in applied.content.decode()
    assert RegistrationHistory.objects.filter(reason="import", actor=callers["manager"]).count() == 5
    report = client.post(url("import_report", world), {"report": hidden(applied, "report")})
    rows = list(csv.reader(io.StringIO(report.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][:5] == ["line", "person", "séance", "status in the file", "result"]
    assert len(rows) == 1 + 11 and rows[1][4:7] == ["Changed", "Unknown", "Present"]
    # A token of this session does not apply to another one.
    other = world["session"].course.sessions.exclude(pk=world["session"].pk).get()
    elsewhere = client.post(
        reverse("admin:cursus_xblock_session_attendance_import", args=[other.pk]),
        {"token": hidden(response, "token"), "apply": "1", "allow_errors": "on"},
    )
    assert "This dry run has expired" in elsewhere.content.decode()
