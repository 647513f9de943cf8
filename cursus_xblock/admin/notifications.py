"""Automatic notifications in the admin: the send log (with resend), the texts, the switches."""

from django import forms
from django.contrib import admin, messages
from django.utils import formats, timezone
from django.utils.html import format_html
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from .. import permissions
from ..documents.templating import TemplateError, compile_template
from ..models import Notification, NotificationSwitch, NotificationTemplate
from ..services import notifications as notifications_service
from .documents import language_choices
from .readonly import ReadOnlyAdminMixin
from .registrations import person_name
from .scoping import OrganizationScopedAdminMixin

NOTIFICATIONS_HELP = _(
    "Turn an automatic notification off (or back on) for a course or a session; a session's line wins over its "
    "course's, and without a line the site's setting applies (all on unless CURSUS_NOTIFICATIONS says otherwise)."
)
ONE_OWNER = _("Choose a course or a session, not both.")


@admin.register(Notification)
class NotificationAdmin(OrganizationScopedAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("when", "person", "trigger", "session", "status", "attempts", "sent")
    list_filter = ("status", "trigger")
    list_select_related = ("user", "session")
    search_fields = ("user__username", "user__last_name", "user__email", "session__code", "session__name")
    date_hierarchy = "created_at"
    actions = ["resend"]
    readonly_fields = (
        "user",
        "trigger",
        "session",
        "registration",
        "status",
        "attempts",
        "next_attempt_at",
        "language",
        "recipient",
        "copied_to",
        "subject",
        "error",
        "created_at",
        "sent_at",
        "data",
    )
    exclude = ("object_key", "version")

    @admin.display(description=_("date"), ordering="created_at")
    def when(self, row):
        return formats.date_format(timezone.localtime(row.created_at), "SHORT_DATETIME_FORMAT")

    @admin.display(description=_("person"), ordering="user__last_name")
    def person(self, row):
        return format_html('{}<br><span class="quiet">{}</span>', person_name(row.user), row.user.email)

    @admin.display(description=_("sent on"), ordering="sent_at")
    def sent(self, row):
        if row.sent_at is None:
            return row.error or "—"
        return formats.date_format(timezone.localtime(row.sent_at), "SHORT_DATETIME_FORMAT")

    def has_resend_permission(self, request):
        return request.user.has_perm("cursus_xblock.manage_registrations") or permissions.is_training_manager(
            request.user
        )

    @admin.action(description=_("Send the selected notifications again"), permissions=["resend"])
    def resend(self, request, queryset):
        count = notifications_service.resend(queryset)
        self.message_user(
            request,
            ngettext("%(count)d notification will be sent again.", "%(count)d notifications will be sent again.", count)
            % {"count": count},
            messages.SUCCESS,
        )


class NotificationTemplateForm(forms.ModelForm):
    """Language from ``settings.LANGUAGES``; subject and bodies must compile in the documents' sandbox."""

    language = forms.ChoiceField(label=capfirst(NotificationTemplate._meta.get_field("language").verbose_name))

    class Meta:
        model = NotificationTemplate
        fields = ("trigger", "language", "subject", "body_text", "body_html")
        widgets = {
            "subject": forms.TextInput(attrs={"class": "vTextField cursus-code"}),
            "body_text": forms.Textarea(attrs={"rows": 14, "class": "cursus-code"}),
            "body_html": forms.Textarea(attrs={"rows": 14, "class": "cursus-code"}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["language"].choices = language_choices(self.instance.language)

    def clean(self):
        cleaned_data = super().clean()
        for name in ("subject", "body_text", "body_html"):
            source = cleaned_data.get(name)
            if not source:
                continue
            try:
                compile_template(source)
            except TemplateError as exc:
                self.add_error(name, exc.describe())
        return cleaned_data


@admin.register(NotificationTemplate)
class NotificationTemplateAdmin(admin.ModelAdmin):
    form = NotificationTemplateForm
    list_display = ("trigger", "language", "subject", "updated_at")
    list_filter = ("trigger", "language")
    readonly_fields = ("preview",)
    fieldsets = (
        (None, {"fields": ("trigger", "language", "subject", "body_text", "body_html")}),
        (_("Preview"), {"fields": ("preview",)}),
    )

    @admin.display(description=_("Preview with sample values"))
    def preview(self, template):
        if template is None or template.pk is None:
            return _("Save the template to see it with sample values.")
        try:
            subject, text, html = notifications_service.preview(template)
        except TemplateError as exc:
            return format_html('<p class="errornote">{}</p>', exc.describe())
        html_part = format_html(
            '<iframe sandbox="" title="{}" srcdoc="{}" style="width:100%;min-height:16em;border:1px solid #ccc">'
            "</iframe>",
            _("HTML body"),
            html,
        )
        # The text as the mail shows it: lines kept, long ones wrapped inside the page.
        return format_html(
            '<p><strong>{}</strong></p><pre class="cursus-notification-text" style="white-space:pre-wrap;'
            'overflow-wrap:anywhere;max-width:60em">{}</pre>{}',
            subject,
            text,
            html_part if html else "",
        )


class NotificationSwitchForm(forms.ModelForm):
    class Meta:
        model = NotificationSwitch
        fields = ("course", "session", "trigger", "enabled")

    def clean(self):
        cleaned_data = super().clean()
        if bool(cleaned_data.get("course")) == bool(cleaned_data.get("session")):
            raise forms.ValidationError(ONE_OWNER)
        return cleaned_data


@admin.register(NotificationSwitch)
class NotificationSwitchAdmin(admin.ModelAdmin):
    """Its own page rather than an inline of courses and sessions, whose forms stay as they are."""

    form = NotificationSwitchForm
    list_display = ("trigger", "course", "session", "enabled")
    list_filter = ("trigger", "enabled")
    list_select_related = ("course", "session")
    autocomplete_fields = ("course", "session")
    search_fields = ("course__code", "course__title", "session__code", "session__name")

    def changelist_view(self, request, extra_context=None):
        return super().changelist_view(request, {"subtitle": NOTIFICATIONS_HELP, **(extra_context or {})})
