"""Issue 11, item 5: ``cursus_sync_workspaces`` against the edx-platform double.

Registrations confirmed while another backend was active have no enrollment and no course role;
the command reports them (dry run) and grants them, once; roles left over from cancelled
registrations are reported, and taken away only when asked.
"""

import csv
import io

import pytest
from django.core.management import CommandError, call_command
from opaque_keys.edx.keys import CourseKey

from cursus_xblock.models import Role
from cursus_xblock.services import registration as service

from ..factories import SessionFactory, UserFactory
from .edx_platform_double.student_models import CourseEnrollment

pytestmark = pytest.mark.django_db

GROUPS_BACKEND = "cursus_xblock.backends.groups.GroupsWorkspaceBackend"
OPENEDX_BACKEND = "cursus_xblock.backends.openedx.OpenEdxWorkspaceBackend"


def sync(*args):
    """The command's CSV rows (without the header) and its summary."""
    out, err = io.StringIO(), io.StringIO()
    call_command("cursus_sync_workspaces", *args, stdout=out, stderr=err)
    header, *rows = csv.reader(io.StringIO(out.getvalue()))
    assert header == ["user", "workspace", "role", "found", "action", "message"]
    return rows, err.getvalue().strip()


def active(key):
    return set(CourseEnrollment.objects.filter(course_id=str(key), is_active=True).values_list("user_id", flat=True))


@pytest.fixture
def before_the_backend(openedx_backend, settings):
    """Two sessions on two course runs, with learners and a trainer registered under the groups backend."""
    settings.CURSUS_WORKSPACE_BACKEND = GROUPS_BACKEND
    first, second = SessionFactory(), SessionFactory()
    for session in (first, second):
        openedx_backend.add_course(session.workspace_key)
    ann, bob, tom = (UserFactory(username=name) for name in ("ann", "bob", "tom"))
    service.register_users(session=first, users=[ann, bob], role=Role.LEARNER)
    service.register_users(session=first, users=[tom], role=Role.TRAINER)
    service.register_users(session=second, users=[bob], role=Role.LEARNER)
    settings.CURSUS_WORKSPACE_BACKEND = OPENEDX_BACKEND
    openedx_backend.calls.clear()
    return first, second, (ann, bob, tom)


def test_item5_a_dry_run_reports_what_is_missing_and_changes_nothing(before_the_backend, openedx_backend):
    first, second, _people = before_the_backend

    rows, summary = sync("--dry-run")

    assert sorted(rows) == sorted(
        [
            ["ann", first.workspace_key, "collaborator", "missing", "would grant", ""],
            ["bob", first.workspace_key, "collaborator", "missing", "would grant", ""],
            ["tom", first.workspace_key, "manager", "missing", "would grant", ""],
            ["bob", second.workspace_key, "collaborator", "missing", "would grant", ""],
        ]
    )
    assert summary.startswith("Dry run, nothing changed. 4 looked at: 4 missing")
    assert CourseEnrollment.objects.count() == 0
    assert "CourseEnrollment.enroll" not in [name for name, _args, _kwargs in openedx_backend.calls]


def test_item5_the_command_enrolls_and_gives_the_course_role_once(before_the_backend, course_role, enrollment_events):
    first, second, (ann, bob, tom) = before_the_backend
    key = CourseKey.from_string(first.workspace_key)

    rows, summary = sync()

    assert {(r[0], r[1], r[4]) for r in rows} == {
        ("ann", first.workspace_key, "granted"),
        ("bob", first.workspace_key, "granted"),
        ("tom", first.workspace_key, "granted"),
        ("bob", second.workspace_key, "granted"),
    }
    assert "4 granted" in summary
    assert active(key) == {ann.pk, bob.pk, tom.pk}
    assert active(second.workspace_key) == {bob.pk}
    assert course_role(tom, key) == {"staff"}
    assert len(enrollment_events) == 4

    rows, summary = sync()  # idempotent: nothing left to repair
    assert rows == []
    assert summary.startswith("4 looked at: 0 missing")
    assert len(enrollment_events) == 4

    rows, _summary = sync("--verbosity", "2")  # every row, held ones too
    assert {tuple(r[3:5]) for r in rows} == {("held", "none")}
    assert len(rows) == 4


def test_item5_a_trainer_enrolled_but_not_course_staff_gets_the_role(before_the_backend, course_role):
    first, _second, (_ann, _bob, tom) = before_the_backend
    key = CourseKey.from_string(first.workspace_key)
    CourseEnrollment.enroll(tom, key)

    rows, _summary = sync("--workspace", first.workspace_key)

    assert ["tom", first.workspace_key, "manager", "missing", "granted", ""] in rows
    assert course_role(tom, key) == {"staff"}


def test_item5_what_the_platform_refuses_is_reported_per_person(before_the_backend, settings):
    from . import steps

    settings.OPEN_EDX_FILTERS_CONFIG = {
        "org.openedx.learning.course.enrollment.started.v1": {
            "fail_silently": False,
            "pipeline": ["tests.openedx.steps.RefuseUsers"],
        }
    }
    first, _second, (ann, _bob, tom) = before_the_backend
    steps.REFUSED_USERS.add(("bob", first.workspace_key))
    try:
        dry, _summary = sync("--dry-run", "--session", str(first.pk))
        rows, summary = sync("--session", str(first.pk))
    finally:
        steps.REFUSED_USERS.clear()

    message = f"The LMS refused the enrollment in {first.workspace_key}: Payment required."
    assert ["bob", first.workspace_key, "collaborator", "missing", "would be refused", message] in dry
    assert ["bob", first.workspace_key, "collaborator", "missing", "refused", message] in rows
    assert ["ann", first.workspace_key, "collaborator", "missing", "granted", ""] in rows
    assert "2 granted, 1 refused" in summary
    assert active(first.workspace_key) == {ann.pk, tom.pk}


def test_item5_filters_narrow_what_is_looked_at(before_the_backend):
    first, second, (_ann, bob, _tom) = before_the_backend

    rows, _summary = sync("--workspace", second.workspace_key)

    assert rows == [["bob", second.workspace_key, "collaborator", "missing", "granted", ""]]
    assert active(first.workspace_key) == set()

    with pytest.raises(CommandError, match="Unknown sessions: 999999."):
        sync("--session", "999999")


def test_item5_roles_left_over_from_cancelled_registrations_are_reported_not_taken(
    openedx_backend, settings, course_role
):
    session = SessionFactory()
    openedx_backend.add_course(session.workspace_key)
    key = CourseKey.from_string(session.workspace_key)
    left, staff, outsider = (UserFactory(username=name) for name in ("left", "staff", "outsider"))
    registrations = [
        service.register(user=user, sessions=[session], role=Role.LEARNER)[0].registration for user in (left, staff)
    ]
    openedx_backend.student_roles.CourseStaffRole(key).add_users(staff)
    CourseEnrollment.enroll(outsider, key)  # enrolled by other means: none of our business
    settings.CURSUS_WORKSPACE_BACKEND = GROUPS_BACKEND  # unregistered while another backend was active
    for registration in registrations:
        service.unregister(registration=registration)
    settings.CURSUS_WORKSPACE_BACKEND = OPENEDX_BACKEND

    rows, summary = sync()

    assert sorted(rows) == [
        ["left", session.workspace_key, "collaborator", "held without registration", "reported", ""],
        ["staff", session.workspace_key, "collaborator", "held without registration", "reported", ""],
    ]
    assert "2 held without registration" in summary
    assert active(key) == {left.pk, staff.pk, outsider.pk}

    rows, _summary = sync("--revoke-orphans", "--dry-run")
    assert {r[4] for r in rows} == {"would revoke"}
    assert active(key) == {left.pk, staff.pk, outsider.pk}

    rows, _summary = sync("--revoke-orphans")
    assert sorted(rows) == [
        ["left", session.workspace_key, "collaborator", "held without registration", "revoked", ""],
        ["staff", session.workspace_key, "collaborator", "held without registration", "kept by the workspace", ""],
    ]
    assert active(key) == {staff.pk, outsider.pk}  # the course team keeps its enrollment
