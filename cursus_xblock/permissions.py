"""Who manages what: the one rule book the admin, the API and the XBlock ask.

Two ways to be a training manager:

* **site-wide**: the ``cursus_xblock.manage_registrations`` permission (superusers hold it): every
  course, session, registration and document, including those of courses without an organization;
* **of some organizations**: rows of ``OrganizationManager``: only the courses of those
  organizations, their sessions, events, registrations, history, documents and batches.

A Django model permission (``view_session`` …) is not per row, so whoever holds one on a model sees
all of that model's rows, as before organizations existed; organization managers need none.
The filters below take a queryset and a user and keep what that user manages.
"""

from typing import NamedTuple

MANAGE_PERMISSION = "cursus_xblock.manage_registrations"

#: From each model to the organization that owns its rows (the field path, without ``_id``).
ORGANIZATION_PATHS = {
    "organization": "",
    "course": "organization",
    "session": "course__organization",
    "event": "session__course__organization",
    "registration": "session__course__organization",
    "eventregistration": "registration__session__course__organization",
    "registrationhistory": "registration__session__course__organization",
    "issueddocument": "session__course__organization",
    "documentbatch": "session__course__organization",
    "notification": "session__course__organization",
}

_CACHE = "_cursus_training_scope"


class Scope(NamedTuple):
    """What a user manages: everything, or the rows of these organizations (ids)."""

    everything: bool
    organization_ids: frozenset

    def __bool__(self):
        return self.everything or bool(self.organization_ids)

    def covers(self, organization_id):
        return self.everything or (organization_id is not None and organization_id in self.organization_ids)


NOTHING = Scope(False, frozenset())
EVERYTHING = Scope(True, frozenset())


def manages_everything(user):
    """The site-wide permission (inactive users have none)."""
    return bool(user and user.is_authenticated and user.is_active and user.has_perm(MANAGE_PERMISSION))


def training_scope(user):
    """The user's ``Scope``, read once per user object (one query for an organization manager)."""
    if not (user and user.is_authenticated and user.is_active):
        return NOTHING
    cached = getattr(user, _CACHE, None)
    if cached is not None:
        return cached
    if manages_everything(user):
        scope = EVERYTHING
    else:
        from .models import OrganizationManager

        ids = OrganizationManager.objects.filter(user_id=user.pk).values_list("organization_id", flat=True)
        scope = Scope(False, frozenset(ids))
    setattr(user, _CACHE, scope)
    return scope


def is_training_manager(user):
    """Site-wide or of at least one organization."""
    return bool(training_scope(user))


def is_organization_manager(user):
    """A training manager through organization rows only (not site-wide)."""
    scope = training_scope(user)
    return not scope.everything and bool(scope.organization_ids)


def can_use_admin(user):
    """A training manager who may open the admin (the admin's own rule: active staff)."""
    return bool(user and user.is_active and user.is_staff and is_training_manager(user))


def _path(model):
    return ORGANIZATION_PATHS[model._meta.model_name]


def managed(queryset, user, scope=None):
    """The rows of ``queryset`` (a model of ``ORGANIZATION_PATHS``) that ``user`` manages."""
    scope = training_scope(user) if scope is None else scope
    if scope.everything:
        return queryset
    if not scope.organization_ids:
        return queryset.none()
    path = _path(queryset.model)
    return queryset.filter(**{f"{path}__in" if path else "pk__in": scope.organization_ids})


def managed_ids(user, model, ids):
    """Which of these ids of ``model`` rows the user manages (no query for a site-wide manager)."""
    scope = training_scope(user)
    if scope.everything:
        return set(ids)
    return set(managed(model._default_manager.filter(pk__in=list(ids)), user, scope).values_list("pk", flat=True))


def organization_id_of(obj):
    """The id of the organization owning ``obj`` (None: no organization), following loaded relations."""
    path = _path(type(obj))
    if not path:
        return obj.pk
    *relations, last = path.split("__")
    for name in relations:
        obj = getattr(obj, name)
    return getattr(obj, f"{last}_id")


def manages(user, obj, scope=None):
    """Whether ``user`` manages this one row (a course, session, registration, document …)."""
    scope = training_scope(user) if scope is None else scope
    if scope.everything:
        return True
    return bool(scope.organization_ids) and scope.covers(organization_id_of(obj))


# --- one name per model, for the readers ---------------------------------------------------------


def organizations_managed_by(user, queryset=None):
    from .models import Organization

    return managed(Organization.objects.all() if queryset is None else queryset, user)


def courses_managed_by(user, queryset=None):
    from .models import Course

    return managed(Course.objects.all() if queryset is None else queryset, user)


def sessions_managed_by(user, queryset=None):
    from .models import Session

    return managed(Session.objects.all() if queryset is None else queryset, user)


def registrations_managed_by(user, queryset=None):
    from .models import Registration

    return managed(Registration.objects.all() if queryset is None else queryset, user)


def documents_managed_by(user, queryset=None):
    from .models import IssuedDocument

    return managed(IssuedDocument.objects.all() if queryset is None else queryset, user)


def batches_managed_by(user, queryset=None):
    from .models import DocumentBatch

    return managed(DocumentBatch.objects.all() if queryset is None else queryset, user)


def people_managed_by(user, queryset=None):
    """People registered (in any state) in a session the user manages.

    People belong to no organization (one LMS account follows courses of several), so the pages
    about a person stay open to every training manager and show only the registrations they manage;
    this narrows a list of people to those a manager has to do with.
    """
    from django.contrib.auth import get_user_model

    User = get_user_model()
    queryset = User._default_manager.all() if queryset is None else queryset
    scope = training_scope(user)
    if scope.everything:
        return queryset
    if not scope.organization_ids:
        return queryset.none()
    mine = managed(_registrations(), user, scope).values("user_id")
    return queryset.filter(pk__in=mine)


def _registrations():
    from .models import Registration

    return Registration.objects.all()


# --- attendance ----------------------------------------------------------------------------------


def trains(user, session):
    """A confirmed trainer of this session (who may take its roll call without managing it)."""
    from .models import Registration, RegistrationStatus, Role

    if not (user and user.is_authenticated and user.is_active):
        return False
    return Registration.objects.filter(
        session_id=session.pk, user_id=user.pk, role=Role.TRAINER, status=RegistrationStatus.CONFIRMED
    ).exists()


def sees_import_job(user, job):
    """An import job holds a whole file of people: only who asked for it reads it (and superusers)."""
    return user.is_superuser or job.actor_id == user.pk


def takes_attendance(user, session):
    """Who records a session's attendance: its training managers and its confirmed trainers."""
    return manages(user, session) or trains(user, session)
