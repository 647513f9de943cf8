"""Training courses, with their sessions inline."""

from django import forms
from django.contrib import admin
from django.db.models import Count
from django.utils.translation import gettext_lazy as _

from .. import permissions
from ..backends import get_backend
from ..models import Course, Organization, OrganizationManager, Session
from ..services import registration as registration_service
from .scoping import OrganizationScopedAdminMixin, ScopedInlineMixin

NOT_YOUR_ORGANIZATION = _("This course run belongs to the organization %(organization)s, which you do not manage.")
ORGANIZATION_REQUIRED = _("Choose one of the organizations you manage.")


class CourseForm(forms.ModelForm):
    """An organization manager's course stays in their organizations (the Open edX one comes from its run)."""

    #: The viewer's ``permissions.Scope``, set by ``CourseAdmin.get_form``.
    scope = permissions.EVERYTHING

    def clean(self):
        cleaned_data = super().clean()
        if self.scope.everything:
            return cleaned_data
        key = (cleaned_data.get("default_workspace_key") or "").strip()
        found = get_backend().workspace_organization(key) if key else None
        if found is not None:
            managed = Organization.objects.filter(short_name=found[0], pk__in=self.scope.organization_ids)
            if not managed.exists():
                self.add_error("default_workspace_key", NOT_YOUR_ORGANIZATION % {"organization": found[0]})
        elif cleaned_data.get("organization") is None and "organization" in self.fields:
            self.add_error("organization", ORGANIZATION_REQUIRED)
        return cleaned_data


class SessionInline(ScopedInlineMixin, admin.TabularInline):
    model = Session
    fields = ("code", "name", "start", "end")
    extra = 0
    show_change_link = True
    ordering = ("-start",)


class OrganizationManagerInline(admin.TabularInline):
    model = OrganizationManager
    fields = ("user", "created_at")
    readonly_fields = ("created_at",)
    raw_id_fields = ("user",)
    extra = 0
    verbose_name = _("training manager")
    verbose_name_plural = _("training managers of this organization")


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    """Site-wide (model permissions): who belongs to which organization is not an organization's own call."""

    list_display = ("short_name", "name", "course_count", "manager_count")
    search_fields = ("short_name", "name")
    inlines = [OrganizationManagerInline]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(course_count=Count("courses", distinct=True), manager_count=Count("managers", distinct=True))
        )

    @admin.display(description=_("training courses"), ordering="course_count")
    def course_count(self, organization):
        return organization.course_count

    @admin.display(description=_("training managers"), ordering="manager_count")
    def manager_count(self, organization):
        return organization.manager_count


@admin.register(Course)
class CourseAdmin(OrganizationScopedAdminMixin, admin.ModelAdmin):
    writable = True
    form = CourseForm
    list_display = ("code", "title", "organization", "session_count", "default_capacity", "updated_at")
    list_filter = (("organization", admin.RelatedOnlyFieldListFilter),)
    list_select_related = ("organization",)
    search_fields = ("code", "title", "organization__short_name", "organization__name")
    inlines = [SessionInline]
    fieldsets = (
        (None, {"fields": ("code", "title", "organization", "description")}),
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
        (_("Attendance"), {"fields": ("certificate_min_attendance",)}),
        (_("Automatic notifications"), {"fields": ("notification_copy_to",)}),
    )

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(session_count=Count("sessions"))

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        return type(form.__name__, (form,), {"scope": self.viewer_scope(request)})

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "organization":
            kwargs["queryset"] = permissions.managed(
                Organization.objects.all(), request.user, self.viewer_scope(request)
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

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
            # A session changed here goes through the service, as on its own page: it tells the
            # learners of new dates and gives freed seats to the waiting list.
            for session in formset.save(commit=False):
                if session.pk is None:
                    session.save()
                else:
                    registration_service.session_update(session=session, actor=request.user)
            for session in formset.deleted_objects:
                session.delete()
            formset.save_m2m()
            return
        super().save_formset(request, form, formset, change)
