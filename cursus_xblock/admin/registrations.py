"""Registrations and event registrations: listed here, changed only through the services.

The add page registers one user in several sessions through ``services.registration.register``
and reports each session's outcome; bulk actions unregister, validate, refuse and record
attendance, each saying what it did.
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.widgets import AutocompleteSelect, AutocompleteSelectMultiple
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from .. import permissions
from ..backends import WorkspaceRefused
from ..models import Attendance, DocumentKind, EventRegistration, Registration, RegistrationStatus, Role, Session
from ..selectors.registrations import registrations_annotated
from ..services import attendance as attendance_service
from ..services import documents as documents_service
from ..services import registration as registration_service
from ..services.history import notifying
from ..services.inputs import REASON_MAX_LENGTH, clean_reason
from ..services.outcomes import RegistrationError, Result
from ..utils.dates import after_colon, interpolate
from .exports import export_registrations_csv, export_registrations_xlsx
from .imports import ImportRegistrationsMixin
from .scoping import OrganizationScopedAdminMixin

NOT_UNREGISTERED = _("%(user)s could not be unregistered from %(session)s: %(reason)s")


def person_name(user):
    """« Éloïse Lefèvre (eloise.lefevre) »: the name people know, the username admins search."""
    full_name = user.get_full_name()
    return f"{full_name} ({user.get_username()})" if full_name else user.get_username()


class ManageRegistrationsMixin(OrganizationScopedAdminMixin):
    """Writes need a training manager (site-wide or of the row's organization); nothing is ever deleted."""

    def has_manage_registrations_permission(self, request, obj=None):
        if not permissions.is_training_manager(request.user):
            return False
        return obj is None or permissions.manages(request.user, obj)

    def has_add_permission(self, request):
        return self.has_manage_registrations_permission(request)

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReasonFormField(forms.CharField):
    """A reason for the history, read by the rule every interface applies (``services.inputs``)."""

    def __init__(self, **kwargs):
        super().__init__(max_length=REASON_MAX_LENGTH, required=False, **kwargs)

    def to_python(self, value):
        return clean_reason("" if value is None else value)


class PeopleAutocomplete(AutocompleteSelect):
    """The person field searched through the training role's own autocomplete (``admin/people.py``):
    the host's user autocomplete needs ``auth.view_user``, which a training manager need not hold."""

    def get_url(self):
        return reverse(f"{self.admin_site.name}:cursus_people_autocomplete")


class RegisterForm(forms.Form):
    user = forms.ModelChoiceField(
        queryset=Registration._meta.get_field("user").remote_field.model.objects.all(), label=_("User")
    )
    sessions = forms.ModelMultipleChoiceField(queryset=Session.objects.all(), label=_("Sessions"))
    role = forms.ChoiceField(choices=Role.choices, initial=Role.LEARNER, label=_("Role"))
    reason = ReasonFormField(
        label=_("Reason"),
        widget=forms.Textarea(attrs={"rows": 2, "cols": 60}),
        help_text=_("Kept in the registration history."),
    )
    silent = forms.BooleanField(
        required=False, label=_("Do not notify (nobody gets an e-mail about these registrations)")
    )

    def __init__(self, *args, admin_site, **kwargs):
        super().__init__(*args, **kwargs)
        widgets = {"user": PeopleAutocomplete, "sessions": AutocompleteSelectMultiple}
        model_fields = {"user": "user", "sessions": "session"}
        for name, widget_class in widgets.items():
            field = self.fields[name]
            field.widget = widget_class(Registration._meta.get_field(model_fields[name]), admin_site)
            field.widget.choices = field.choices  # as ModelChoiceField does for its own widget

    def full_clean(self):
        super().full_clean()
        if self.is_bound and self._errors and hasattr(self.data, "getlist"):
            # Re-rendering an autocomplete widget looks its values up: keep only well-formed ids,
            # so a tampered form comes back with its errors instead of crashing.
            data = self.data.copy()
            for name in ("user", "sessions"):
                data.setlist(name, [value for value in self.data.getlist(name) if value.isdigit()])
            self.data = data


def _report(model_admin, request, outcomes):
    for outcome in outcomes:
        level = messages.ERROR if outcome.result == Result.REFUSED else messages.SUCCESS
        if outcome.result in (Result.WAITING, Result.PENDING, Result.ALREADY_REGISTERED):
            level = messages.WARNING
        model_admin.message_user(request, outcome.describe(), level)


def _person_page(user, site_name):
    try:
        return reverse(f"{site_name}:cursus_user_registrations", args=[user.pk])
    except NoReverseMatch:  # the host's user admin is not hooked
        return None


@admin.register(Registration)
class RegistrationAdmin(ImportRegistrationsMixin, ManageRegistrationsMixin, admin.ModelAdmin):
    change_list_template = "cursus_xblock/admin/registration_change_list.html"
    list_display = ("person", "session_name", "role", "status_display", "registered_at", "history_link")
    list_display_links = ("session_name",)  # the person column links to the person's page
    list_filter = ("role", "status", ("session__course", admin.RelatedOnlyFieldListFilter))
    list_select_related = ("user", "session", "registered_by")
    search_fields = (
        "user__username",
        "user__email",
        "user__first_name",
        "user__last_name",
        "session__code",
        "session__name",
    )
    date_hierarchy = "registered_at"
    raw_id_fields = ("user", "session", "registered_by")
    actions = [
        "unregister_selected",
        "unregister_selected_silently",
        "validate_selected",
        "validate_selected_silently",
        "refuse_selected",
        "refuse_selected_silently",
        "email_invitations",
        "download_invitations",
        "download_certificates",
        export_registrations_csv,
        export_registrations_xlsx,
    ]

    def get_queryset(self, request):
        return registrations_annotated(super().get_queryset(request))

    @admin.display(description=_("person"), ordering="user__last_name")
    def person(self, registration):
        # The person's registrations page, which the training role opens (not the user account).
        url = _person_page(registration.user, self.admin_site.name)
        name = person_name(registration.user)
        return format_html('<a href="{}">{}</a>', url, name) if url else name

    @admin.display(description=_("session"), ordering="session__start")
    def session_name(self, registration):
        session = registration.session
        return format_html('{}<br><span class="quiet">{}</span>', session.name, session.code)

    @admin.display(description=_("status"), ordering="status")
    def status_display(self, registration):
        if registration.status == RegistrationStatus.WAITING:
            return _("Waiting list #%(position)d") % {"position": registration.waiting_ahead + 1}
        return registration.get_status_display()

    @admin.display(description=_("history"))
    def history_link(self, registration):
        url = (
            reverse("admin:cursus_xblock_registrationhistory_changelist")
            + f"?registration__id__exact={registration.pk}"
        )
        return format_html('<a href="{}">{}</a>', url, _("History"))

    def add_view(self, request, form_url="", extra_context=None):
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = RegisterForm(request.POST or None, admin_site=self.admin_site)
        form.fields["sessions"].queryset = permissions.sessions_managed_by(request.user)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            outcomes = registration_service.register(
                user=data["user"],
                sessions=list(data["sessions"]),
                role=data["role"],
                actor=request.user,
                reason=data["reason"],
                notify=not data["silent"],
            )
            _report(self, request, outcomes)
            return HttpResponseRedirect(reverse("admin:cursus_xblock_registration_changelist"))
        context = {
            **self.admin_site.each_context(request),
            "title": _("Register a user in sessions"),
            "form": form,
            "media": self.media + form.media,
            "opts": self.model._meta,
            "has_view_permission": self.has_view_permission(request),
        }
        return TemplateResponse(request, "cursus_xblock/admin/register.html", context)

    @admin.action(permissions=["manage_registrations"], description=_("Unregister the selected registrations"))
    def unregister_selected(self, request, queryset):
        done = 0
        for registration in queryset.exclude(status=RegistrationStatus.CANCELLED).select_related("user", "session"):
            try:
                outcome = registration_service.unregister(
                    registration=registration, actor=request.user, reason=str(_("Bulk action in the admin"))
                )
            except WorkspaceRefused as exc:  # the workspace kept the role: this one is left as it was
                names = {"user": person_name(registration.user), "session": registration.session}
                self.message_user(
                    request, interpolate(NOT_UNREGISTERED, **names, reason=after_colon(exc.message)), messages.ERROR
                )
                continue
            done += outcome.changed
        self.message_user(
            request,
            ngettext("%(count)d registration cancelled.", "%(count)d registrations cancelled.", done) % {"count": done},
            messages.SUCCESS,
        )

    @admin.action(permissions=["manage_registrations"], description=_("Validate the selected pending registrations"))
    def validate_selected(self, request, queryset):
        done = self._decide(request, queryset, registration_service.validate)
        self.message_user(
            request,
            ngettext("%(count)d registration validated.", "%(count)d registrations validated.", done) % {"count": done},
            messages.SUCCESS,
        )

    @admin.action(permissions=["manage_registrations"], description=_("Refuse the selected pending registrations"))
    def refuse_selected(self, request, queryset):
        done = self._decide(request, queryset, registration_service.refuse)
        self.message_user(
            request,
            ngettext("%(count)d registration refused.", "%(count)d registrations refused.", done) % {"count": done},
            messages.SUCCESS,
        )

    # « Do not notify » (Moodle's "suppress e-mail"): the same actions, telling nobody.
    @admin.action(
        permissions=["manage_registrations"], description=_("Unregister the selected registrations, without notifying")
    )
    def unregister_selected_silently(self, request, queryset):
        with notifying(False):
            return self.unregister_selected(request, queryset)

    @admin.action(
        permissions=["manage_registrations"],
        description=_("Validate the selected pending registrations, without notifying"),
    )
    def validate_selected_silently(self, request, queryset):
        with notifying(False):
            return self.validate_selected(request, queryset)

    @admin.action(
        permissions=["manage_registrations"],
        description=_("Refuse the selected pending registrations, without notifying"),
    )
    def refuse_selected_silently(self, request, queryset):
        with notifying(False):
            return self.refuse_selected(request, queryset)

    @admin.action(permissions=["manage_registrations"], description=_("E-mail the invitation to the selected people"))
    def email_invitations(self, request, queryset):
        issued = self._issue(request, queryset, DocumentKind.SESSION_INVITATION, send_email=True)
        if issued:
            self.message_user(
                request,
                ngettext("%(count)d invitation e-mailed.", "%(count)d invitations e-mailed.", len(issued))
                % {"count": len(issued)},
                messages.SUCCESS,
            )

    @admin.action(permissions=["manage_registrations"], description=_("Download the invitations of the selection"))
    def download_invitations(self, request, queryset):
        return self._download(self._issue(request, queryset, DocumentKind.SESSION_INVITATION), "invitations")

    @admin.action(
        permissions=["manage_registrations"], description=_("Download the certificates of attendance of the selection")
    )
    def download_certificates(self, request, queryset):
        return self._download(self._issue(request, queryset, DocumentKind.SESSION_CERTIFICATE), "certificates")

    def _issue(self, request, queryset, kind, send_email=False):
        """Issue ``kind`` for each selected registration; refusals become one message each."""
        issued = []
        for registration in queryset.select_related("user", "session"):
            try:
                issued.append(
                    documents_service.issue(
                        kind=kind, registration=registration, actor=request.user, send_email=send_email
                    )
                )
            except documents_service.DocumentRefused as exc:
                self.message_user(request, f"{person_name(registration.user)}: {exc.message}", messages.ERROR)
        return issued

    def _download(self, issued, name):
        """The PDF, or a ZIP of them; None (back to the list, with the messages saying why) when none."""
        download = documents_service.selection_download(issued, name)
        if download is None:
            return None
        out, filename, media_type = download
        return FileResponse(out, as_attachment=True, filename=filename, content_type=media_type)

    def _decide(self, request, queryset, decide):
        """Apply ``decide`` to the pending registrations of the selection; how many it changed."""
        pending = list(queryset.filter(status=RegistrationStatus.PENDING))
        done = 0
        for registration in pending:
            try:
                decide(registration=registration, actor=request.user)
            except RegistrationError as exc:
                self.message_user(request, f"{registration}: {exc.message}", messages.ERROR)
            else:
                done += 1
        skipped = queryset.count() - len(pending)
        if skipped:
            self.message_user(
                request,
                ngettext(
                    "%(count)d selected registration was not pending validation and was left as it is.",
                    "%(count)d selected registrations were not pending validation and were left as they are.",
                    skipped,
                )
                % {"count": skipped},
                messages.WARNING,
            )
        return done


@admin.register(EventRegistration)
class EventRegistrationAdmin(ManageRegistrationsMixin, admin.ModelAdmin):
    """Event registrations with attendance; attendance is recorded with the actions."""

    list_display = ("participant", "event_name", "status", "attendance", "attendance_at")
    list_filter = ("status", "attendance", "registration__role")
    list_select_related = ("registration__user", "registration__session", "event", "attendance_by")
    search_fields = (
        "registration__user__username",
        "registration__user__last_name",
        "event__name",
        "event__session__code",
    )
    date_hierarchy = "event__start"
    actions = ["mark_present", "mark_absent_justified", "mark_absent_unjustified"]

    def has_add_permission(self, request):
        return False

    @admin.display(description=_("participant"), ordering="registration__user__last_name")
    def participant(self, event_registration):
        registration = event_registration.registration
        return format_html(
            '{}<br><span class="quiet">{}</span>', person_name(registration.user), registration.get_role_display()
        )

    @admin.display(description=_("event"), ordering="event__start")
    def event_name(self, event_registration):
        return format_html(
            '{}<br><span class="quiet">{}</span>',
            event_registration.event.name,
            event_registration.registration.session,
        )

    @admin.action(permissions=["manage_registrations"], description=_("Mark as present"))
    def mark_present(self, request, queryset):
        self._mark(request, queryset, Attendance.PRESENT)

    @admin.action(permissions=["manage_registrations"], description=_("Mark as absent (justified)"))
    def mark_absent_justified(self, request, queryset):
        self._mark(request, queryset, Attendance.ABSENT_JUSTIFIED)

    @admin.action(permissions=["manage_registrations"], description=_("Mark as absent (unjustified)"))
    def mark_absent_unjustified(self, request, queryset):
        self._mark(request, queryset, Attendance.ABSENT_UNJUSTIFIED)

    def _mark(self, request, queryset, state):
        done = 0
        for event_registration in queryset:
            try:
                attendance_service.attendance_mark(
                    event_registration=event_registration, state=state, actor=request.user
                )
            except RegistrationError as exc:
                self.message_user(request, f"{event_registration}: {exc.message}", messages.ERROR)
            else:
                done += 1
        self.message_user(
            request,
            ngettext(
                "Attendance recorded for %(count)d participant.",
                "Attendance recorded for %(count)d participants.",
                done,
            )
            % {"count": done},
            messages.SUCCESS,
        )
