"""The admin's side of ``permissions``: every list and page shows the rows the viewer manages.

A Django model permission is site-wide (whoever holds ``view_session`` sees every session, as
before organizations); a training manager sees what ``permissions.training_scope`` gives them, so
a manager of one organization needs nothing but ``is_staff`` and the role. ``writable`` admins
(courses, sessions, events) also let organization managers add and change their own rows;
deleting stays a model permission.
"""

from .. import permissions


class OrganizationScopedAdminMixin:
    #: Organization managers may add and change rows of their organizations (not only view them).
    writable = False

    def _holds(self, request, *actions):
        opts = self.opts
        return any(request.user.has_perm(f"{opts.app_label}.{action}_{opts.model_name}") for action in actions)

    def viewer_scope(self, request):
        """Everything for a model permission or the site-wide one; else the viewer's organizations."""
        if self._holds(request, "view", "change"):
            return permissions.EVERYTHING
        return permissions.training_scope(request.user)

    def get_queryset(self, request):
        return permissions.managed(super().get_queryset(request), request.user, self.viewer_scope(request))

    def _in_scope(self, request, obj):
        scope = permissions.training_scope(request.user)
        return bool(scope) and (obj is None or permissions.manages(request.user, obj, scope))

    def _organization_manager(self, request):
        return self.writable and permissions.is_organization_manager(request.user)

    def has_module_permission(self, request):
        return super().has_module_permission(request) or permissions.is_training_manager(request.user)

    def has_view_permission(self, request, obj=None):
        return super().has_view_permission(request, obj) or self._in_scope(request, obj)

    def has_add_permission(self, request, *args):
        return super().has_add_permission(request, *args) or self._organization_manager(request)

    def has_change_permission(self, request, obj=None):
        if super().has_change_permission(request, obj):
            return True
        return self._organization_manager(request) and self._in_scope(request, obj)


class ScopedInlineMixin:
    """An inline of a writable scoped admin: the organization manager of the parent edits it too."""

    def _parent_managed(self, request, obj):
        return permissions.is_organization_manager(request.user) and (
            obj is None or permissions.manages(request.user, obj)
        )

    def has_view_permission(self, request, obj=None):
        return super().has_view_permission(request, obj) or self._parent_managed(request, obj)

    def has_add_permission(self, request, obj):
        return super().has_add_permission(request, obj) or self._parent_managed(request, obj)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) or self._parent_managed(request, obj)
