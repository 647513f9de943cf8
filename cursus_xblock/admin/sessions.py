"""Sessions (with their events inline) and events.

The session list has two actions that issue a ZIP of invitations or certificates for one
session; the documents service decides whether a worker builds it or the request does.
"""

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.http import FileResponse, Http404, HttpResponseRedirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.functional import lazy
from django.utils.html import format_html
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from .. import permissions
from ..backends import get_backend
from ..models import Course, Event, Session
from ..models.documents import DocumentKind
from ..selectors.attendance import attendance_grid
from ..selectors.sessions import status_counts, with_registration_counts
from ..services import documents as documents_service
from ..services import registration as registration_service
from ..services import schedule as schedule_service
from ..utils.dates import date_range
from .attendance import attendance_urls
from .exports import export_attendance_csv, export_attendance_xlsx, export_roster_csv, export_roster_xlsx
from .imports import ImportSessionsMixin
from .scoping import OrganizationScopedAdminMixin, ScopedInlineMixin
from .timezones import EventAdminForm, EventForm, LabelledInlineFormSet, SessionForm, SessionTimeZoneMixin

BATCH_QUEUED = _("The ZIP is being prepared by a background worker: this page shows its progress.")
ONE_SESSION = _("Select one session at a time.")
NO_LEARNER = _("No confirmed learner in this session.")
ZIP_FAILED = _("The documents could not be made: %(problem)s")
SHEETS_FAILED = _("The sign-in sheets could not be made: %(problem)s")
#: The change page's sheet buttons: (what the URL says, label).
SHEET_TOOLS = (
    ("blank", _("Sign-in sheets, blank (ZIP)")),
    ("filled", _("Sign-in sheets, filled (ZIP)")),
)


class WhenFilter(admin.SimpleListFilter):
    title = _("when")
    parameter_name = "when"

    def lookups(self, request, model_admin):
        return [("upcoming", _("Upcoming")), ("ongoing", _("In progress")), ("past", _("Past"))]

    def queryset(self, request, queryset):
        now = timezone.now()
        return {
            "upcoming": lambda: queryset.filter(start__gt=now),
            "ongoing": lambda: queryset.filter(start__lte=now, end__gt=now),
            "past": lambda: queryset.filter(end__lte=now),
        }.get(self.value(), lambda: queryset)()


def _workspace_label():
    return str(get_backend().workspace_label)


#: « workspace », or « course run » in Open edX: the backend's name, read when shown.
workspace_label = lazy(_workspace_label, str)


class EventInline(ScopedInlineMixin, admin.TabularInline):
    model = Event
    form = EventForm
    formset = LabelledInlineFormSet
    fields = ("name", "start", "end", "registration_type", "capacity")
    extra = 0
    show_change_link = True


@admin.register(Session)
class SessionAdmin(ImportSessionsMixin, OrganizationScopedAdminMixin, SessionTimeZoneMixin, admin.ModelAdmin):
    writable = True
    form = SessionForm
    change_list_template = "cursus_xblock/admin/session_change_list.html"
    list_display = ("title", "dates", "place", "workspace", "status", "seats", "waiting")
    list_display_links = ("title",)
    list_filter = ("status", WhenFilter, ("course", admin.RelatedOnlyFieldListFilter))
    list_select_related = ("course",)
    search_fields = ("code", "name", "course__code", "course__title", "place")
    date_hierarchy = "start"
    autocomplete_fields = ("course",)
    inlines = [EventInline]
    readonly_fields = ("registrations_summary", "attendance_summary")
    actions = (
        "issue_certificates_zip",
        "issue_invitations_zip",
        "sign_in_sheets_blank",
        "sign_in_sheets_filled",
        export_roster_csv,
        export_roster_xlsx,
        export_attendance_csv,
        export_attendance_xlsx,
    )
    fieldsets = (
        (None, {"fields": ("course", "code", "name", "description", "status")}),
        (_("When and where"), {"fields": ("start", "end", "time_zone", "place")}),
        (
            _("Registration"),
            {
                "fields": (
                    "capacity",
                    "waiting_list_enabled",
                    "validation_required",
                    "self_registration",
                    "self_unregistration",
                    "workspace_key",
                    "registrations_summary",
                )
            },
        ),
        (_("Attendance"), {"fields": ("certificate_min_attendance", "attendance_summary")}),
    )

    change_form_template = "cursus_xblock/admin/session_change_form.html"

    def get_urls(self):
        sheets = self.admin_site.admin_view(require_POST(self.sheets_view))
        return [
            path("<path:object_id>/sign-in-sheets/<str:which>/", sheets, name="cursus_xblock_session_sheets"),
            *attendance_urls(self),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        """The change page's object tools: the séance's sign-in sheets, blank or filled, as one ZIP."""
        session = self.get_object(request, unquote(object_id))
        tools = []
        if session is not None and permissions.takes_attendance(request.user, session):
            tools = [
                {"url": reverse("admin:cursus_xblock_session_sheets", args=[session.pk, which]), "label": label}
                for which, label in SHEET_TOOLS
            ]
        return super().change_view(request, object_id, form_url, {**(extra_context or {}), "cursus_sheet_tools": tools})

    def sheets_view(self, request, object_id, which):
        """POST (issuing records documents): the session's sheets as a ZIP, or back to its page with why not."""
        session = self.get_object(request, unquote(object_id))
        if session is None or which not in dict(SHEET_TOOLS):
            raise Http404
        response = self._sheets_response(request, Session.objects.filter(pk=session.pk), filled=which == "filled")
        return response or HttpResponseRedirect(reverse("admin:cursus_xblock_session_change", args=[session.pk]))

    def get_queryset(self, request):
        return with_registration_counts(super().get_queryset(request))

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "course":  # a tampered form cannot put a session in another's course
            kwargs["queryset"] = permissions.managed(Course.objects.all(), request.user, self.viewer_scope(request))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        if "workspace_key" in form.base_fields:
            form.base_fields["workspace_key"].label = capfirst(workspace_label())
        return form

    def get_changeform_initial_data(self, request):
        initial = super().get_changeform_initial_data(request)
        course_id = str(initial.get("course") or "")
        courses = permissions.managed(Course.objects.all(), request.user, self.viewer_scope(request))
        course = courses.filter(pk=course_id).first() if course_id.isdigit() else None
        if course is not None:
            initial = {**course.session_defaults(), **initial}
        return initial

    def page_time_zone(self, session):
        return session.time_zone

    @admin.display(description=_("session"), ordering="name")
    def title(self, session):
        return format_html('{}<br><span class="quiet">{} · {}</span>', session.name, session.code, session.course.code)

    @admin.display(description=_("dates"), ordering="start")
    def dates(self, session):
        return date_range(session.start, session.end, session.tzinfo)

    @admin.display(description=workspace_label(), ordering="workspace_key")
    def workspace(self, session):
        if not session.workspace_key:
            return "—"
        url = get_backend().workspace_url(session.workspace_key)
        return format_html('<a href="{}">{}</a>', url, session.workspace_key) if url else session.workspace_key

    @admin.display(description=_("seats"), ordering="seats_taken")
    def seats(self, session):
        if session.capacity is None:
            return f"{session.seats_taken} / ∞"
        return f"{session.seats_taken} / {session.capacity}"

    @admin.display(description=_("waiting"), ordering="waiting_count")
    def waiting(self, session):
        return session.waiting_count

    @admin.display(description=_("registrations"))
    def registrations_summary(self, session):
        if session.pk is None:
            return "—"
        counts = status_counts(session)
        registrations_url = reverse("admin:cursus_xblock_registration_changelist") + f"?session__id__exact={session.pk}"
        history_url = (
            reverse("admin:cursus_xblock_registrationhistory_changelist")
            + f"?registration__session__id__exact={session.pk}"
        )
        confirmed, pending, waiting = (counts[f"learner_{status}"] for status in ("confirmed", "pending", "waiting"))
        learners = ", ".join(
            [
                ngettext("%(count)d confirmed", "%(count)d confirmed", confirmed) % {"count": confirmed},
                ngettext("%(count)d pending validation", "%(count)d pending validation", pending) % {"count": pending},
                ngettext("%(count)d on the waiting list", "%(count)d on the waiting list", waiting)
                % {"count": waiting},
            ]
        )
        labelled = _("%(label)s: %(value)s")  # French puts a space before the colon
        return format_html(
            "{learners} · {trainers} — "
            '<a href="{registrations_url}">{list_label}</a> · <a href="{history_url}">{history_label}</a>',
            learners=labelled % {"label": _("Learners"), "value": learners},
            trainers=labelled % {"label": _("Trainers"), "value": counts["trainer_confirmed"]},
            registrations_url=registrations_url,
            list_label=_("See the registrations"),
            history_url=history_url,
            history_label=_("See the history"),
        )

    @admin.display(description=_("attendance rates"))
    def attendance_summary(self, session):
        """The rate of each séance held, and the way to the roll-call grid (rates per learner there)."""
        if session.pk is None:
            return "—"
        grid = attendance_grid(session)
        labelled = _("%(label)s: %(value)s")
        rates = [
            labelled % {"label": c.event.name, "value": "—" if c.rate is None else f"{c.rate} %"}
            for c in grid.columns
            if c.started
        ]
        return format_html(
            '{rates} — <a href="{url}">{label}</a>',
            rates=" · ".join(rates) if rates else _("No event has started yet."),
            url=reverse("admin:cursus_xblock_session_attendance", args=[session.pk]),
            label=_("Take the roll call (learners × events)"),
        )

    def get_fieldsets(self, request, obj=None):
        if obj is None:
            return self.fieldsets
        # On a change page only: new dates or a new place tell the learners unless this is ticked.
        when = (_("When and where"), {"fields": ("start", "end", "time_zone", "place", "silent")})
        return tuple(when if title == _("When and where") else (title, opts) for title, opts in self.fieldsets)

    def save_model(self, request, obj, form, change):
        if not change:
            super().save_model(request, obj, form, change)
            return
        # Through the service, which gives seats the change freed to the waiting list and tells the
        # learners of new dates or place (unless « do not notify » is ticked).
        promoted = registration_service.session_update(
            session=obj, actor=request.user, notify=not form.cleaned_data.get("silent")
        )
        if promoted:
            self.message_user(
                request,
                ngettext(
                    "%(count)d learner moved from the waiting list to the session.",
                    "%(count)d learners moved from the waiting list to the session.",
                    len(promoted),
                )
                % {"count": len(promoted)},
                messages.SUCCESS,
            )

    def save_formset(self, request, form, formset, change):
        """Séances through the service, which tells their learners of new dates or place (the page has one box)."""
        if formset.model is not Event:
            return super().save_formset(request, form, formset, change)
        notify = not form.cleaned_data.get("silent")
        events = formset.save(commit=False)
        for event in formset.deleted_objects:
            event.delete()
        for event in events:
            schedule_service.event_save(event=event, actor=request.user, notify=notify)
        formset.save_m2m()
        return None

    # --- everyone's documents as one ZIP ---------------------------------------------------

    def has_manage_registrations_permission(self, request, obj=None):
        """Issuing a session's documents is a training manager's job, like registering."""
        return permissions.is_training_manager(request.user)

    @admin.action(permissions=["manage_registrations"], description=_("Certificates of attendance (ZIP)"))
    def issue_certificates_zip(self, request, queryset):
        return self._zip_response(request, queryset, DocumentKind.SESSION_CERTIFICATE)

    @admin.action(permissions=["manage_registrations"], description=_("Invitations (ZIP)"))
    def issue_invitations_zip(self, request, queryset):
        return self._zip_response(request, queryset, DocumentKind.SESSION_INVITATION)

    @admin.action(permissions=["manage_registrations"], description=_("Sign-in sheets to print, blank (ZIP)"))
    def sign_in_sheets_blank(self, request, queryset):
        return self._sheets_response(request, queryset, filled=False)

    @admin.action(permissions=["manage_registrations"], description=_("Sign-in sheets, filled (ZIP)"))
    def sign_in_sheets_filled(self, request, queryset):
        return self._sheets_response(request, queryset, filled=True)

    def _sheets_response(self, request, queryset, *, filled):
        """One sign-in sheet per séance, issued now and kept, as one ZIP; or back to the list with why not."""
        sessions = list(queryset[:2])
        if len(sessions) != 1:
            self.message_user(request, ONE_SESSION, messages.WARNING)
            return None
        (session,) = sessions
        try:
            sheets = documents_service.session_sign_in_sheets(session=session, actor=request.user, filled=filled)
        except documents_service.DocumentRefused as exc:
            self.message_user(request, SHEETS_FAILED % {"problem": exc.message}, messages.ERROR)
            return None
        out, name = documents_service.sign_in_sheets_zip(session, sheets)
        self.message_user(
            request,
            ngettext(
                "%(count)d sign-in sheet issued for %(session)s.",
                "%(count)d sign-in sheets issued for %(session)s.",
                len(sheets),
            )
            % {"count": len(sheets), "session": session},
            messages.SUCCESS,
        )
        return FileResponse(out, as_attachment=True, filename=name, content_type="application/zip")

    def _zip_response(self, request, queryset, kind):
        """The ZIP, or the batch's page while a worker builds it, or back to the list with why not."""
        sessions = list(queryset[:2])
        if len(sessions) != 1:
            self.message_user(request, ONE_SESSION, messages.WARNING)
            return None
        (session,) = sessions
        asked = documents_service.request_session_zip(session=session, kind=kind, actor=request.user)
        State = documents_service.ZipState
        if asked.state == State.NO_LEARNER:
            self.message_user(request, NO_LEARNER, messages.WARNING)
            return None
        if asked.state == State.NOT_STARTED:
            self.message_user(request, ZIP_FAILED % {"problem": asked.problem}, messages.ERROR)
            return None
        batch_page = HttpResponseRedirect(reverse("admin:cursus_xblock_documentbatch_change", args=[asked.batch.pk]))
        if asked.state == State.QUEUED:
            self.message_user(request, BATCH_QUEUED, messages.INFO)
            return batch_page
        if asked.state != State.READY:  # not queued, or nothing but errors: the batch's page says more
            self.message_user(request, ZIP_FAILED % {"problem": asked.problem}, messages.ERROR)
            return batch_page
        batch = asked.batch
        # Built during the request. Shown on the next page the admin opens (the browser stays put for a download).
        self.message_user(
            request,
            ngettext(
                "%(count)d document issued for %(session)s.",
                "%(count)d documents issued for %(session)s.",
                batch.issued,
            )
            % {"count": batch.issued, "session": session},
            messages.SUCCESS,
        )
        missing = batch.refused + batch.failed
        if missing:
            self.message_user(
                request,
                ngettext(
                    "%(count)d learner did not get one: see not_issued.txt in the ZIP.",
                    "%(count)d learners did not get one: see not_issued.txt in the ZIP.",
                    missing,
                )
                % {"count": missing},
                messages.WARNING,
            )
        return FileResponse(
            batch.file.open("rb"),
            as_attachment=True,
            filename=documents_service.session_zip_name(session, kind),
            content_type="application/zip",
        )


@admin.register(Event)
class EventAdmin(OrganizationScopedAdminMixin, SessionTimeZoneMixin, admin.ModelAdmin):
    writable = True
    form = EventAdminForm
    list_display = ("title", "dates", "registration_type", "capacity")
    list_display_links = ("title",)
    list_filter = ("registration_type", WhenFilter)
    list_select_related = ("session",)
    search_fields = ("name", "session__code", "session__name", "place")
    date_hierarchy = "start"
    autocomplete_fields = ("session",)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "session":
            kwargs["queryset"] = permissions.managed(Session.objects.all(), request.user, self.viewer_scope(request))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def page_time_zone(self, event):
        return event.session.time_zone

    @admin.display(description=_("event"), ordering="name")
    def title(self, event):
        return format_html('{}<br><span class="quiet">{}</span>', event.name, event.session)

    @admin.display(description=_("dates"), ordering="start")
    def dates(self, event):
        return date_range(event.start, event.end, event.session.tzinfo)

    def get_fields(self, request, obj=None):
        fields = [f for f in super().get_fields(request, obj) if f != "silent"]
        return [*fields, "silent"] if obj is not None else fields

    def save_model(self, request, obj, form, change):
        """Through the service, which tells the séance's learners of new dates or place."""
        schedule_service.event_save(event=obj, actor=request.user, notify=not form.cleaned_data.get("silent"))
