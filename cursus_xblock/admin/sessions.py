"""Sessions (with their events inline) and events."""

from django.contrib import admin, messages
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import lazy
from django.utils.html import format_html
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from ..backends import get_backend
from ..formatting import date_range
from ..models import Course, Event, Registration, RegistrationStatus, Role, Session
from ..services import registration as registration_service
from .timezones import EventForm, LabelledInlineFormSet, SessionForm, SessionTimeZoneMixin


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


class EventInline(admin.TabularInline):
    model = Event
    form = EventForm
    formset = LabelledInlineFormSet
    fields = ("name", "start", "end", "registration_type", "capacity")
    extra = 0
    show_change_link = True


@admin.register(Session)
class SessionAdmin(SessionTimeZoneMixin, admin.ModelAdmin):
    form = SessionForm
    list_display = ("title", "dates", "place", "workspace", "status", "seats", "waiting")
    list_display_links = ("title",)
    list_filter = ("status", WhenFilter, ("course", admin.RelatedOnlyFieldListFilter))
    list_select_related = ("course",)
    search_fields = ("code", "name", "course__code", "course__title", "place")
    date_hierarchy = "start"
    autocomplete_fields = ("course",)
    inlines = [EventInline]
    readonly_fields = ("registrations_summary",)
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
    )

    def get_queryset(self, request):
        learners = Q(registrations__role=Role.LEARNER)
        return (
            super()
            .get_queryset(request)
            .annotate(
                seats_taken=Count(
                    "registrations",
                    filter=learners
                    & Q(registrations__status__in=(RegistrationStatus.CONFIRMED, RegistrationStatus.PENDING)),
                ),
                waiting_count=Count(
                    "registrations", filter=learners & Q(registrations__status=RegistrationStatus.WAITING)
                ),
            )
        )

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        if "workspace_key" in form.base_fields:
            form.base_fields["workspace_key"].label = capfirst(workspace_label())
        return form

    def get_changeform_initial_data(self, request):
        initial = super().get_changeform_initial_data(request)
        course_id = str(initial.get("course") or "")
        course = Course.objects.filter(pk=course_id).first() if course_id.isdigit() else None
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
        counts = Registration.objects.filter(session=session).aggregate(
            **{
                f"{role}_{status}": Count("pk", filter=Q(role=role, status=status))
                for role in Role.values
                for status in RegistrationStatus.values
            }
        )
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

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if change and {"capacity", "waiting_list_enabled", "status"} & set(form.changed_data):
            promoted = registration_service.promote_waiting(session=obj, actor=request.user)
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


@admin.register(Event)
class EventAdmin(SessionTimeZoneMixin, admin.ModelAdmin):
    form = EventForm
    list_display = ("title", "dates", "registration_type", "capacity")
    list_display_links = ("title",)
    list_filter = ("registration_type", WhenFilter)
    list_select_related = ("session",)
    search_fields = ("name", "session__code", "session__name", "place")
    date_hierarchy = "start"
    autocomplete_fields = ("session",)

    def page_time_zone(self, event):
        return event.session.time_zone

    @admin.display(description=_("event"), ordering="name")
    def title(self, event):
        return format_html('{}<br><span class="quiet">{}</span>', event.name, event.session)

    @admin.display(description=_("dates"), ordering="start")
    def dates(self, event):
        return date_range(event.start, event.end, event.session.tzinfo)
