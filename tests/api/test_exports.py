"""Issue 18 item 3: the exports through the API, for what the caller manages."""

import csv
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook
from rest_framework.test import APIClient

from ..factories import SessionFactory
from ..test_exports import world  # noqa: F401  (the fixture: two organizations, a waiting list)


def _url(what):
    return reverse("cursus_xblock:api-export", args=[what])


def _client(user=None):
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def _rows(response):
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text), delimiter=";"))


def test_a_manager_exports_the_registrations_of_their_organization_only(world):  # noqa: F811
    response = _client(world["manager"]).get(_url("registrations"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = _rows(response)
    assert {row[1] for row in rows[1:]} == {"anne", "bruno", "chloe", "dan", "tom"}  # not ève, of THEIRS
    assert {row[3] for row in rows[1:]} == {"EXP-A"}


def test_filters_narrow_the_export(world):  # noqa: F811
    client = _client(world["manager"])
    waiting = _rows(client.get(_url("registrations"), {"status": "waiting"}))
    assert sorted(row[1] for row in waiting[1:]) == ["bruno", "chloe"]
    assert len(_rows(client.get(_url("registrations"), {"course": "C-B"}))) == 1  # the header only: not theirs
    roster = _rows(client.get(_url("roster"), {"session": "EXP-A"}))
    assert [row[5] for row in roster[1:] if row[4]] == ["Chloé Çelik", "Bruno Bézier"]  # the queue, in order


def test_xlsx_is_a_workbook(world):  # noqa: F811
    response = _client(world["manager"]).get(_url("registrations"), {"as": "xlsx"})
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    assert sheet.max_row == 6  # header and five registrations


@pytest.mark.parametrize(
    "params, field",
    [
        ({"as": "pdf"}, "as"),
        ({"status": "nonsense"}, "status"),
        ({"start_from": "2026-13-40"}, "start_from"),
        ({"start_from": "2026-12-01", "start_until": "2026-11-01"}, "start_until"),
    ],
)
def test_bad_parameters_are_a_400_naming_the_field(world, params, field):  # noqa: F811
    response = _client(world["manager"]).get(_url("registrations"), params)
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert field in response.json()["fields"]


def test_the_attendance_grid_is_per_session(world):  # noqa: F811
    SessionFactory(code="EXP-A2", course=world["mine"].course)  # the manager now has two sessions
    client = _client(world["manager"])
    refused = client.get(_url("attendance"))
    assert refused.status_code == 400 and "per session" in refused.json()["message"]
    assert client.get(_url("attendance"), {"session": "EXP-A"}).status_code == 200
    # Another organization's session is as good as unknown.
    assert client.get(_url("attendance"), {"session": "EXP-B"}).status_code == 400


def test_unknown_export_is_a_404(world):  # noqa: F811
    assert _client(world["manager"]).get(_url("everything")).status_code == 404


@pytest.mark.parametrize("who", ["anonymous", "learner"])
def test_only_training_managers_export(world, who):  # noqa: F811
    user = None if who == "anonymous" else world["people"]["anne"]
    response = _client(user).get(_url("registrations"))
    assert response.status_code in (401, 403)
    assert response["Content-Type"] == "application/json"
