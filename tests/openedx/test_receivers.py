"""A learner unenrolled from the course run in the LMS: the platform's real openedx-events payloads."""

import datetime
import logging

import pytest
from crum import impersonate
from django.utils import timezone
from opaque_keys.edx.keys import CourseKey
from openedx_events.learning.data import CourseData, CourseEnrollmentData, UserData, UserPersonalData
from openedx_events.learning.signals import COURSE_UNENROLLMENT_COMPLETED

from cursus_xblock.models import (
    HistoryAction,
    Registration,
    RegistrationHistory,
    RegistrationStatus,
    Role,
    SessionStatus,
)
from cursus_xblock.openedx.context import cursus_acting, is_cursus_acting
from cursus_xblock.services import registration as service

from ..factories import SessionFactory, UserFactory
from .edx_platform_double.student_models import CourseEnrollment

pytestmark = pytest.mark.django_db


def unenrolled(user, key):
    """The event the LMS sends when ``user`` leaves course run ``key`` (CourseEnrollment.update_enrollment)."""
    return CourseEnrollmentData(
        user=UserData(
            pii=UserPersonalData(username=user.username, email=user.email, name=user.get_full_name()),
            id=user.id,
            is_active=user.is_active,
        ),
        course=CourseData(course_key=CourseKey.from_string(key), display_name="Sécurité au travail"),
        mode="audit",
        is_active=False,
        creation_date=timezone.now() - datetime.timedelta(days=3),
    )


def send(user, key):
    COURSE_UNENROLLMENT_COMPLETED.send_event(send_robust=False, enrollment=unenrolled(user, key))


def status(registration):
    return Registration.objects.get(pk=registration.pk).status


@pytest.fixture
def learner_in_session(openedx_backend):
    session = SessionFactory(capacity=1)
    openedx_backend.add_course(session.workspace_key)
    learner = UserFactory()
    registration = service.register(user=learner, sessions=[session], role=Role.LEARNER)[0].registration
    return learner, session, registration


def test_a_learner_who_unenrolls_in_the_lms_is_unregistered_and_the_waiting_list_moves(
    openedx_backend, learner_in_session, enrollment
):
    learner, session, registration = learner_in_session
    waiting = UserFactory()
    service.register(user=waiting, sessions=[session], role=Role.LEARNER)

    with impersonate(learner):  # the learner's own request: « Unenroll » on their dashboard
        CourseEnrollment.unenroll(learner, CourseKey.from_string(session.workspace_key))

    assert status(registration) == RegistrationStatus.CANCELLED
    entry = RegistrationHistory.objects.filter(registration=registration).first()
    assert (entry.action, entry.reason, entry.actor) == (
        HistoryAction.CANCELLED,
        "Unenrolled from the course run in the LMS",
        learner,
    )
    promoted = Registration.objects.get(user=waiting)
    assert promoted.status == RegistrationStatus.CONFIRMED
    assert enrollment(waiting, session.workspace_key).is_active


def test_the_same_event_twice_changes_things_once(openedx_backend, learner_in_session):
    learner, session, registration = learner_in_session

    send(learner, session.workspace_key)
    send(learner, session.workspace_key)

    assert status(registration) == RegistrationStatus.CANCELLED
    assert RegistrationHistory.objects.filter(registration=registration, action=HistoryAction.CANCELLED).count() == 1
    assert RegistrationHistory.objects.get(action=HistoryAction.CANCELLED).actor is None  # no request: nobody


def test_with_the_flag_policy_the_registration_stays_and_the_log_says_so(
    openedx_backend, learner_in_session, settings, caplog
):
    settings.CURSUS_UNENROLLMENT_POLICY = "flag"
    learner, session, registration = learner_in_session

    with caplog.at_level(logging.WARNING, logger="cursus_xblock.openedx.receivers"):
        send(learner, session.workspace_key)

    assert status(registration) == RegistrationStatus.CONFIRMED
    assert RegistrationHistory.objects.filter(registration=registration).count() == 1
    (record,) = caplog.records
    assert f"User {learner.pk} was unenrolled from {session.workspace_key}" in record.getMessage()
    assert str(session.pk) in record.getMessage()


def test_only_live_learner_registrations_in_that_course_run_are_cancelled(openedx_backend):
    learner = UserFactory()
    now = timezone.now()
    key = "course-v1:Org+Shared+2026"
    openedx_backend.add_course(key)
    other = SessionFactory()
    openedx_backend.add_course(other.workspace_key)
    live = SessionFactory(workspace_key=key)
    ended = SessionFactory(
        workspace_key=key, start=now - datetime.timedelta(days=3), end=now - datetime.timedelta(days=1)
    )
    cancelled = SessionFactory(workspace_key=key)
    registrations = {
        "live": service.register(user=learner, sessions=[live], role=Role.LEARNER)[0].registration,
        "other run": service.register(user=learner, sessions=[other], role=Role.LEARNER)[0].registration,
        "trainer": service.register(user=learner, sessions=[live], role=Role.TRAINER)[0].registration,
        "cancelled session": service.register(user=learner, sessions=[cancelled], role=Role.LEARNER)[0].registration,
    }
    cancelled.status = SessionStatus.CANCELLED
    cancelled.save()
    registrations["ended"] = Registration.objects.create(
        user=learner, session=ended, role=Role.LEARNER, status=RegistrationStatus.CONFIRMED
    )

    send(learner, key)

    assert {name: status(r) for name, r in registrations.items()} == {
        "live": RegistrationStatus.CANCELLED,
        "other run": RegistrationStatus.CONFIRMED,
        "trainer": RegistrationStatus.CONFIRMED,
        "cancelled session": RegistrationStatus.CONFIRMED,
        "ended": RegistrationStatus.CONFIRMED,
    }


def test_our_own_unenrollments_do_not_come_back(openedx_backend, learner_in_session):
    learner, session, registration = learner_in_session
    seen = []

    def probe(sender, enrollment, **kwargs):
        seen.append((str(enrollment.course.course_key), is_cursus_acting()))

    COURSE_UNENROLLMENT_COMPLETED.connect(probe)
    try:
        service.unregister(registration=registration, reason="Changed their mind")
    finally:
        COURSE_UNENROLLMENT_COMPLETED.disconnect(probe)

    assert seen == [(session.workspace_key, True)]  # the LMS announced it while we were acting
    history = RegistrationHistory.objects.filter(registration=registration, action=HistoryAction.CANCELLED)
    assert [h.reason for h in history] == ["Changed their mind"]


def test_events_arriving_while_cursus_acts_are_ignored(openedx_backend, learner_in_session):
    learner, session, registration = learner_in_session

    with cursus_acting():
        send(learner, session.workspace_key)

    assert status(registration) == RegistrationStatus.CONFIRMED


def test_with_another_workspace_backend_enrollments_are_none_of_our_business(learner_in_session, settings):
    learner, session, registration = learner_in_session
    settings.CURSUS_WORKSPACE_BACKEND = "cursus_xblock.backends.groups.GroupsWorkspaceBackend"

    send(learner, session.workspace_key)

    assert status(registration) == RegistrationStatus.CONFIRMED
