"""Index entries that open a page of ours rather than a list of rows (the people, the reports)."""

from django.contrib import admin

from .. import permissions


class PageEntryAdmin(admin.ModelAdmin):
    """Shown to whoever may use the training admin; nothing to add, change or delete through it."""

    def has_module_permission(self, request):
        return permissions.can_use_admin(request.user)

    def has_view_permission(self, request, obj=None):
        return permissions.can_use_admin(request.user)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
