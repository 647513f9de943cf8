"""Who may call what: small named permission classes, one question each."""

from django.utils.translation import gettext_lazy as _
from rest_framework.permissions import BasePermission

from ..permissions import is_training_manager, manages


class IsTrainingManager(BasePermission):
    """Training managers: site-wide (``cursus_xblock.manage_registrations``) or of some organizations.

    Each view then reads only what the caller manages (``permissions.managed``): a row of another
    organization is a 404, as if it did not exist.
    """

    message = _("You need the permission to manage training registrations.")

    def has_permission(self, request, view):
        return is_training_manager(request.user)


class IsSelfOrTrainingManager(BasePermission):
    """Signed-in people reach an object about themselves; training managers reach those they manage.

    The view says whose the object is with ``owner_id(obj)`` (a user id).
    """

    message = _("This belongs to someone else.")

    def has_permission(self, request, view):
        return bool(request.user and request.user.is_authenticated)

    def has_object_permission(self, request, view, obj):
        return view.owner_id(obj) == request.user.pk or manages(request.user, obj)
