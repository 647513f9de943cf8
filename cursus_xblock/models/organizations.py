"""Organizations: who owns a course, and who manages an organization's training.

In Open edX a course run key carries its organization (``course-v1:Org+Course+Run``), and the
LMS may run ``edx-organizations``; the workspace backend says which organization a key belongs to
(``workspace_organization``), so a course takes its run's organization when it is saved. In any
other host the organization is a plain choice in the admin. Training managers limited to some
organizations are rows of ``OrganizationManager``; the site-wide permission ignores them.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Organization(models.Model):
    """.. no_pii:"""

    short_name = models.CharField(
        _("short name"),
        max_length=255,
        unique=True,
        help_text=_("In Open edX, the organization of course run keys (the Org of course-v1:Org+Course+Run)."),
        error_messages={"unique": _("An organization with this short name already exists.")},
    )
    name = models.CharField(_("name"), max_length=255)
    created_at = models.DateTimeField(_("created on"), auto_now_add=True)

    class Meta:
        ordering = ["short_name"]
        verbose_name = _("organization")
        verbose_name_plural = _("organizations")

    def __str__(self):
        return self.name if self.name == self.short_name else f"{self.name} ({self.short_name})"


class OrganizationManager(models.Model):
    """A training manager of one organization: its courses, sessions, registrations and documents.

    .. pii: Links a staff user to the organizations whose training they manage.
    .. pii_types: id
    .. pii_retirement: retained
    """

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="managers", verbose_name=_("organization")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="cursus_managed_organizations",
        verbose_name=_("user"),
    )
    created_at = models.DateTimeField(_("created on"), auto_now_add=True)

    class Meta:
        verbose_name = _("training manager of the organization")
        verbose_name_plural = _("training managers of the organization")
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "user"],
                name="cursus_orgmanager_unique",
                violation_error_message=_("This user already manages this organization."),
            ),
        ]

    def __str__(self):
        return f"{self.user} — {self.organization}"


def organization_for_workspace(workspace_key, *, model=Organization, using=None):
    """The organization the backend finds in ``workspace_key`` (created on first sight), or None.

    ``model`` lets the data migration pass its historical model.
    """
    if not workspace_key:
        return None
    from ..backends import get_backend

    found = get_backend().workspace_organization(workspace_key)
    if found is None:
        return None
    short_name, name = found
    manager = model._default_manager.db_manager(using) if using else model._default_manager
    organization, _created = manager.get_or_create(short_name=short_name, defaults={"name": name or short_name})
    return organization


def assign_course_organizations(*, course_model, session_model, organization_model, using=None):
    """Give each course without an organization the one its course runs name; how many were given one.

    The default course run decides; without one, the sessions' course runs do when they all belong
    to one organization (several: left empty for an administrator to choose). Used once, by the
    migration that brought organizations (``0005``), with its historical models.
    """
    from ..backends import get_backend

    backend = get_backend()
    courses = course_model._default_manager.db_manager(using).filter(organization__isnull=True)
    session_keys = {}
    rows = (
        session_model._default_manager.db_manager(using)
        .filter(course__organization__isnull=True)
        .exclude(workspace_key="")
        .values_list("course_id", "workspace_key")
        .distinct()
    )
    for course_id, key in rows:
        session_keys.setdefault(course_id, set()).add(key)
    assigned = 0
    for course in courses.order_by("pk"):
        found = backend.workspace_organization(course.default_workspace_key) if course.default_workspace_key else None
        if found is None:
            named = {backend.workspace_organization(key) for key in session_keys.get(course.pk, ())} - {None}
            if len({short_name for short_name, _name in named}) == 1:
                found = min(named)
        if found is None:
            continue
        short_name, name = found
        organization, _created = organization_model._default_manager.db_manager(using).get_or_create(
            short_name=short_name, defaults={"name": name or short_name}
        )
        course_model._default_manager.db_manager(using).filter(pk=course.pk).update(organization=organization)
        assigned += 1
    return assigned
