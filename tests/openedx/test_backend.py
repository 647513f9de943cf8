"""The Open edX backend through the registration service, against the edx-platform double.

Exact calls into the platform for grant and revoke, the platform's refusals as refused outcomes
that leave nothing behind, and revocation only when the last registration granting a role ends.
"""

import datetime

import pytest
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.utils import timezone
from opaque_keys.edx.keys import CourseKey

from cursus_xblock.backends import get_backend
from cursus_xblock.backends.groups import GroupsWorkspaceBackend
from cursus_xblock.models import Registration, RegistrationHistory, RegistrationStatus, Role
from cursus_xblock.openedx.backend import OpenEdxWorkspaceBackend
from cursus_xblock.services import registration as service
from cursus_xblock.services.outcomes import Refusal, Result

from ..factories import SessionFactory, UserFactory
from . import steps
from .edx_platform_double.student_models import CourseEnrollment

pytestmark = pytest.mark.django_db


def call(name, *args, **kwargs):
    return (name, args, kwargs)


def run_session(platform, **attributes):
    """A session whose workspace is a course run that exists in the LMS."""
    session = SessionFactory(**attributes)
    platform.add_course(session.workspace_key)
    return session, CourseKey.from_string(session.workspace_key)


@pytest.fixture
def filter_steps(settings):
    """Other plugins' CourseEnrollmentStarted steps, as an operator would configure them."""
    settings.OPEN_EDX_FILTERS_CONFIG = {
        "org.openedx.learning.course.enrollment.started.v1": {
            "fail_silently": False,
            "pipeline": ["tests.openedx.steps.RefuseUsers", "tests.openedx.steps.Crash"],
        }
    }
    yield steps
    steps.REFUSED_USERS.clear()
    steps.CRASH_ON.clear()


# --- grant ------------------------------------------------------------------------------------


def test_registering_a_learner_enrolls_them_in_the_course_run(openedx_backend, enrollment, course_role):
    session, key = run_session(openedx_backend)
    learner = UserFactory()

    (outcome,) = service.register(user=learner, sessions=[session], role=Role.LEARNER)

    assert outcome.result == Result.REGISTERED
    assert openedx_backend.calls == [
        call("CourseOverview.get_from_id", key),
        call("CourseEnrollment.bulk_fetch_enrollment_states", [learner], key),
        call("CourseEnrollment.is_enrolled", learner, key),
        call("CourseEnrollment.enroll", learner, key, mode="audit", check_access=False),
    ]
    row = enrollment(learner, key)
    assert (row.is_active, row.mode) == (True, "audit")
    assert course_role(learner, key) == set()


@pytest.mark.parametrize(
    ("setting", "role_class", "role_name"),
    [("staff", "CourseStaffRole", "staff"), ("instructor", "CourseInstructorRole", "instructor")],
)
def test_registering_a_trainer_makes_them_course_staff_and_enrolls_them(
    openedx_backend, enrollment, course_role, settings, setting, role_class, role_name
):
    settings.CURSUS_MANAGER_COURSE_ROLE = setting
    session, key = run_session(openedx_backend)
    trainer = UserFactory()

    (outcome,) = service.register(user=trainer, sessions=[session], role=Role.TRAINER)

    assert outcome.result == Result.REGISTERED
    assert openedx_backend.calls == [
        call("CourseOverview.get_from_id", key),
        call("CourseEnrollment.bulk_fetch_enrollment_states", [trainer], key),
        call("CourseEnrollment.is_enrolled", trainer, key),
        call("CourseEnrollment.enroll", trainer, key, mode="audit", check_access=False),
        call(f"{role_class}.add_users", key, trainer),
    ]
    assert course_role(trainer, key) == {role_name}
    assert enrollment(trainer, key).is_active


def test_the_enrollment_mode_and_access_checks_follow_the_settings(openedx_backend, enrollment, settings):
    settings.CURSUS_ENROLLMENT_MODE = "honor"
    settings.CURSUS_ENROLLMENT_CHECK_ACCESS = True
    session, key = run_session(openedx_backend)
    learner = UserFactory()

    service.register(user=learner, sessions=[session], role=Role.LEARNER)

    assert call("CourseEnrollment.enroll", learner, key, mode="honor", check_access=True) in openedx_backend.calls
    assert enrollment(learner, key).mode == "honor"


def test_someone_already_enrolled_keeps_their_mode(openedx_backend, enrollment):
    session, key = run_session(openedx_backend)
    learner = UserFactory()
    CourseEnrollment.objects.create(user_id=learner.pk, course_id=str(key), mode="verified", is_active=True)

    (outcome,) = service.register(user=learner, sessions=[session], role=Role.LEARNER)

    assert outcome.result == Result.REGISTERED
    assert [name for name, _args, _kwargs in openedx_backend.calls] == [
        "CourseOverview.get_from_id",
        "CourseEnrollment.bulk_fetch_enrollment_states",
        "CourseEnrollment.is_enrolled",
    ]
    assert enrollment(learner, key).mode == "verified"


def test_a_learner_promoted_from_the_waiting_list_is_enrolled(openedx_backend, enrollment):
    session, key = run_session(openedx_backend, capacity=1)
    first, second = UserFactory(), UserFactory()
    registration = service.register(user=first, sessions=[session], role=Role.LEARNER)[0].registration
    assert service.register(user=second, sessions=[session], role=Role.LEARNER)[0].result == Result.WAITING
    assert enrollment(second, key) is None

    outcome = service.unregister(registration=registration)

    assert [r.user for r in outcome.promoted] == [second]
    assert enrollment(second, key).is_active
    assert not enrollment(first, key).is_active


# --- revoke -----------------------------------------------------------------------------------


def test_unregistering_a_learner_unenrolls_them(openedx_backend, enrollment):
    session, key = run_session(openedx_backend)
    learner = UserFactory()
    registration = service.register(user=learner, sessions=[session], role=Role.LEARNER)[0].registration
    openedx_backend.calls.clear()

    service.unregister(registration=registration, reason="Moved to another session")

    assert openedx_backend.calls == [
        call("CourseStaffRole.users_with_role", key),
        call("CourseInstructorRole.users_with_role", key),
        call("CourseEnrollment.bulk_fetch_enrollment_states", [learner], key),
        call("CourseEnrollment.is_enrolled", learner, key),
        call("CourseEnrollment.unenroll", learner, key),
    ]
    assert enrollment(learner, key).is_active is False


def test_unregistering_a_trainer_removes_the_course_role_and_keeps_the_enrollment(
    openedx_backend, enrollment, course_role
):
    session, key = run_session(openedx_backend)
    trainer = UserFactory()
    registration = service.register(user=trainer, sessions=[session], role=Role.TRAINER)[0].registration
    openedx_backend.calls.clear()

    service.unregister(registration=registration)

    assert openedx_backend.calls == [call("CourseStaffRole.remove_users", key, trainer)]
    assert course_role(trainer, key) == set()
    assert enrollment(trainer, key).is_active  # they may still be a learner there: never unenrolled


def test_someone_who_already_left_the_course_run_is_not_unenrolled_again(openedx_backend, enrollment):
    session, key = run_session(openedx_backend)
    learner = UserFactory()
    registration = service.register(user=learner, sessions=[session], role=Role.LEARNER)[0].registration
    CourseEnrollment.objects.filter(user_id=learner.pk).update(is_active=False)
    openedx_backend.calls.clear()

    service.unregister(registration=registration)

    assert "CourseEnrollment.unenroll" not in [name for name, _args, _kwargs in openedx_backend.calls]


def test_a_member_of_the_course_team_who_stops_being_a_learner_stays_enrolled(openedx_backend, enrollment, course_role):
    session, key = run_session(openedx_backend)
    person = UserFactory()
    service.register(user=person, sessions=[session], role=Role.TRAINER)
    learning = service.register(user=person, sessions=[session], role=Role.LEARNER)[0].registration

    service.unregister(registration=learning)

    assert course_role(person, key) == {"staff"}
    assert enrollment(person, key).is_active


@pytest.mark.parametrize("role", [Role.LEARNER, Role.TRAINER])
def test_roles_go_only_when_the_last_registration_granting_them_on_the_run_ends(
    openedx_backend, enrollment, course_role, role
):
    first, key = run_session(openedx_backend)
    second = SessionFactory(course=first.course, workspace_key=first.workspace_key)
    person = UserFactory()
    registrations = [o.registration for o in service.register(user=person, sessions=[first, second], role=role)]
    openedx_backend.calls.clear()

    service.unregister(registration=registrations[0])

    assert openedx_backend.calls == []
    assert enrollment(person, key).is_active
    assert course_role(person, key) == ({"staff"} if role == Role.TRAINER else set())

    service.unregister(registration=registrations[1])

    if role == Role.LEARNER:
        assert openedx_backend.calls[-1] == call("CourseEnrollment.unenroll", person, key)
        assert enrollment(person, key).is_active is False
    else:
        assert openedx_backend.calls == [call("CourseStaffRole.remove_users", key, person)]
        assert course_role(person, key) == set()


# --- the platform refuses: a refused outcome for that session, nothing left behind --------------


def _unknown_course(platform, session, user, settings, filter_steps):
    platform.course_overviews.COURSES.pop(session.workspace_key)
    return "does not exist in the LMS"


def _invalid_key(platform, session, user, settings, filter_steps):
    session.workspace_key = "Sécurité 2026"
    session.save()
    return "is not a course run key"


def _inactive_user(platform, session, user, settings, filter_steps):
    user.is_active = False
    user.save()
    return "not active in the LMS"


def _enrollment_closed(platform, session, user, settings, filter_steps):
    settings.CURSUS_ENROLLMENT_CHECK_ACCESS = True
    platform.add_course(session.workspace_key, enrollment_end=timezone.now() - datetime.timedelta(days=1))
    return "is closed"


def _course_full(platform, session, user, settings, filter_steps):
    settings.CURSUS_ENROLLMENT_CHECK_ACCESS = True
    platform.add_course(session.workspace_key, max_enrollments=1)
    CourseEnrollment.objects.create(user_id=UserFactory().pk, course_id=session.workspace_key)
    return "is full"


def _refused_by_a_filter_step(platform, session, user, settings, filter_steps):
    filter_steps.REFUSED_USERS.add((user.username, session.workspace_key))
    return "refused the enrollment in " + session.workspace_key + ": Payment required."


@pytest.mark.parametrize("role", [Role.LEARNER, Role.TRAINER])
@pytest.mark.parametrize(
    "refusal",
    [_unknown_course, _invalid_key, _inactive_user, _enrollment_closed, _course_full, _refused_by_a_filter_step],
    ids=lambda f: f.__name__.strip("_"),
)
def test_a_platform_refusal_refuses_that_session_only_and_leaves_nothing_behind(
    openedx_backend, enrollment, course_role, settings, filter_steps, refusal, role
):
    fine, fine_key = run_session(openedx_backend)
    refused, _key = run_session(openedx_backend)
    user = UserFactory()
    expected = refusal(openedx_backend, refused, user, settings, filter_steps)
    if expected == "not active in the LMS":
        fine.workspace_key = ""  # an inactive account is refused by every course run
        fine.save()

    outcomes = service.register(user=user, sessions=[fine, refused], role=role)

    assert [o.result for o in outcomes] == [Result.REGISTERED, Result.REFUSED]
    assert outcomes[1].refusal == Refusal.WORKSPACE
    assert expected in str(outcomes[1].message)
    assert list(Registration.objects.values_list("session", flat=True)) == [fine.pk]
    assert RegistrationHistory.objects.count() == 1
    assert not CourseEnrollment.objects.filter(user_id=user.pk).exclude(course_id=str(fine_key)).exists()
    assert course_role(user, refused.workspace_key) == set()


def test_without_access_checks_a_closed_or_full_course_run_still_takes_the_registered(openedx_backend, enrollment):
    session = SessionFactory()
    key = CourseKey.from_string(session.workspace_key)
    openedx_backend.add_course(key, enrollment_end=timezone.now() - datetime.timedelta(days=1), max_enrollments=0)
    learner = UserFactory()

    (outcome,) = service.register(user=learner, sessions=[session], role=Role.LEARNER)

    assert outcome.result == Result.REGISTERED  # the session's own rules decided, as staff enrolling someone
    assert enrollment(learner, key).is_active


def test_a_refusal_mid_batch_writes_nothing_on_the_platform_for_that_batch(
    openedx_backend, enrollment, course_role, filter_steps
):
    session, key = run_session(openedx_backend)
    trainers = UserFactory.create_batch(3)
    filter_steps.REFUSED_USERS.add(trainers[2].username)

    outcomes = service.register_users(session=session, users=trainers, role=Role.TRAINER)

    assert [o.result for o in outcomes] == [Result.REGISTERED, Result.REGISTERED, Result.REFUSED]
    assert [bool(enrollment(t, key) and enrollment(t, key).is_active) for t in trainers] == [True, True, False]
    assert [course_role(t, key) for t in trainers] == [{"staff"}, {"staff"}, set()]
    # The first attempt (all three) found the refusal before writing anything; the retry, one by
    # one, enrolled the two others once each (see test_batch_refusal.py).
    enrolls = [args[0] for name, args, _kwargs in openedx_backend.calls if name == "CourseEnrollment.enroll"]
    assert enrolls == [trainers[0], trainers[1]]


def test_an_unexpected_platform_error_rolls_back_every_session_of_the_call(openedx_backend, filter_steps):
    first, _first_key = run_session(openedx_backend)
    second, second_key = run_session(openedx_backend)
    filter_steps.CRASH_ON.add(str(second_key))

    with pytest.raises(RuntimeError):
        service.register(user=UserFactory(), sessions=[first, second], role=Role.LEARNER)

    assert Registration.objects.count() == 0
    assert CourseEnrollment.objects.count() == 0  # the first session's enrollment went with the rest


def test_a_workspace_role_the_backend_does_not_know_is_a_configuration_error(openedx_backend, settings):
    settings.CURSUS_WORKSPACE_ROLES = {"learner": "reader", "trainer": "manager"}
    session, _key = run_session(openedx_backend)

    with pytest.raises(ImproperlyConfigured, match="'reader'"):
        service.register(user=UserFactory(), sessions=[session], role=Role.LEARNER)
    assert Registration.objects.count() == 0


def test_registrations_in_sessions_without_workspace_never_reach_the_platform(openedx_backend):
    session = SessionFactory(workspace_key="")
    registration = service.register(user=UserFactory(), sessions=[session], role=Role.LEARNER)[0].registration
    outcome = service.unregister(registration=registration)

    assert outcome.registration.status == RegistrationStatus.CANCELLED
    assert openedx_backend.calls == []


# --- keys and selection -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "key", ["course-v1:Org+Course+2026", "course-v1:edX+DemoX+Demo_Course", "Org/Course/Run", "ccx-v1:Org+C+R+ccx@3"]
)
def test_course_run_keys_are_valid_workspaces(key):
    OpenEdxWorkspaceBackend().validate_workspace_key(key)


@pytest.mark.parametrize(
    "key", ["Sécurité 2026", "course-v1:Org+Course", "library-v1:Org+Lib", "block-v1:O+C+R+type@x"]
)
def test_other_keys_are_refused_with_a_clear_message(key):
    with pytest.raises(ValidationError) as raised:
        OpenEdxWorkspaceBackend().validate_workspace_key(key)
    assert raised.value.messages == [f"“{key}” is not a course run key (expected e.g. course-v1:Org+Course+Run)."]


def test_sessions_and_courses_validate_their_workspace_as_a_course_run(openedx_backend):
    session = SessionFactory.build(course=SessionFactory().course, workspace_key="Sécurité 2026")
    with pytest.raises(ValidationError) as raised:
        session.full_clean()
    assert list(raised.value.message_dict) == ["workspace_key"]
    session.workspace_key = " course-v1:Org+Course+2026 "
    session.full_clean()
    assert session.workspace_key == "course-v1:Org+Course+2026"

    course = session.course
    course.default_workspace_key = "library-v1:Org+Lib"
    with pytest.raises(ValidationError) as raised:
        course.full_clean()
    assert list(raised.value.message_dict) == ["default_workspace_key"]


def test_outside_open_edx_any_workspace_key_will_do():
    session = SessionFactory.build(course=SessionFactory().course, workspace_key="Sécurité 2026")
    session.full_clean()


def test_the_admin_names_and_links_course_runs(settings):
    settings.LMS_ROOT_URL = "https://lms.example.org"
    backend = OpenEdxWorkspaceBackend()
    assert backend.workspace_label == "course run"
    assert backend.workspace_url("course-v1:Org+C+R") == "https://lms.example.org/courses/course-v1:Org+C+R/about"
    assert backend.workspace_url("not a key") == ""


def test_inside_edx_platform_the_open_edx_backend_is_the_default(edx_platform, settings):
    settings.CURSUS_WORKSPACE_BACKEND = ""
    assert isinstance(get_backend(), OpenEdxWorkspaceBackend)
    settings.CURSUS_WORKSPACE_BACKEND = "cursus_xblock.backends.groups.GroupsWorkspaceBackend"
    assert isinstance(get_backend(), GroupsWorkspaceBackend)


def test_outside_edx_platform_the_groups_backend_stays_the_default(settings):
    settings.CURSUS_WORKSPACE_BACKEND = ""
    assert isinstance(get_backend(), GroupsWorkspaceBackend)
