"""Issue 18 item 1: imports through the API — dry run, apply, background jobs, and who may."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings

from cursus_xblock.models import ImportJob, Registration, Role

from .conftest import state

URL = "/cursus/api/v1/imports/registrations/"
FILE = "username;session;role\nhugo.moreau;SST-2026-06;apprenant\nnobody@example.org;SST-2026-06;learner\n"


def post(client, content=FILE, **data):
    return client.post(URL, {"file": SimpleUploadedFile("rh.csv", content.encode()), **data}, format="multipart")


@pytest.mark.parametrize("caller", ["anonymous", "learner", "staff", "manager"])
def test_who_may_import(world, client_as, anonymous_status, caller):
    before = state()
    response = post(client_as(caller), dry_run="false", allow_errors="true")
    expected = {"anonymous": anonymous_status, "learner": 403, "staff": 403, "manager": 200}[caller]
    assert response.status_code == expected, response.content
    if caller != "manager":
        assert response.json()["code"] in ("not_authenticated", "permission_denied")
        assert state() == before


def test_a_dry_run_reports_every_row_and_writes_nothing(world, client_as):
    before = state()
    response = post(client_as("manager"))
    assert response.status_code == 200
    body = response.json()
    assert state() == before
    assert (body["dry_run"], body["applied"], body["rows_total"], body["errors"]) == (True, False, 2, 1)
    assert [(row["line"], row["result"], row["ok"]) for row in body["rows"]] == [
        (2, "registered", True),
        (3, "unknown_person", False),
    ]
    assert body["rows"][1]["cells"][-1] == "No person has this username or e-mail address."
    assert body["header"][:2] == ["line", "person"]


def test_an_apply_returns_the_report_and_registers(world, client_as, people):
    response = post(client_as("manager"), dry_run="false")
    assert response.status_code == 409
    assert response.json() == {
        "code": "import_has_errors",
        "message": "1 rows have errors: correct the file, or apply its valid rows only.",
    }
    assert not Registration.objects.filter(user=people.other).exists()

    response = post(client_as("manager"), dry_run="false", allow_errors="true")
    assert response.status_code == 200
    body = response.json()
    assert (body["applied"], body["counts"]) == (
        True,
        [{"label": "Registered", "count": 1}, {"label": "Unknown person", "count": 1}],
    )
    assert Registration.objects.get(user=people.other, session=world.session).role == Role.LEARNER


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("PK\x03\x04not a workbook", "The file is neither a CSV file nor a readable XLSX workbook."),
        ("name;code\nalice;S1\n", "The file needs a column for the person (username or e-mail), the session code"),
    ],
)
def test_a_bad_file_is_a_400_with_a_clear_message(world, client_as, content, message):
    before = state()
    response = post(client_as("manager"), content)
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_file"
    assert response.json()["message"].startswith(message)
    assert state() == before
    response = client_as("manager").post(URL, {"dry_run": "true"}, format="multipart")
    assert response.status_code == 400 and "file" in response.json()["fields"]
    response = post(client_as("manager"), "")
    assert response.status_code == 400
    assert response.json()["fields"]["file"] == ["The submitted file is empty."]


@override_settings(CURSUS_IMPORT_BACKGROUND_ROWS=1)
def test_a_large_file_is_a_job_read_at_its_url(world, client_as, people, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    response = post(client_as("manager"), dry_run="false", allow_errors="true")
    assert response.status_code == 202
    job = response.json()
    assert (job["status"], job["rows_total"], job["dry_run"]) == ("done", 2, False)  # no Celery here: run at once
    assert job["url"] == f"/cursus/api/v1/imports/{job['id']}/"
    assert Registration.objects.filter(user=people.other, session=world.session).exists()

    read = client_as("manager").get(job["url"])
    assert read.status_code == 200
    assert read.json()["report"] == [
        ["2", "hugo.moreau", "SST-2026-06", "apprenant", "Registered", "", ""],
        [
            "3",
            "nobody@example.org",
            "SST-2026-06",
            "learner",
            "Unknown person",
            "",
            "No person has this username or e-mail address.",
        ],
    ]
    assert read.json()["counts"] == [{"label": "Registered", "count": 1}, {"label": "Unknown person", "count": 1}]
    # Someone else's job is not found, even by another manager; nobody else reads it.
    other_manager = people.manager.__class__.objects.create(username="manager2")
    other_manager.user_permissions.add(*people.manager.user_permissions.all())
    assert client_as(other_manager).get(job["url"]).status_code == 404
    assert client_as("staff").get(job["url"]).status_code == 403
    assert client_as("manager").get("/cursus/api/v1/imports/999999/").status_code == 404
    assert ImportJob.objects.count() == 1


def test_the_sessions_import_needs_the_permission_to_add_sessions(world, client_as):
    content = "course;session;name;start;end\nSST-01;SST-2026-09;SST — Paris;2026-09-14 09:00;2026-09-15 17:00\n"
    response = client_as("manager").post(
        "/cursus/api/v1/imports/sessions/", {"file": SimpleUploadedFile("s.csv", content.encode())}, format="multipart"
    )
    assert response.status_code == 403
    assert response.json()["message"] == "You need the permission to add sessions."
