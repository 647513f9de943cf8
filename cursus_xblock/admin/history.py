"""The registration history: read-only, for auditors."""

from django.contrib import admin
from django.utils import formats, timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from ..models import RegistrationHistory
from .readonly import ReadOnlyAdminMixin
from .registrations import person_name
from .scoping import OrganizationScopedAdminMixin


@admin.register(RegistrationHistory)
class RegistrationHistoryAdmin(OrganizationScopedAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("when", "person", "target", "action", "change", "reason")
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

    @admin.display(description=_("date"), ordering="created_at")
    def when(self, entry):
        moment = formats.date_format(timezone.localtime(entry.created_at), "SHORT_DATETIME_FORMAT")
        if entry.actor_id is None:
            return moment
        return format_html('{}<br><span class="quiet">{}</span>', moment, person_name(entry.actor))

    @admin.display(description=_("person"), ordering="registration__user__last_name")
    def person(self, entry):
        registration = entry.registration
        return format_html(
            '{}<br><span class="quiet">{}</span>', person_name(registration.user), registration.get_role_display()
        )

    @admin.display(description=_("session or event"))
    def target(self, entry):
        if entry.event_registration_id:
            return format_html(
                '{}<br><span class="quiet">{}</span>', entry.event_registration.event.name, entry.registration.session
            )
        return entry.registration.session

    @admin.display(description=_("change"))
    def change(self, entry):
        return f"{entry.old_value_label()} → {entry.new_value_label()}"
