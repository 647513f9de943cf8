"""Issue 11, item 2: a batch the platform refuses in part leaves no confirmed registration without its role.

The registration service registers a batch in one savepoint and, when the workspace refuses one
person, rolls the savepoint back and tries each person alone. In the LMS the rollback takes the
enrollment rows away but not the platform's per-request cache of enrollment state, and the
events already sent stay sent. These tests run against the double, which keeps that cache and
sends ``COURSE_ENROLLMENT_CREATED`` when the platform does.
"""

import pytest
from opaque_keys.edx.keys import CourseKey

from cursus_xblock.models import Registration, RegistrationStatus, Role
from cursus_xblock.services import registration as service
from cursus_xblock.services.outcomes import Refusal, Result

from ..factories import SessionFactory, UserFactory
from .edx_platform_double.student_models import CourseEnrollment

pytestmark = pytest.mark.django_db


@pytest.fixture
def refuse_users(settings):
    """A payment plugin's ``CourseEnrollmentStarted`` step refusing some usernames."""
    from . import steps

    settings.OPEN_EDX_FILTERS_CONFIG = {
        "org.openedx.learning.course.enrollment.started.v1": {
            "fail_silently": False,
            "pipeline": ["tests.openedx.steps.RefuseUsers"],
        }
    }
    yield steps.REFUSED_USERS
    steps.REFUSED_USERS.clear()


def course_run(platform, **attributes):
    session = SessionFactory()
    platform.add_course(session.workspace_key, **attributes)
    return session, CourseKey.from_string(session.workspace_key)


def active_enrollments(key):
    return set(CourseEnrollment.objects.filter(course_id=str(key), is_active=True).values_list("user_id", flat=True))


def confirmed(session, role):
    return set(
        Registration.objects.filter(session=session, role=role, status=RegistrationStatus.CONFIRMED).values_list(
            "user_id", flat=True
        )
    )


def test_item2_a_filter_refusing_the_third_learner_leaves_the_first_two_enrolled(
    openedx_backend, refuse_users, enrollment_events
):
    session, key = course_run(openedx_backend)
    learners = UserFactory.create_batch(3)
    refuse_users.add(learners[2].username)

    outcomes = service.register_users(session=session, users=learners, role=Role.LEARNER)

    assert [o.result for o in outcomes] == [Result.REGISTERED, Result.REGISTERED, Result.REFUSED]
    assert "Payment required." in str(outcomes[2].message)
    assert active_enrollments(key) == {learners[0].pk, learners[1].pk} == confirmed(session, Role.LEARNER)
    # One event per enrollment that is still there, none for work a rollback took away.
    assert enrollment_events == [(learners[0].username, str(key)), (learners[1].username, str(key))]


def test_item2_refused_trainers_leave_the_others_course_staff_and_enrolled(
    openedx_backend, refuse_users, course_role, enrollment_events
):
    session, key = course_run(openedx_backend)
    trainers = UserFactory.create_batch(3)
    refuse_users.add(trainers[2].username)

    outcomes = service.register_users(session=session, users=trainers, role=Role.TRAINER)

    assert [o.result for o in outcomes] == [Result.REGISTERED, Result.REGISTERED, Result.REFUSED]
    assert [course_role(t, key) for t in trainers] == [{"staff"}, {"staff"}, set()]
    assert active_enrollments(key) == {trainers[0].pk, trainers[1].pk} == confirmed(session, Role.TRAINER)
    assert enrollment_events == [(trainers[0].username, str(key)), (trainers[1].username, str(key))]


def test_item2_with_access_checks_a_course_run_of_two_takes_two_of_three(openedx_backend, settings, enrollment_events):
    settings.CURSUS_ENROLLMENT_CHECK_ACCESS = True
    session, key = course_run(openedx_backend, max_enrollments=2)
    learners = UserFactory.create_batch(3)

    outcomes = service.register_users(session=session, users=learners, role=Role.LEARNER)

    assert [o.result for o in outcomes] == [Result.REGISTERED, Result.REGISTERED, Result.REFUSED]
    assert outcomes[2].refusal == Refusal.WORKSPACE
    assert "is full" in str(outcomes[2].message)
    assert active_enrollments(key) == {learners[0].pk, learners[1].pk} == confirmed(session, Role.LEARNER)
    assert enrollment_events == [(learners[0].username, str(key)), (learners[1].username, str(key))]


def test_item2_the_course_team_does_not_count_against_the_course_runs_capacity(openedx_backend, settings):
    """As the platform counts (``num_enrolled_in_exclude_admins``): staff already there take no seat."""
    settings.CURSUS_ENROLLMENT_CHECK_ACCESS = True
    session, key = course_run(openedx_backend, max_enrollments=2)
    trainer = UserFactory()
    service.register_users(session=session, users=[trainer], role=Role.TRAINER)
    learners = UserFactory.create_batch(2)

    outcomes = service.register_users(session=session, users=learners, role=Role.LEARNER)

    assert [o.result for o in outcomes] == [Result.REGISTERED, Result.REGISTERED]
    assert active_enrollments(key) == {trainer.pk, learners[0].pk, learners[1].pk}


def test_item2_a_stale_enrollment_cache_does_not_stop_a_later_enrollment(openedx_backend, enrollment_events):
    """Whatever rolled an enrollment back earlier in the request, the backend reads the database."""
    session, key = course_run(openedx_backend)
    learner = UserFactory()
    CourseEnrollment.enroll(learner, key)  # the platform caches « enrolled » for this request …
    CourseEnrollment.objects.filter(user_id=learner.pk).delete()  # … and a rollback takes the row away
    assert CourseEnrollment.is_enrolled(learner, key)  # the cache still says so

    (outcome,) = service.register(user=learner, sessions=[session], role=Role.LEARNER)

    assert outcome.result == Result.REGISTERED
    assert active_enrollments(key) == {learner.pk}


def test_item2_the_check_before_writing_refuses_what_the_platform_would_refuse(openedx_backend, refuse_users):
    """A refusal found for one person of the batch writes nothing on the platform for anyone of it."""
    session, key = course_run(openedx_backend)
    learners = UserFactory.create_batch(3)
    refuse_users.add(learners[1].username)

    service.register_users(session=session, users=learners, role=Role.LEARNER)

    enrolled = [args[0] for name, args, _kwargs in openedx_backend.calls if name == "CourseEnrollment.enroll"]
    assert enrolled == [learners[0], learners[2]]  # never the refused one, and nobody twice


def test_issue14_item1_a_course_run_refusing_mid_batch_refuses_that_session_alone(openedx_backend, enrollment_events):
    """Many sessions go in one batch; the platform refusing one of them (an unknown course run) is
    found before anything is enrolled, and each session is then tried alone: the others are
    enrolled once, with one event each."""
    first, first_key = course_run(openedx_backend)
    unknown = SessionFactory()  # its course run does not exist on the platform
    last, last_key = course_run(openedx_backend)
    learner = UserFactory()

    outcomes = service.register(user=learner, sessions=[first, unknown, last], role=Role.LEARNER)

    assert [o.result for o in outcomes] == [Result.REGISTERED, Result.REFUSED, Result.REGISTERED]
    assert outcomes[1].refusal == Refusal.WORKSPACE
    assert not Registration.objects.filter(session=unknown).exists()
    assert active_enrollments(first_key) == {learner.pk} == confirmed(first, Role.LEARNER)
    assert active_enrollments(last_key) == {learner.pk} == confirmed(last, Role.LEARNER)
    assert enrollment_events == [(learner.username, str(first_key)), (learner.username, str(last_key))]
