"""System checks: a misconfigured backend shows in ``manage.py check``, not at the first registration."""

from django.core.checks import Error, register
from django.core.exceptions import ImproperlyConfigured


@register()
def check_workspace_backend(app_configs, **kwargs):
    from .backends import get_backend
    from .conf import settings

    try:
        get_backend()
    except ImproperlyConfigured as exc:
        return [
            Error(
                str(exc),
                hint="Set CURSUS_WORKSPACE_BACKEND to the dotted path of a workspace backend class, "
                "or leave it empty for the default.",
                obj="CURSUS_WORKSPACE_BACKEND",
                id="cursus_xblock.E001",
            )
        ]
    roles = settings.WORKSPACE_ROLES
    if not isinstance(roles, dict) or {"learner", "trainer"} - set(roles):
        return [
            Error(
                "CURSUS_WORKSPACE_ROLES must map both 'learner' and 'trainer' to a workspace role.",
                obj="CURSUS_WORKSPACE_ROLES",
                id="cursus_xblock.E002",
            )
        ]
    return []


@register()
def check_open_edx_settings(app_configs, **kwargs):
    from .conf import settings

    errors = []
    if settings.MANAGER_COURSE_ROLE not in ("staff", "instructor"):
        errors.append(
            Error(
                f"CURSUS_MANAGER_COURSE_ROLE must be 'staff' or 'instructor', not {settings.MANAGER_COURSE_ROLE!r}.",
                obj="CURSUS_MANAGER_COURSE_ROLE",
                id="cursus_xblock.E003",
            )
        )
    if settings.UNENROLLMENT_POLICY not in ("cancel", "flag"):
        errors.append(
            Error(
                f"CURSUS_UNENROLLMENT_POLICY must be 'cancel' or 'flag', not {settings.UNENROLLMENT_POLICY!r}.",
                obj="CURSUS_UNENROLLMENT_POLICY",
                id="cursus_xblock.E004",
            )
        )
    return errors
