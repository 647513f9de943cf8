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


#: Settings that take one of a few values: (name without the CURSUS_ prefix, the values, check id).
CHOICE_SETTINGS = [
    ("MANAGER_COURSE_ROLE", ("staff", "instructor"), "cursus_xblock.E003"),
    ("UNENROLLMENT_POLICY", ("cancel", "flag"), "cursus_xblock.E004"),
    ("PDF_VARIANT", ("pdf/a-3b", "pdf/a-2b", "pdf/ua-1", ""), "cursus_xblock.E005"),
]


@register()
def check_open_edx_settings(app_configs, **kwargs):
    from .conf import settings

    errors = []
    for name, allowed, check_id in CHOICE_SETTINGS:
        value = getattr(settings, name)
        if value not in allowed:
            expected = " or ".join(map(repr, allowed))
            errors.append(Error(f"CURSUS_{name} must be {expected}, not {value!r}.", obj=f"CURSUS_{name}", id=check_id))
    return errors
