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
    ``CourseEnrollment.is_enrolled(user, course_key)``, ``CourseEnrollment.bulk_fetch_enrollment_states(users,
    course_key)``, ``CourseEnrollment.is_enrollment_closed(user, course)``,
    ``CourseEnrollment.objects.num_enrolled_in_exclude_admins(course_id)``, ``CourseEnrollment.objects.filter``
    on ``user_id``/``course_id``/``is_active``, and the exceptions
    ``CourseEnrollmentException`` ⊃ ``NonExistentCourseError``, ``EnrollmentClosedError``,
    ``CourseFullError``, ``AlreadyEnrolledError``, ``EnrollmentNotAllowed``, ``UnenrollmentNotAllowed``.
``common/djangoapps/student/roles.py``
    ``CourseStaffRole(course_key)`` / ``CourseInstructorRole(course_key)`` / ``CourseCcxCoachRole(course_key)``
    with ``.add_users(*users)``, ``.remove_users(*users)``, ``.users_with_role()``.
``openedx/core/djangoapps/content/course_overviews/models.py``
    ``CourseOverview.get_from_id(course_key)``, raising ``CourseOverview.DoesNotExist``.
``openedx/core/djangoapps/user_api/preferences/api.py`` and ``openedx/core/djangoapps/lang_pref``
    ``get_user_preference(user, LANGUAGE_KEY)``: the language of the account's messages.
``openedx/core/djangoapps/user_api/accounts/signals.py``
    ``USER_RETIRE_LMS_MISC`` (see ``retirement_signal``).

It also runs openedx-filters' ``CourseEnrollmentStarted`` pipeline itself, before enrolling anyone
(see ``OpenEdxWorkspaceBackend``).

In the LMS, enrollments and course roles are rows of the same database as the registrations, so
the registration service's transaction covers them: a refused or failed registration leaves no
enrollment behind. What the transaction does not cover — the events the platform sends as it
enrolls and its per-request caches — is why grants check before they write and read the database.
"""

import logging

from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _

from ..backends import BaseWorkspaceBackend, WorkspaceRefused, edx_platform_available
from .context import cursus_acting
from .course_keys import parse_course_key

log = logging.getLogger(__name__)

COLLABORATOR = "collaborator"
MANAGER = "manager"

UNKNOWN_COURSE = _("The course run %(key)s does not exist in the LMS.")
INACTIVE_USER = _("This account is not active in the LMS (not activated yet, or disabled).")
ENROLLMENT_CLOSED = _("Enrollment in the course run %(key)s is closed.")
COURSE_FULL = _("The course run %(key)s is full.")
ENROLLMENT_NOT_ALLOWED = _("The LMS refused the enrollment in %(key)s: %(reason)s")
ENROLLMENT_REFUSED = _("The LMS refused the enrollment in %(key)s.")


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


def _course_overview(course_key):
    """The course run's ``CourseOverview``, or None when the LMS does not know it."""
    from openedx.core.djangoapps.content.course_overviews.models import CourseOverview

    try:
        return CourseOverview.get_from_id(course_key)
    except CourseOverview.DoesNotExist:
        return None


def _organization_name(short_name):
    """edx-organizations' name for ``short_name`` ('' when the LMS does not run it or has no such row)."""
    from django.apps import apps

    if not apps.is_installed("organizations"):
        return ""
    from organizations.models import Organization

    return Organization.objects.filter(short_name=short_name).values_list("name", flat=True).first() or ""


class OpenEdxWorkspaceBackend(BaseWorkspaceBackend):
    """Workspace roles as course-run enrollments and course roles of the LMS.

    Granting checks, for every user of the call, everything the platform could refuse, and only
    then writes. The registration service runs a batch in a savepoint and, when one person is
    refused, rolls the batch back and tries each person alone; a refusal found *after* writing
    would leave behind what a rollback does not undo: the events the platform already sent
    (``COURSE_ENROLLMENT_CREATED``, the tracking log) and its per-request enrollment cache, which
    would then tell the retry that the rolled-back learners are still enrolled.

    Whether someone is enrolled or in the course team is read from the database, never from the
    platform's per-request caches (``CourseEnrollment.mode_and_active``, ``user._roles``), which a
    rollback earlier in the same request may have left stale; the enrollment cache is reloaded
    from the database for the users concerned, so the platform's own checks inside ``enroll``
    see the truth too.

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

    def preferred_language(self, user):
        """The account's language preference (``pref-lang``, set in the account settings), or None."""
        from openedx.core.djangoapps.lang_pref import LANGUAGE_KEY
        from openedx.core.djangoapps.user_api.preferences.api import get_user_preference

        try:
            return get_user_preference(user, LANGUAGE_KEY)
        except Exception:  # a preference that cannot be read: the site's language
            log.warning("Could not read the language preference of user %s", user.pk, exc_info=True)
            return None

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
        with cursus_acting():
            to_enroll = self._check(users, course_key)
            for user in to_enroll:
                self._enroll(user, course_key)
            if manager:
                self._manager_role(course_key).add_users(*users)

    def check_grant(self, *, users, workspace_key, role):
        users = list(users)
        if not workspace_key or not users:
            return
        self._is_manager(role)
        course_key = self._course_key(workspace_key)
        with cursus_acting():
            self._check(users, course_key)

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
            if user.pk in self._course_team(course_key, [user]):
                return
            self._unenroll(user, course_key)

    def has_role(self, *, user, workspace_key, role):
        return user.pk in self.role_holders(users=[user], workspace_key=workspace_key, role=role)

    def role_holders(self, *, users, workspace_key, role):
        """Enrolled (``collaborator``), or enrolled *and* in the configured course role (``manager``)."""
        users = list(users)
        manager = self._is_manager(role)
        try:
            course_key = parse_course_key(workspace_key)
        except ValidationError:
            return set()
        if not users:
            return set()
        ids = [user.pk for user in users]
        holders = set(
            _student_models()
            .CourseEnrollment.objects.filter(user_id__in=ids, course_id=course_key, is_active=True)
            .values_list("user_id", flat=True)
        )
        if manager:
            holders &= set(
                self._manager_role(course_key).users_with_role().filter(pk__in=ids).values_list("pk", flat=True)
            )
        return holders

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
    def _course_team(course_key, users, *, roles=("staff", "instructor")):
        """Ids of ``users`` who hold one of ``roles`` on the course run, read from the database."""
        from common.djangoapps.student import roles as student_roles

        classes = {
            "staff": student_roles.CourseStaffRole,
            "instructor": student_roles.CourseInstructorRole,
            "ccx_coach": student_roles.CourseCcxCoachRole,
        }
        ids = [user.pk for user in users]
        team = set()
        for name in roles:
            team.update(classes[name](course_key).users_with_role().filter(pk__in=ids).values_list("pk", flat=True))
        return team

    def _check(self, users, course_key):
        """The users to enroll, once nothing the platform would refuse is left; else ``WorkspaceRefused``.

        The same checks as ``CourseEnrollment.enroll``, in its order, for the whole call: the
        course run exists, the accounts are active, the ``CourseEnrollmentStarted`` filter pipeline
        lets each person in and, with ``CURSUS_ENROLLMENT_CHECK_ACCESS``, enrollment is open for
        them and the course run has a seat for each (the batch counting itself, as the platform
        would count it one enrollment after the other). The filter pipeline thus runs twice per
        enrollment (here, then inside ``enroll``); a step must not have effects, as the
        openedx-filters docs ask.
        """
        from openedx_filters.learning.filters import CourseEnrollmentStarted

        from ..conf import settings

        course = _course_overview(course_key)
        if course is None:
            raise WorkspaceRefused(_format_lazy(UNKNOWN_COURSE, key=course_key), code="unknown_course")
        for user in users:
            if not user.is_active:
                raise WorkspaceRefused(INACTIVE_USER, code="inactive_user")
        enrollment = _student_models().CourseEnrollment
        enrollment.bulk_fetch_enrollment_states(users, course_key)  # the database's answer, not a stale cache
        to_enroll = [user for user in users if not enrollment.is_enrolled(user, course_key)]
        for user in to_enroll:
            try:
                CourseEnrollmentStarted.run_filter(user=user, course_key=course_key, mode=settings.ENROLLMENT_MODE)
            except CourseEnrollmentStarted.PreventEnrollment as exc:
                raise WorkspaceRefused(_not_allowed(course_key, str(exc)), code="enrollment_not_allowed") from exc
        if settings.ENROLLMENT_CHECK_ACCESS and to_enroll:
            self._check_access(course, course_key, to_enroll)
        return to_enroll

    def _check_access(self, course, course_key, to_enroll):
        enrollment = _student_models().CourseEnrollment
        for user in to_enroll:
            if enrollment.is_enrollment_closed(user, course):
                raise WorkspaceRefused(_format_lazy(ENROLLMENT_CLOSED, key=course_key), code="enrollment_closed")
        limit = course.max_student_enrollments_allowed
        if limit is None:
            return
        # CourseEnrollmentManager.is_course_full: active enrollments, the course team not counted.
        taken = enrollment.objects.num_enrolled_in_exclude_admins(course_key)
        locator = course_key.to_course_locator() if getattr(course_key, "ccx", None) else course_key
        team = self._course_team(locator, to_enroll, roles=("staff", "instructor", "ccx_coach"))
        for user in to_enroll:
            if taken >= limit:
                raise WorkspaceRefused(_format_lazy(COURSE_FULL, key=course_key), code="course_full")
            if user.pk not in team:
                taken += 1

    @staticmethod
    def _enroll(user, course_key):
        """Enroll someone ``_check`` found not enrolled; a refusal here is the platform changing its mind."""
        from ..conf import settings

        models = _student_models()
        try:
            models.CourseEnrollment.enroll(
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
            raise WorkspaceRefused(_not_allowed(course_key, str(exc)), code="enrollment_not_allowed") from exc

    @staticmethod
    def _unenroll(user, course_key):
        models = _student_models()
        models.CourseEnrollment.bulk_fetch_enrollment_states([user], course_key)
        if not models.CourseEnrollment.is_enrolled(user, course_key):
            return  # gone already (they left, or their account is being retired): nothing to log
        try:
            models.CourseEnrollment.unenroll(user, course_key)
        except models.CourseEnrollmentException:
            # UnenrollmentNotAllowed: an openedx-filters step keeps them enrolled. The registration
            # is cancelled all the same; the LMS keeps its enrollment, which we say loudly.
            log.warning("The LMS kept %s enrolled in %s after their registration ended.", user.pk, course_key)


def _not_allowed(course_key, reason):
    if reason:
        return _format_lazy(ENROLLMENT_NOT_ALLOWED, key=course_key, reason=reason)
    return _format_lazy(ENROLLMENT_REFUSED, key=course_key)
