"""Who may call what: small named permission classes, one question each."""

from django.utils.translation import gettext_lazy as _
from rest_framework.permissions import BasePermission

from ..admin.registrations import MANAGE_PERMISSION


def is_training_manager(user):
    """The model permission the admin asks for (inactive users have none)."""
    return bool(user and user.is_authenticated and user.has_perm(MANAGE_PERMISSION))


class IsTrainingManager(BasePermission):
    """Administrators: whoever holds ``cursus_xblock.manage_registrations`` (superusers do)."""

    message = _("You need the permission to manage training registrations.")

    def has_permission(self, request, view):
        return is_training_manager(request.user)


class IsSelfOrTrainingManager(BasePermission):
    """Signed-in people reach an object about themselves; training managers reach everyone's.

    The view says whose the object is with ``owner_id(obj)`` (a user id).
    """

    message = _("This belongs to someone else.")

    def has_permission(self, request, view):
        return bool(request.user and request.user.is_authenticated)

    def has_object_permission(self, request, view, obj):
        return view.owner_id(obj) == request.user.pk or is_training_manager(request.user)
