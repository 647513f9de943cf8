"""Double of ``common.djangoapps.student.roles`` (``common/djangoapps/student/roles.py``).

``CourseStaffRole(course_key)``, ``CourseInstructorRole(course_key)`` and ``CourseCcxCoachRole(course_key)``
with the real behaviour of ``add_users(*users)`` (silently skips anonymous and inactive users; a
``get_or_create`` per user), ``remove_users(*users)``, ``users_with_role()`` (a ``User`` queryset, read
from the database) and ``has_user(user, check_user_activation=True)`` (false for an inactive user),
including the per-user role cache (``user._roles``) the real ones keep and clear — which, like the
enrollment cache, a database rollback does not clear.
"""

from .recording import recorded
from .student_models import CourseAccessRole


class RoleCache:
    def __init__(self, user):
        self._roles = set(CourseAccessRole.objects.filter(user_id=user.pk).values_list("role", "course_id", "org"))

    def has_role(self, role, course_id, org):
        return (role, str(course_id) if course_id else "", org) in self._roles


class AccessRole:
    """Object representing a role with particular access to a resource."""


class RoleBase(AccessRole):
    def __init__(self, role_name, org="", course_key=None):
        self.org = org
        self.course_key = course_key
        self._role_name = role_name

    @recorded
    def has_user(self, user, check_user_activation=True):
        return self._has_user(user, check_user_activation)

    def _has_user(self, user, check_user_activation=True):
        if check_user_activation and not (user.is_authenticated and user.is_active):
            return False
        if not hasattr(user, "_roles"):
            user._roles = RoleCache(user)
        return user._roles.has_role(self._role_name, self.course_key, self.org)

    @recorded
    def add_users(self, *users):
        # silently ignores anonymous and inactive users so that any that are legit get updated.
        for user in users:
            if user.is_authenticated and user.is_active:
                CourseAccessRole.objects.get_or_create(
                    user_id=user.pk, role=self._role_name, course_id=str(self.course_key or ""), org=self.org
                )
                if hasattr(user, "_roles"):
                    del user._roles

    @recorded
    def remove_users(self, *users):
        CourseAccessRole.objects.filter(
            user_id__in=[u.pk for u in users], role=self._role_name, org=self.org, course_id=str(self.course_key or "")
        ).delete()
        for user in users:
            if hasattr(user, "_roles"):
                del user._roles

    @recorded
    def users_with_role(self):
        from django.contrib.auth import get_user_model

        entries = CourseAccessRole.objects.filter(
            role=self._role_name, org=self.org, course_id=str(self.course_key or "")
        ).values("user_id")
        return get_user_model().objects.filter(pk__in=entries)


class CourseRole(RoleBase):
    def __init__(self, role, course_key):
        super().__init__(role, course_key.org, course_key)


class CourseStaffRole(CourseRole):
    ROLE = "staff"

    def __init__(self, *args, **kwargs):
        super().__init__(self.ROLE, *args, **kwargs)


class CourseInstructorRole(CourseRole):
    ROLE = "instructor"

    def __init__(self, *args, **kwargs):
        super().__init__(self.ROLE, *args, **kwargs)


class CourseCcxCoachRole(CourseRole):
    ROLE = "ccx_coach"

    def __init__(self, *args, **kwargs):
        super().__init__(self.ROLE, *args, **kwargs)
