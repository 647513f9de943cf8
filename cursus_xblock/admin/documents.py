"""Document templates (every save kept as a version), the register of issued documents, bulk ZIPs.

Templates are compiled when the form is checked, so a broken one is refused with its line and never
becomes a version; ``services.documents.template_save`` is the only writer. Issued documents are
read-only: their stored bytes are served as they were issued.
"""

import io

from django import forms
from django.conf import settings as django_settings
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import ImproperlyConfigured, PermissionDenied
from django.db.models import Count
from django.http import FileResponse, Http404, HttpResponseRedirect
from django.urls import path, reverse
from django.utils import formats, timezone
from django.utils.html import format_html, format_html_join
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from ..documents.placeholders import PLACEHOLDERS
from ..documents.registry import kind_choices, kinds, placeholder_kinds, sample_context
from ..documents.render import render_pdf
from ..documents.templating import TemplateError, check_limits, compile_template, render_template
from ..models import (
    DocumentTemplate,
    DocumentTemplateVersion,
    IssuedDocument,
)
from ..services import documents as documents_service
from .exports import export_documents_csv, export_documents_xlsx
from .readonly import ReadOnlyAdminMixin
from .registrations import person_name
from .scoping import OrganizationScopedAdminMixin

#: Fields compiled before a template is saved (the CSS is not a template).
COMPILED_FIELDS = ("body", "email_subject", "email_body")

PREVIEW_FAILED = _("The preview could not be made: %(problem)s")
FILE_MISSING = _("The file of this document is missing from the storage: %(problem)s")


def language_choices(current):
    """The site's languages for a template's ``language`` select, « Français (fr) »; ``current`` kept.

    A template saved before the site dropped its language can still be edited.
    """
    choices = [(code, f"{name} ({code})") for code, name in django_settings.LANGUAGES]
    if current and current not in dict(django_settings.LANGUAGES):
        choices.append((current, current))
    return [("", "---------"), *choices]


def _code_area(rows):
    return forms.Textarea(attrs={"rows": rows, "class": "cursus-code", "spellcheck": "false"})


# --- templates ----------------------------------------------------------------------------


class KindFilter(admin.SimpleListFilter):
    """The registered kinds by their labels (the column has no ``choices``: a package may add kinds)."""

    title = _("kind")
    parameter_name = "kind"

    def lookups(self, request, model_admin):
        return kind_choices()

    def queryset(self, request, queryset):
        return queryset.filter(kind=self.value()) if self.value() else queryset


class DocumentTemplateForm(forms.ModelForm):
    """Language from ``settings.LANGUAGES``; kind from the registry; every template field must compile."""

    kind = forms.ChoiceField(label=capfirst(_("kind")), choices=lambda: [("", "---------"), *kind_choices()])
    language = forms.ChoiceField(
        label=capfirst(DocumentTemplate._meta.get_field("language").verbose_name),
        help_text=_("The language of the document and its dates."),
    )

    class Meta:
        model = DocumentTemplate
        fields = ("kind", "language", "name", "is_default", "email_subject", "email_body", "body", "css")
        widgets = {
            "email_subject": forms.TextInput(attrs={"class": "vTextField cursus-code"}),
            "email_body": _code_area(10),
            "body": _code_area(30),
            "css": _code_area(14),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["language"].choices = language_choices(self.instance.language)

    def clean(self):
        """Each field compiles, and renders with sample data within the rendering limits.

        The trial rendering refuses at once a template that would be too large or too long for
        every person (``{{ "a"|center:"20000000" }}``); other rendering errors may depend on the
        real data and are left to the preview.
        """
        cleaned_data = super().clean()
        kind, language = cleaned_data.get("kind"), cleaned_data.get("language")
        for name in COMPILED_FIELDS:
            source = cleaned_data.get(name)
            if not source:
                continue
            try:
                compile_template(source)
                if kind and language:
                    check_limits(source, sample_context(kind, language))
            except TemplateError as exc:
                self.add_error(name, exc.describe())
        return cleaned_data


def _placeholder_rows(kind):
    """The placeholders for the side panel: the common ones then each kind's own, saying which kinds use it."""
    registered = kinds()
    every = set(registered)
    own = [p for k in registered.values() for p in k.placeholders]
    rows = []
    for placeholder in (*PLACEHOLDERS, *dict.fromkeys(own)):
        served = placeholder_kinds(placeholder)
        rows.append(
            {
                "code": "{{ %s }}" % placeholder.name,
                "description": placeholder.description,
                "kinds": " ".join(served),
                "only_for": ", ".join(str(registered[k].label) for k in served) if set(served) != every else "",
                "applies": not kind or kind in served,
            }
        )
    return rows


class VersionInline(ReadOnlyAdminMixin, admin.TabularInline):
    """Every saved version, newest first: read-only, issued documents point to them."""

    model = DocumentTemplateVersion
    fields = ("number", "saved_by", "created_at", "issued")
    readonly_fields = fields
    extra = 0
    can_delete = False
    ordering = ("-number",)
    verbose_name = _("version")
    verbose_name_plural = _("versions")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("created_by").annotate(issued_count=Count("documents"))

    def has_view_permission(self, request, obj=None):
        """Whoever may see the template sees its versions."""
        return request.user.has_perm("cursus_xblock.view_documenttemplate") or request.user.has_perm(
            "cursus_xblock.change_documenttemplate"
        )

    @admin.display(description=_("saved by"))
    def saved_by(self, version):
        return person_name(version.created_by) if version.created_by_id else "—"

    @admin.display(description=_("documents issued"))
    def issued(self, version):
        return version.issued_count


@admin.register(DocumentTemplate)
class DocumentTemplateAdmin(admin.ModelAdmin):
    form = DocumentTemplateForm
    change_form_template = "cursus_xblock/admin/documenttemplate_change_form.html"
    list_display = ("name", "kind", "language", "is_default", "version", "updated_at")
    list_filter = (KindFilter, "language", "is_default")
    search_fields = ("name",)
    inlines = [VersionInline]
    fieldsets = (
        (None, {"fields": ("kind", "language", "name", "is_default")}),
        (_("E-mail"), {"fields": ("email_subject", "email_body")}),
        (
            _("Document"),
            {
                "fields": ("body", "css"),
                "description": _(
                    "The PDF is made from this HTML and CSS. Preview it with sample data once it is saved."
                ),
            },
        ),
    )

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        return [
            path(
                "<path:object_id>/preview/",
                self.admin_site.admin_view(require_GET(self.preview_view)),
                name="%s_%s_preview" % info,
            ),
            *super().get_urls(),
        ]

    def get_inlines(self, request, obj):
        return self.inlines if obj is not None else []  # a new template has no versions yet

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        kind = obj.kind if obj is not None else ""
        context["placeholders"] = _placeholder_rows(kind)
        return super().render_change_form(request, context, add=add, change=change, form_url=form_url, obj=obj)

    def save_model(self, request, obj, form, change):
        before = obj.version
        version = documents_service.template_save(template=obj, actor=request.user)
        if change and version.number != before:
            self.message_user(
                request, _("The template is now at version %(number)d.") % {"number": version.number}, messages.INFO
            )

    def preview_view(self, request, object_id):
        """The saved template rendered with sample data, as a PDF shown in the browser; changes nothing."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        template = self.get_object(request, unquote(object_id))
        if template is None:
            raise Http404(_("This template does not exist."))
        if not self.has_view_permission(request, template):
            raise PermissionDenied
        try:
            html = render_template(template.body, sample_context(template.kind, template.language))
            pdf = render_pdf(html, css=template.css, language=template.language)
        except (TemplateError, ImproperlyConfigured) as exc:  # ImproperlyConfigured: no WeasyPrint
            problem = exc.describe() if isinstance(exc, TemplateError) else str(exc)
            self.message_user(request, PREVIEW_FAILED % {"problem": problem}, messages.ERROR)
            return HttpResponseRedirect(
                reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_change", args=[template.pk])
            )
        return FileResponse(io.BytesIO(pdf), content_type="application/pdf", filename="preview.pdf")


# --- issued documents ---------------------------------------------------------------------


@admin.register(IssuedDocument)
class IssuedDocumentAdmin(OrganizationScopedAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    """The register of what was issued: nothing here is added, changed or deleted."""

    list_display = ("issued", "holder_name", "kind_and_template", "session_and_event", "verification", "download")
    list_filter = (KindFilter,)
    list_select_related = ("session", "event", "template_version", "issued_by")
    actions = (export_documents_csv, export_documents_xlsx)
    search_fields = ("holder_name", "verification_code", "session__code")
    date_hierarchy = "issued_at"
    fields = (
        "kind",
        "holder_name",
        "session",
        "registration",
        "event",
        "template_version",
        "certified",
        "issuer",
        "issued_at",
        "emailed_at",
        "verification",
        "filename",
        "media_type",
        "size",
        "sha256",
        "download",
    )
    readonly_fields = fields

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        return [
            path(
                "<path:object_id>/download/",
                self.admin_site.admin_view(require_GET(self.download_view)),
                name="%s_%s_download" % info,
            ),
            *super().get_urls(),
        ]

    @admin.display(description=_("issued on"), ordering="issued_at")
    def issued(self, document):
        return formats.date_format(timezone.localtime(document.issued_at), "SHORT_DATETIME_FORMAT")

    @admin.display(description=_("session"), ordering="session__start")
    def session_and_event(self, document):
        session = document.session
        if document.event_id:
            return format_html(
                '{}<br><span class="quiet">{} · {}</span>', document.event.name, session.name, session.code
            )
        return format_html('{}<br><span class="quiet">{}</span>', session.name, session.code)

    @admin.display(description=_("template"), ordering="template_version__name")
    def template(self, document):
        return str(document.template_version)

    @admin.display(description=_("kind"), ordering="kind")
    def kind_and_template(self, document):
        return format_html(
            '{}<br><span class="quiet">{}</span>', document.get_kind_display(), document.template_version
        )

    @admin.display(description=_("issued by"), ordering="issued_by__last_name")
    def issuer(self, document):
        return person_name(document.issued_by) if document.issued_by_id else "—"

    @admin.display(description=_("verification code"), ordering="verification_code")
    def verification(self, document):
        url = reverse("cursus_xblock:verify", args=[document.verification_code])
        return format_html(
            '<code>{}</code><br><a href="{}" target="_blank" rel="noopener">{}</a>',
            document.verification_code,
            url,
            _("Verification page"),
        )

    @admin.display(description=_("file"))
    def download(self, document):
        url = reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_download", args=[document.pk])
        return format_html('<a href="{}" download>{}</a>', url, _("Download"))

    @admin.display(description=_("certified details"))
    def certified(self, document):
        details = document.details
        rows = [(_("Course"), details.get("course")), (_("Session"), details.get("session"))]
        if details.get("event"):
            rows.append((_("Event"), details["event"]))
        rows.append((_("Dates"), documents_service.snapshot_dates(details)))
        return format_html('<dl class="cursus-details">{}</dl>', format_html_join("", "<dt>{}</dt><dd>{}</dd>", rows))

    def download_view(self, request, object_id):
        """The stored file, byte for byte as it was issued."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        document = self.get_object(request, unquote(object_id))
        if document is None:
            raise Http404(_("This document does not exist."))
        if not self.has_view_permission(request, document):
            raise PermissionDenied
        try:
            content = documents_service.read_content(document)
        except (OSError, ValueError) as exc:  # ValueError: a record without a file
            self.message_user(request, FILE_MISSING % {"problem": exc}, messages.ERROR)
            return HttpResponseRedirect(reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_changelist"))
        return FileResponse(
            io.BytesIO(content), as_attachment=True, filename=document.filename, content_type=document.media_type
        )
