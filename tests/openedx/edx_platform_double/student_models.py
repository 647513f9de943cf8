"""Double of ``common.djangoapps.student.models`` (``common/djangoapps/student/models/course_enrollment.py``).

``CourseEnrollment.enroll``, ``unenroll`` and ``is_enrolled`` follow the real control flow:

* ``enroll`` first runs the openedx-filters ``CourseEnrollmentStarted`` pipeline (a step's
  ``PreventEnrollment`` becomes ``EnrollmentNotAllowed``); then, **only with** ``check_access=True``,
  refuses a course that does not exist (``NonExistentCourseError``), a closed enrollment
  (``EnrollmentClosedError``), a full course (``CourseFullError``: active enrollments *not* counting
  the course team, as ``CourseEnrollmentManager.num_enrolled_in_exclude_admins``) and an existing
  enrollment (``AlreadyEnrolledError``). With ``check_access=False`` it enrolls in anything, even a
  course that does not exist, as the real one does (« legacy behavior »). It does not look at
  ``user.is_active``. A new enrollment sends openedx-events' ``COURSE_ENROLLMENT_CREATED`` at once
  (not on commit), as the real one does: an event for a row a rollback later takes away is sent
  all the same.
* ``is_enrolled`` answers from the per-request cache ``RequestCache("CourseEnrollment.mode_and_active")``
  (edx-django-utils' real one), filled on first read and by every ``update_enrollment``. A database
  rollback does not clear it: after a savepoint rolled an enrollment back, ``is_enrolled`` still
  says True until the request ends (``RequestCacheMiddleware``; the tests' fixture clears it) or
  ``bulk_fetch_enrollment_states`` reloads it.
* ``unenroll`` runs ``CourseUnenrollmentStarted`` (``UnenrollmentNotAllowed``), deactivates the
  row, and a real deactivation sends openedx-events' ``COURSE_UNENROLLMENT_COMPLETED`` with a real
  ``CourseEnrollmentData``; a missing enrollment is only logged.

The models live in their own app registry (``Meta.apps``), so Django's never sees them: the
tables are created for the test session by ``tests/openedx/conftest.py``.
"""

import logging
from collections import namedtuple

from django.apps.registry import Apps
from django.db import models
from django.utils import timezone
from edx_django_utils.cache import RequestCache
from opaque_keys.edx.keys import CourseKey
from openedx_events.learning.data import CourseData, CourseEnrollmentData, UserData, UserPersonalData
from openedx_events.learning.signals import (
    COURSE_ENROLLMENT_CHANGED,
    COURSE_ENROLLMENT_CREATED,
    COURSE_UNENROLLMENT_COMPLETED,
)
from openedx_filters.learning.filters import CourseEnrollmentStarted, CourseUnenrollmentStarted

from . import course_overviews
from .recording import recorded

log = logging.getLogger(__name__)

double_apps = Apps(installed_apps=())


class CourseEnrollmentException(Exception):
    pass


class NonExistentCourseError(CourseEnrollmentException):
    pass


class EnrollmentClosedError(CourseEnrollmentException):
    pass


class CourseFullError(CourseEnrollmentException):
    pass


class AlreadyEnrolledError(CourseEnrollmentException):
    pass


class EnrollmentNotAllowed(CourseEnrollmentException):
    pass


class UnenrollmentNotAllowed(CourseEnrollmentException):
    pass


def _user_model():
    from django.contrib.auth import get_user_model

    return get_user_model()


def _enrollment_data(user, course_key, enrollment):
    return CourseEnrollmentData(
        user=UserData(
            pii=UserPersonalData(username=user.username, email=user.email, name=user.get_full_name()),
            id=user.id,
            is_active=user.is_active,
        ),
        course=CourseData(course_key=course_key, display_name=str(course_key)),
        mode=enrollment.mode,
        is_active=enrollment.is_active,
        creation_date=enrollment.created,
    )


class CourseEnrollmentManager(models.Manager):
    @recorded
    def num_enrolled_in_exclude_admins(self, course_id):
        """Active enrollments, not counting course staff, instructors and CCX coaches."""
        return self._num_enrolled_in_exclude_admins(course_id)

    def _num_enrolled_in_exclude_admins(self, course_id):
        admins = CourseAccessRole.objects.filter(
            course_id=str(course_id), role__in=("staff", "instructor", "ccx_coach")
        ).values("user_id")
        return self.filter(course_id=str(course_id), is_active=True).exclude(user_id__in=admins).count()

    def is_course_full(self, course):
        limit = course.max_student_enrollments_allowed
        return limit is not None and self._num_enrolled_in_exclude_admins(course.id) >= limit


# Named tuple for fields pertaining to the state of CourseEnrollment for a user in a course.
# This type is used to cache the state in the request cache.
CourseEnrollmentState = namedtuple("CourseEnrollmentState", "mode, is_active")


class CourseEnrollment(models.Model):
    user_id = models.IntegerField()
    course_id = models.CharField(max_length=255)
    created = models.DateTimeField(default=timezone.now)
    is_active = models.BooleanField(default=True)
    mode = models.CharField(default="audit", max_length=100)

    objects = CourseEnrollmentManager()

    MODE_CACHE_NAMESPACE = "CourseEnrollment.mode_and_active"

    class Meta:
        apps = double_apps
        app_label = "student"
        db_table = "student_courseenrollment"
        unique_together = (("user_id", "course_id"),)

    def __str__(self):
        return f"[CourseEnrollment] {self.user_id}: {self.course_id} ({self.mode}); active: ({self.is_active})"

    @property
    def user(self):
        return _user_model().objects.get(pk=self.user_id)

    @property
    def course_key(self):
        return CourseKey.from_string(self.course_id)

    @classmethod
    @recorded
    def enroll(cls, user, course_key, mode=None, check_access=False, can_upgrade=False, enterprise_uuid=None):
        try:
            user, course_key, mode = CourseEnrollmentStarted.run_filter(user=user, course_key=course_key, mode=mode)
        except CourseEnrollmentStarted.PreventEnrollment as exc:
            raise EnrollmentNotAllowed(str(exc)) from exc
        if mode is None:
            mode = "audit"  # the real one asks course_modes for the course's default mode
        course = None
        try:
            course = course_overviews.get(course_key)
        except course_overviews.CourseOverview.DoesNotExist:
            # This is here to preserve legacy behavior which allowed enrollment in courses
            # announced before the start of content creation.
            if check_access:
                log.warning("User %s failed to enroll in non-existent course %s", user.username, course_key)
                raise NonExistentCourseError from None
        if check_access:
            if cls.is_enrollment_closed(user, course) and not can_upgrade:
                raise EnrollmentClosedError
            if cls.objects.is_course_full(course):
                raise CourseFullError
        if cls._is_enrolled(user, course_key):
            log.warning("User %s attempted to enroll in %s, but they were already enrolled", user.username, course_key)
            if check_access:
                raise AlreadyEnrolledError
        enrollment, _created = cls.objects.get_or_create(
            user_id=user.pk, course_id=str(course_key), defaults={"is_active": False, "mode": "audit"}
        )
        enrollment.update_enrollment(is_active=True, mode=mode, enterprise_uuid=enterprise_uuid)
        COURSE_ENROLLMENT_CREATED.send_event(enrollment=_enrollment_data(user, course_key, enrollment))
        return enrollment

    @classmethod
    @recorded
    def unenroll(cls, user, course_id, skip_refund=False):
        RequestCache("get_enrollment").clear()
        try:
            record = cls.objects.get(user_id=user.pk, course_id=str(course_id))
            try:
                record = CourseUnenrollmentStarted.run_filter(enrollment=record)
            except CourseUnenrollmentStarted.PreventUnenrollment as exc:
                raise UnenrollmentNotAllowed(str(exc)) from exc
            record.update_enrollment(is_active=False, skip_refund=skip_refund)
        except cls.DoesNotExist:
            log.error("Tried to unenroll student %s from %s but they were not enrolled", user, course_id)

    @classmethod
    @recorded
    def is_enrolled(cls, user, course_key):
        return cls._is_enrolled(user, course_key)

    @classmethod
    def _is_enrolled(cls, user, course_key):
        return cls._get_enrollment_state(user, course_key).is_active or False

    @classmethod
    @recorded
    def enrollment_mode_for_user(cls, user, course_id):
        state = cls._get_enrollment_state(user, course_id)
        return state.mode, state.is_active

    @classmethod
    @recorded
    def bulk_fetch_enrollment_states(cls, users, course_key):
        """Reloads the request cache from the database for these users (the rest of it is dropped)."""
        RequestCache(cls.MODE_CACHE_NAMESPACE).clear()
        cache = cls._get_mode_active_request_cache()
        for record in cls.objects.filter(user_id__in=[u.pk for u in users], course_id=str(course_key)):
            cache[(record.user_id, course_key)] = CourseEnrollmentState(record.mode, record.is_active)

    @classmethod
    def _get_enrollment_state(cls, user, course_key):
        """The cached state, else the row's (``(None, None)`` without a row), cached for the request."""
        if user.is_anonymous:
            return CourseEnrollmentState(None, None)
        cache = cls._get_mode_active_request_cache()
        state = cache.get((user.id, course_key))
        if not state:
            record = cls.objects.filter(user_id=user.pk, course_id=str(course_key)).first()
            state = CourseEnrollmentState(*((record.mode, record.is_active) if record else (None, None)))
            cache[(user.id, course_key)] = state
        return state

    @classmethod
    def _get_mode_active_request_cache(cls):
        return RequestCache(cls.MODE_CACHE_NAMESPACE).data

    @classmethod
    @recorded
    def is_enrollment_closed(cls, user, course):
        now = timezone.now()
        start, end = course.enrollment_start, course.enrollment_end
        return (start is not None and now < start) or (end is not None and now >= end)

    def update_enrollment(self, mode=None, is_active=None, skip_refund=False, enterprise_uuid=None):
        RequestCache("get_enrollment").clear()
        activation_changed = is_active is not None and self.is_active != is_active
        if activation_changed:
            self.is_active = is_active
        mode_changed = mode is not None and self.mode != mode
        if mode_changed:
            self.mode = mode
        if activation_changed or mode_changed:
            self.save()
            cache = self._get_mode_active_request_cache()
            cache[(self.user_id, self.course_key)] = CourseEnrollmentState(self.mode, self.is_active)
            COURSE_ENROLLMENT_CHANGED.send_event(enrollment=_enrollment_data(self.user, self.course_key, self))
        if activation_changed and not self.is_active:
            COURSE_UNENROLLMENT_COMPLETED.send_event(enrollment=_enrollment_data(self.user, self.course_key, self))


class CourseAccessRole(models.Model):
    """``common/djangoapps/student/models/user.py``: one course or org role of a user."""

    user_id = models.IntegerField()
    org = models.CharField(max_length=64, db_index=True, blank=True)
    course_id = models.CharField(max_length=255, db_index=True, blank=True)
    role = models.CharField(max_length=64, db_index=True)

    class Meta:
        apps = double_apps
        app_label = "student"
        db_table = "student_courseaccessrole"
        unique_together = (("user_id", "org", "course_id", "role"),)

    def __str__(self):
        return (
            f"[CourseAccessRole] user: {self.user_id}   role: {self.role}   org: {self.org}   course: {self.course_id}"
        )
