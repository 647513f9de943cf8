"""The registration history: read-only, for auditors."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from ..models import RegistrationHistory


@admin.register(RegistrationHistory)
class RegistrationHistoryAdmin(admin.ModelAdmin):
    list_display = ("created_at", "person", "session", "event", "action", "old", "new", "actor", "reason")
    list_filter = ("action", "registration__role")
    list_select_related = (
        "registration__user",
        "registration__session",
        "event_registration__event",
        "actor",
    )
    search_fields = (
        "registration__user__username",
        "registration__user__last_name",
        "registration__session__code",
        "registration__session__name",
        "reason",
    )
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("person"), ordering="registration__user__username")
    def person(self, entry):
        return entry.registration.user

    @admin.display(description=_("session"))
    def session(self, entry):
        return entry.registration.session

    @admin.display(description=_("event"))
    def event(self, entry):
        return entry.event_registration.event if entry.event_registration_id else "—"

    @admin.display(description=_("from"), ordering="old_value")
    def old(self, entry):
        return entry.old_value_label()

    @admin.display(description=_("to"), ordering="new_value")
    def new(self, entry):
        return entry.new_value_label()
