"""Training courses, with their sessions inline."""

from django.contrib import admin
from django.db.models import Count
from django.utils.translation import gettext_lazy as _

from ..models import Course, Session


class SessionInline(admin.TabularInline):
    model = Session
    fields = ("code", "name", "start", "end")
    extra = 0
    show_change_link = True
    ordering = ("-start",)


@admin.register(Course)
class CourseAdmin(admin.ModelAdmin):
    list_display = ("code", "title", "session_count", "default_capacity", "updated_at")
    search_fields = ("code", "title")
    inlines = [SessionInline]
    fieldsets = (
        (None, {"fields": ("code", "title", "description")}),
        (
            _("Defaults for new sessions"),
            {
                "fields": (
                    "default_capacity",
                    "default_workspace_key",
                    "default_self_registration",
                    "default_self_unregistration",
                    "default_validation_required",
                    "default_waiting_list_enabled",
                )
            },
        ),
    )

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(session_count=Count("sessions"))

    @admin.display(description=_("sessions"), ordering="session_count")
    def session_count(self, course):
        return course.session_count

    def save_formset(self, request, form, formset, change):
        """Sessions added inline start from the course's defaults, like those added on their own page."""
        if formset.model is Session:
            for inline_form in formset.forms:
                session = inline_form.instance
                if session.pk is None and inline_form.has_changed():
                    for field, value in form.instance.session_defaults().items():
                        if field not in inline_form.changed_data:
                            setattr(session, field, value)
        super().save_formset(request, form, formset, change)
