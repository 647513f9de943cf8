"""Issue 11 items 2 and 5 in a real LMS: its CourseEnrollment, request cache, roles and events.

edx-platform modules are imported inside the tests (they only exist in the LMS).
"""

import csv
import io

import lms_steps
import pytest

pytestmark = pytest.mark.django_db

OPENEDX = "cursus_xblock.backends.openedx.OpenEdxWorkspaceBackend"
GROUPS = "cursus_xblock.backends.groups.GroupsWorkspaceBackend"


@pytest.fixture(autouse=True)
def platform(settings):
    from edx_django_utils.cache import RequestCache

    settings.CURSUS_WORKSPACE_BACKEND = OPENEDX
    RequestCache.clear_all_namespaces()  # a new request
    yield
    lms_steps.REFUSED.clear()
    RequestCache.clear_all_namespaces()


@pytest.fixture
def refuse(settings):
    settings.OPEN_EDX_FILTERS_CONFIG = {
        "org.openedx.learning.course.enrollment.started.v1": {
            "fail_silently": False,
            "pipeline": ["lms_steps.RefuseUsers"],
        }
    }
    return lms_steps.REFUSED


@pytest.fixture
def events():
    from openedx_events.learning.signals import COURSE_ENROLLMENT_CREATED

    sent = []

    def receive(signal, sender, enrollment, **kwargs):
        sent.append(enrollment.user.pii.username)

    COURSE_ENROLLMENT_CREATED.connect(receive, weak=False, dispatch_uid="tests_lms.events")
    yield sent
    COURSE_ENROLLMENT_CREATED.disconnect(dispatch_uid="tests_lms.events")


_counter = iter(range(10_000))


def course_run(**overview):
    import datetime

    from django.utils import timezone
    from opaque_keys.edx.keys import CourseKey
    from openedx.core.djangoapps.content.course_overviews.tests.factories import CourseOverviewFactory

    from cursus_xblock.models import Course, Session

    n = next(_counter)
    key = CourseKey.from_string(f"course-v1:CursusX+LMS{n}+2026")
    CourseOverviewFactory.create(id=key, display_name=f"Run {n}", **overview)
    course = Course.objects.create(code=f"C{n}", title=f"Course {n}")
    start = timezone.now() + datetime.timedelta(days=10)
    session = Session.objects.create(
        course=course,
        code=f"S{n}",
        name=f"Session {n}",
        start=start,
        end=start + datetime.timedelta(days=2),
        workspace_key=str(key),
    )
    return session, key


def people(*names):
    from common.djangoapps.student.tests.factories import UserFactory

    return [UserFactory.create(username=name) for name in names]


def active(key):
    from common.djangoapps.student.models import CourseEnrollment

    return set(CourseEnrollment.objects.filter(course_id=key, is_active=True).values_list("user__username", flat=True))


def results(outcomes):
    return [str(o.result) for o in outcomes]


def test_item2_a_filter_refusing_the_third_learner(refuse, events):
    from cursus_xblock.models import Role
    from cursus_xblock.services import registration as service

    session, key = course_run()
    learners = people("ann", "bob", "cid")
    refuse.add("cid")

    outcomes = service.register_users(session=session, users=learners, role=Role.LEARNER)

    assert results(outcomes) == ["registered", "registered", "refused"]
    assert active(key) == {"ann", "bob"}
    assert events == ["ann", "bob"]


def test_item2_trainers(refuse, events):
    from common.djangoapps.student.roles import CourseStaffRole

    from cursus_xblock.models import Role
    from cursus_xblock.services import registration as service

    session, key = course_run()
    trainers = people("tia", "tom", "tess")
    refuse.add("tess")

    outcomes = service.register_users(session=session, users=trainers, role=Role.TRAINER)

    assert results(outcomes) == ["registered", "registered", "refused"]
    assert active(key) == {"tia", "tom"}
    assert set(CourseStaffRole(key).users_with_role().values_list("username", flat=True)) == {"tia", "tom"}
    assert events == ["tia", "tom"]


def test_item2_check_access_and_a_capacity_of_two(settings, events):
    from cursus_xblock.models import Role
    from cursus_xblock.services import registration as service

    settings.CURSUS_ENROLLMENT_CHECK_ACCESS = True
    session, key = course_run(max_student_enrollments_allowed=2)
    learners = people("dan", "eve", "fay")

    outcomes = service.register_users(session=session, users=learners, role=Role.LEARNER)

    assert results(outcomes) == ["registered", "registered", "refused"]
    assert "is full" in str(outcomes[2].message)
    assert active(key) == {"dan", "eve"}
    assert events == ["dan", "eve"]


def test_item5_sync_enrolls_registrations_confirmed_before_the_backend(settings):
    from django.core.management import call_command

    from cursus_xblock.models import Role
    from cursus_xblock.services import registration as service

    settings.CURSUS_WORKSPACE_BACKEND = GROUPS
    session, key = course_run()
    ann, tom = people("sync_ann", "sync_tom")
    service.register_users(session=session, users=[ann], role=Role.LEARNER)
    service.register_users(session=session, users=[tom], role=Role.TRAINER)
    settings.CURSUS_WORKSPACE_BACKEND = OPENEDX

    def sync(*args):
        out, err = io.StringIO(), io.StringIO()
        call_command("cursus_sync_workspaces", *args, stdout=out, stderr=err)
        return list(csv.reader(io.StringIO(out.getvalue())))[1:]

    assert {(r[0], r[3], r[4]) for r in sync("--dry-run")} == {
        ("sync_ann", "missing", "would grant"),
        ("sync_tom", "missing", "would grant"),
    }
    assert active(key) == set()
    assert {(r[0], r[4]) for r in sync()} == {("sync_ann", "granted"), ("sync_tom", "granted")}
    assert active(key) == {"sync_ann", "sync_tom"}
    assert sync() == []
