"""The optional openedx-filters step: self-enrollment in a course run that sessions manage is refused."""

import datetime

import pytest
from crum import impersonate
from django.utils import timezone
from opaque_keys.edx.keys import CourseKey

from cursus_xblock.models import Role, SessionStatus
from cursus_xblock.openedx.context import cursus_acting
from cursus_xblock.openedx.filters import FILTER_TYPE, STEP
from cursus_xblock.services import registration as service
from cursus_xblock.services.outcomes import Result

from ..factories import SessionFactory, UserFactory
from .edx_platform_double.student_models import CourseEnrollment, EnrollmentNotAllowed

pytestmark = pytest.mark.django_db

REFUSAL = "This course is taught in training sessions: register for one of its sessions to join it."


@pytest.fixture
def step_on(settings):
    """The operator's configuration, as docs/operators.md gives it."""
    settings.OPEN_EDX_FILTERS_CONFIG = {FILTER_TYPE: {"fail_silently": False, "pipeline": [STEP]}}


@pytest.fixture
def run(openedx_backend):
    """A course run that an open session uses as its workspace."""
    session = SessionFactory(capacity=1)
    openedx_backend.add_course(session.workspace_key)
    return session, CourseKey.from_string(session.workspace_key)


def enroll_self(user, key):
    """« Enroll now » on the course about page: the learner's own request calls CourseEnrollment.enroll."""
    with impersonate(user):
        return CourseEnrollment.enroll(user, key, mode="audit")


def test_it_is_off_by_default(run):
    session, key = run
    assert enroll_self(UserFactory(), key).is_active


def test_a_learner_without_registration_cannot_enroll_themselves(step_on, run, enrollment):
    session, key = run
    learner = UserFactory()

    with pytest.raises(EnrollmentNotAllowed) as refused:
        enroll_self(learner, key)

    assert str(refused.value) == REFUSAL
    assert enrollment(learner, key) is None


def test_a_learner_on_the_waiting_list_cannot_either(step_on, run):
    session, key = run
    service.register(user=UserFactory(), sessions=[session], role=Role.LEARNER)
    waiting = UserFactory()
    assert service.register(user=waiting, sessions=[session], role=Role.LEARNER)[0].result == Result.WAITING

    with pytest.raises(EnrollmentNotAllowed):
        enroll_self(waiting, key)


def test_registering_through_cursus_enrolls_them_even_from_their_own_request(step_on, run, enrollment):
    session, key = run
    learner = UserFactory()

    with impersonate(learner):  # self-registration in the XBlock
        (outcome,) = service.register(user=learner, sessions=[session], role=Role.LEARNER, actor=learner)

    assert outcome.result == Result.REGISTERED
    assert enrollment(learner, key).is_active


def test_a_registered_learner_may_enroll_again_after_leaving(step_on, run, enrollment):
    session, key = run
    learner = UserFactory()
    service.register(user=learner, sessions=[session], role=Role.LEARNER)
    CourseEnrollment.objects.filter(user_id=learner.pk).update(is_active=False)  # left without telling us

    assert enroll_self(learner, key).is_active


@pytest.mark.parametrize("who", ["course staff", "nobody (a task or command)"])
def test_enrollments_made_by_someone_else_pass(step_on, run, who):
    session, key = run
    learner = UserFactory()
    if who == "course staff":
        with impersonate(UserFactory()):  # the instructor dashboard's « Enroll »
            enrollment = CourseEnrollment.enroll(learner, key, mode="audit")
    else:
        enrollment = CourseEnrollment.enroll(learner, key, mode="audit")
    assert enrollment.is_active


def test_global_staff_may_enroll_themselves(step_on, run):
    session, key = run
    assert enroll_self(UserFactory(is_staff=True), key).is_active


@pytest.mark.parametrize("state", ["ended", "cancelled", "no session"])
def test_course_runs_no_live_session_uses_are_open(step_on, openedx_backend, state):
    now = timezone.now()
    key = "course-v1:Org+Free+2026"
    openedx_backend.add_course(key)
    if state == "ended":
        SessionFactory(workspace_key=key, start=now - datetime.timedelta(days=5), end=now - datetime.timedelta(days=1))
    elif state == "cancelled":
        SessionFactory(workspace_key=key, status=SessionStatus.CANCELLED)

    assert enroll_self(UserFactory(), CourseKey.from_string(key)).is_active


def test_our_own_enrollments_pass(step_on, run):
    session, key = run
    with cursus_acting():
        assert enroll_self(UserFactory(), key).is_active
