"""In Open edX a course's organization is its course run's org (``course-v1:Org+Course+Run``)."""

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError

from cursus_xblock.models import Course, Organization, Session
from cursus_xblock.models.organizations import assign_course_organizations

from ..factories import CourseFactory, SessionFactory

pytestmark = pytest.mark.django_db


def test_a_course_takes_its_default_course_runs_organization(openedx_backend):
    course = CourseFactory(default_workspace_key="course-v1:ORGA+SST+2026")
    again = CourseFactory(default_workspace_key="course-v1:ORGA+MGT+2026")

    course.refresh_from_db()
    assert course.organization.short_name == "ORGA"
    assert course.organization.name == "ORGA"  # no edx-organizations here: its short name
    assert again.organization_id == course.organization_id  # one row per org
    assert Organization.objects.count() == 1


def test_a_course_without_default_run_takes_its_first_sessions_organization(openedx_backend):
    course = CourseFactory(default_workspace_key="")
    SessionFactory(course=course, workspace_key="course-v1:ORGB+SST+2026_T1")

    course.refresh_from_db()
    assert course.organization.short_name == "ORGB"


def test_a_session_on_another_organizations_course_run_is_refused(openedx_backend):
    course = CourseFactory(default_workspace_key="course-v1:ORGA+SST+2026")
    session = SessionFactory.build(course=course, workspace_key="course-v1:ORGB+SST+2026")

    with pytest.raises(ValidationError) as raised:
        session.full_clean()

    assert raised.value.message_dict["workspace_key"] == [
        "This course run belongs to the organization ORGB, not to the course's (ORGA)."
    ]
    assert not Session.objects.filter(code=session.code).exists()


def test_outside_open_edx_the_organization_is_chosen_not_derived():
    course = CourseFactory(default_workspace_key="course-v1:ORGA+SST+2026")
    SessionFactory(course=course, workspace_key="course-v1:ORGA+SST+2026")
    course.refresh_from_db()
    assert course.organization is None
    assert not Organization.objects.exists()


def test_the_migration_gives_existing_courses_the_organization_of_their_runs(openedx_backend):
    """What 0005's data migration does, with the app's models standing in for the historical ones."""
    defaults = CourseFactory(code="DEF", default_workspace_key="course-v1:ORGA+DEF+2026")
    by_sessions = CourseFactory(code="SES")
    mixed = CourseFactory(code="MIX")
    bare = CourseFactory(code="BARE")
    # As before organizations existed: no course has one yet.
    Course.objects.update(organization=None)
    Session.objects.bulk_create(
        [
            SessionFactory.build(course=by_sessions, workspace_key="course-v1:ORGB+SES+T1"),
            SessionFactory.build(course=by_sessions, workspace_key="course-v1:ORGB+SES+T2"),
            SessionFactory.build(course=mixed, workspace_key="course-v1:ORGA+MIX+T1"),
            SessionFactory.build(course=mixed, workspace_key="course-v1:ORGB+MIX+T1"),
            SessionFactory.build(course=bare, workspace_key="atelier-lyon"),
        ]
    )

    assigned = assign_course_organizations(
        course_model=apps.get_model("cursus_xblock", "Course"),
        session_model=apps.get_model("cursus_xblock", "Session"),
        organization_model=apps.get_model("cursus_xblock", "Organization"),
    )
    again = assign_course_organizations(course_model=Course, session_model=Session, organization_model=Organization)

    organizations = dict(Course.objects.values_list("code", "organization__short_name"))
    assert organizations == {"DEF": "ORGA", "SES": "ORGB", "MIX": None, "BARE": None}
    assert (assigned, again) == (2, 0)
    assert defaults.pk
