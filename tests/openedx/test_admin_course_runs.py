"""In the LMS admin, a session's workspace is a course run: named so, linked, and checked on save."""

import pytest
from django.core.checks import run_checks
from django.urls import reverse

from ..factories import SessionFactory

pytestmark = pytest.mark.django_db


def test_sessions_show_their_course_run_linked_to_the_lms(openedx_backend, admin_client, settings):
    settings.LMS_ROOT_URL = "https://lms.example.org"
    session = SessionFactory(workspace_key="course-v1:Org+SST+2026")

    page = admin_client.get(reverse("admin:cursus_xblock_session_changelist")).content.decode()
    form = admin_client.get(reverse("admin:cursus_xblock_session_change", args=[session.pk])).content.decode()

    assert "Course run" in page
    assert 'href="https://lms.example.org/courses/course-v1:Org+SST+2026/about"' in page
    assert '<label for="id_workspace_key">Course run:</label>' in form


def test_outside_open_edx_it_is_a_workspace(admin_client):
    SessionFactory(workspace_key="atelier-lyon")
    page = admin_client.get(reverse("admin:cursus_xblock_session_changelist")).content.decode()
    assert "Workspace" in page and "atelier-lyon" in page


def test_a_key_that_is_not_a_course_run_is_refused_with_the_reason(openedx_backend, admin_client):
    session = SessionFactory(workspace_key="course-v1:Org+SST+2026")
    data = {
        "course": session.course.pk,
        "code": session.code,
        "name": session.name,
        "status": session.status,
        "start_0": "2030-01-10",
        "start_1": "09:00",
        "end_0": "2030-01-11",
        "end_1": "17:00",
        "time_zone": "Europe/Paris",
        "waiting_list_enabled": "on",
        "workspace_key": "Sécurité 2026",
        "events-TOTAL_FORMS": 0,
        "events-INITIAL_FORMS": 0,
    }

    response = admin_client.post(reverse("admin:cursus_xblock_session_change", args=[session.pk]), data)

    assert response.status_code == 200
    assert dict(response.context["adminform"].form.errors) == {
        "workspace_key": ["“Sécurité 2026” is not a course run key (expected e.g. course-v1:Org+Course+Run)."]
    }
    session.refresh_from_db()
    assert session.workspace_key == "course-v1:Org+SST+2026"

    data["workspace_key"] = " course-v1:Org+SST+2027 "
    assert admin_client.post(reverse("admin:cursus_xblock_session_change", args=[session.pk]), data).status_code == 302
    session.refresh_from_db()
    assert session.workspace_key == "course-v1:Org+SST+2027"


@pytest.mark.parametrize(
    ("setting", "value", "check"),
    [
        ("CURSUS_MANAGER_COURSE_ROLE", "owner", "cursus_xblock.E003"),
        ("CURSUS_UNENROLLMENT_POLICY", "drop", "cursus_xblock.E004"),
    ],
)
def test_open_edx_settings_with_unknown_values_fail_the_system_check(settings, setting, value, check):
    setattr(settings, setting, value)
    assert [e.id for e in run_checks() if e.id.startswith("cursus_xblock")] == [check]
