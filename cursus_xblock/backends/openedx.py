"""The Open edX workspace backend: a workspace is a course run, and its roles are the platform's own.

* ``collaborator`` (learners) → an enrollment in the course run, in ``CURSUS_ENROLLMENT_MODE``;
* ``manager`` (trainers) → the course role ``CURSUS_MANAGER_COURSE_ROLE`` (``staff`` or
  ``instructor``) plus an enrollment.

This is the only module of the package that imports edx-platform, and it does so inside its
functions, so the package imports, migrates and tests without the platform. It calls only entry
points that have been stable for years, the same in Teak (Django 4.2), Ulmo and Verawood (5.2):

``common/djangoapps/student/models/course_enrollment.py`` (imported as ``common.djangoapps.student.models``)
    ``CourseEnrollment.enroll(user, course_key, mode=None, check_access=False, can_upgrade=False,
    enterprise_uuid=None)``, ``CourseEnrollment.unenroll(user, course_id, skip_refund=False)``,
    ``CourseEnrollment.is_enrolled(user, course_key)`` and the exceptions
    ``CourseEnrollmentException`` ⊃ ``NonExistentCourseError``, ``EnrollmentClosedError``,
    ``CourseFullError``, ``AlreadyEnrolledError``, ``EnrollmentNotAllowed``, ``UnenrollmentNotAllowed``.
``common/djangoapps/student/roles.py``
    ``CourseStaffRole(course_key)`` / ``CourseInstructorRole(course_key)`` with ``.add_users(*users)``,
    ``.remove_users(*users)``, ``.has_user(user)``.
``openedx/core/djangoapps/content/course_overviews/models.py``
    ``CourseOverview.get_from_id(course_key)``, raising ``CourseOverview.DoesNotExist``.
``openedx/core/djangoapps/user_api/accounts/signals.py``
    ``USER_RETIRE_LMS_MISC`` (see ``retirement_signal``).

In the LMS, enrollments and course roles are rows of the same database as the registrations, so
the registration service's transaction covers them: a refused or failed registration leaves no
enrollment behind.
"""

import importlib.util
import logging

from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _

from ..openedx.context import cursus_acting
from ..openedx.course_keys import parse_course_key
from . import BaseWorkspaceBackend, WorkspaceRefused

log = logging.getLogger(__name__)

COLLABORATOR = "collaborator"
MANAGER = "manager"

UNKNOWN_COURSE = _("The course run %(key)s does not exist in the LMS.")
INACTIVE_USER = _("This account is not active in the LMS (not activated yet, or disabled).")
ENROLLMENT_CLOSED = _("Enrollment in the course run %(key)s is closed.")
COURSE_FULL = _("The course run %(key)s is full.")
ENROLLMENT_NOT_ALLOWED = _("The LMS refused the enrollment in %(key)s: %(reason)s")
ENROLLMENT_REFUSED = _("The LMS refused the enrollment in %(key)s.")


def edx_platform_available():
    """Whether edx-platform's student app can be imported (we run inside the LMS or Studio)."""
    try:
        return importlib.util.find_spec("common.djangoapps.student") is not None
    except (ImportError, ValueError):
        return False


def retirement_signal():
    """The LMS's ``USER_RETIRE_LMS_MISC`` signal (sent with ``user=``), or None outside the LMS."""
    try:
        from openedx.core.djangoapps.user_api.accounts.signals import USER_RETIRE_LMS_MISC
    except ImportError:
        if edx_platform_available():
            log.warning("edx-platform is here but USER_RETIRE_LMS_MISC is not: retirement is not handled.")
        return None
    return USER_RETIRE_LMS_MISC


def _format_lazy(message, **params):
    """``message % params``, translated when it is shown (the service reports it later)."""
    return lazy(lambda: str(message) % params, str)()


def _student_models():
    from common.djangoapps.student import models

    return models


def _course_role_class(name):
    from common.djangoapps.student import roles

    classes = {"staff": roles.CourseStaffRole, "instructor": roles.CourseInstructorRole}
    if name not in classes:
        raise ImproperlyConfigured(f"CURSUS_MANAGER_COURSE_ROLE must be 'staff' or 'instructor', not {name!r}.")
    return classes[name]


def _course_exists(course_key):
    from openedx.core.djangoapps.content.course_overviews.models import CourseOverview

    try:
        CourseOverview.get_from_id(course_key)
    except CourseOverview.DoesNotExist:
        return False
    return True


def _organization_name(short_name):
    """edx-organizations' name for ``short_name`` ('' when the LMS does not run it or has no such row)."""
    from django.apps import apps

    if not apps.is_installed("organizations"):
        return ""
    from organizations.models import Organization

    return Organization.objects.filter(short_name=short_name).values_list("name", flat=True).first() or ""


class OpenEdxWorkspaceBackend(BaseWorkspaceBackend):
    """Workspace roles as course-run enrollments and course roles of the LMS.

    Revocation is deliberately narrow. Taking ``manager`` away removes the course role and keeps
    the enrollment: the person may still be a learner there, and an enrollment gives no more than
    any learner has. Taking ``collaborator`` away unenrolls, except a member of the course team
    (staff or instructor), who keeps the enrollment that goes with that role.
    """

    workspace_label = _("course run")

    # --- the interface ------------------------------------------------------------------

    def validate_workspace_key(self, workspace_key):
        if workspace_key:
            parse_course_key(workspace_key)

    def workspace_organization(self, workspace_key):
        """The course run's org; its name from edx-organizations when the LMS has it, else the org itself."""
        try:
            short_name = parse_course_key(workspace_key).org
        except ValidationError:
            return None
        return short_name, _organization_name(short_name) or short_name

    def workspace_url(self, workspace_key):
        """The course run's about page in the LMS, or '' for a key that is not a course run."""
        from django.conf import settings

        root = getattr(settings, "LMS_ROOT_URL", "")
        try:
            key = parse_course_key(workspace_key)
        except ValidationError:
            return ""
        return f"{root}/courses/{key}/about" if root else ""

    def grant(self, *, user, workspace_key, role):
        self.grant_many(users=[user], workspace_key=workspace_key, role=role)

    def grant_many(self, *, users, workspace_key, role):
        users = list(users)
        if not workspace_key or not users:
            return
        manager = self._is_manager(role)
        course_key = self._course_key(workspace_key)
        # Everything the platform could refuse is checked before anything is written.
        if not _course_exists(course_key):
            raise WorkspaceRefused(_format_lazy(UNKNOWN_COURSE, key=course_key), code="unknown_course")
        for user in users:
            if not user.is_active:
                raise WorkspaceRefused(INACTIVE_USER, code="inactive_user")
        with cursus_acting():
            for user in users:
                self._enroll(user, course_key)
            if manager:
                self._manager_role(course_key).add_users(*users)

    def revoke(self, *, user, workspace_key, role):
        if not workspace_key:
            return
        manager = self._is_manager(role)
        try:
            course_key = parse_course_key(workspace_key)
        except ValidationError:
            return  # nothing can have been granted on it
        with cursus_acting():
            if manager:
                self._manager_role(course_key).remove_users(user)
                return
            if self._in_course_team(user, course_key):
                return
            self._unenroll(user, course_key)

    # --- helpers ------------------------------------------------------------------------

    @staticmethod
    def _is_manager(role):
        if role not in (COLLABORATOR, MANAGER):
            raise ImproperlyConfigured(
                f"The Open edX workspace backend knows the workspace roles {COLLABORATOR!r} (enrollment) and "
                f"{MANAGER!r} (course team), not {role!r}: check CURSUS_WORKSPACE_ROLES."
            )
        return role == MANAGER

    @staticmethod
    def _course_key(workspace_key):
        try:
            return parse_course_key(workspace_key)
        except ValidationError as exc:
            raise WorkspaceRefused(exc.messages[0], code="invalid_course_key") from exc

    @staticmethod
    def _manager_role(course_key):
        from ..conf import settings

        return _course_role_class(settings.MANAGER_COURSE_ROLE)(course_key)

    @staticmethod
    def _in_course_team(user, course_key):
        from common.djangoapps.student.roles import CourseInstructorRole, CourseStaffRole

        return CourseStaffRole(course_key).has_user(user) or CourseInstructorRole(course_key).has_user(user)

    @staticmethod
    def _enroll(user, course_key):
        from ..conf import settings

        models = _student_models()
        enrollment = models.CourseEnrollment
        if enrollment.is_enrolled(user, course_key):
            return  # already in: keep the mode they have (a verified learner is not downgraded)
        try:
            enrollment.enroll(
                user, course_key, mode=settings.ENROLLMENT_MODE, check_access=settings.ENROLLMENT_CHECK_ACCESS
            )
        except models.AlreadyEnrolledError:
            return  # enrolled meanwhile (raised only with check_access)
        except models.NonExistentCourseError as exc:
            raise WorkspaceRefused(_format_lazy(UNKNOWN_COURSE, key=course_key), code="unknown_course") from exc
        except models.EnrollmentClosedError as exc:
            raise WorkspaceRefused(_format_lazy(ENROLLMENT_CLOSED, key=course_key), code="enrollment_closed") from exc
        except models.CourseFullError as exc:
            raise WorkspaceRefused(_format_lazy(COURSE_FULL, key=course_key), code="course_full") from exc
        except models.CourseEnrollmentException as exc:
            # EnrollmentNotAllowed (an openedx-filters step said no) and anything newer.
            reason = str(exc)
            message = (
                _format_lazy(ENROLLMENT_NOT_ALLOWED, key=course_key, reason=reason)
                if reason
                else _format_lazy(ENROLLMENT_REFUSED, key=course_key)
            )
            raise WorkspaceRefused(message, code="enrollment_not_allowed") from exc

    @staticmethod
    def _unenroll(user, course_key):
        models = _student_models()
        if not models.CourseEnrollment.is_enrolled(user, course_key):
            return  # gone already (they left, or their account is being retired): nothing to log
        try:
            models.CourseEnrollment.unenroll(user, course_key)
        except models.CourseEnrollmentException:
            # UnenrollmentNotAllowed: an openedx-filters step keeps them enrolled. The registration
            # is cancelled all the same; the LMS keeps its enrollment, which we say loudly.
            log.warning("The LMS kept %s enrolled in %s after their registration ended.", user.pk, course_key)
