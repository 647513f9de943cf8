"""Bulk document batches: their progress while a worker builds them, then the ZIP to download."""

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.http import FileResponse, Http404, HttpResponseRedirect
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from ..models import BatchStatus, DocumentBatch
from .readonly import ReadOnlyAdminMixin
from .scoping import OrganizationScopedAdminMixin

MISSING_FILE = _("The file of this batch is no longer in storage.")


@admin.register(DocumentBatch)
class DocumentBatchAdmin(OrganizationScopedAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("created_at", "session", "kind", "status", "progress", "requested_by", "download")
    list_filter = ("status", "kind")
    list_select_related = ("session", "requested_by")
    search_fields = ("session__code", "session__name")
    date_hierarchy = "created_at"
    fields = (
        "session",
        "kind",
        "status",
        "progress",
        "issued",
        "refused",
        "error",
        "requested_by",
        "created_at",
        "finished_at",
        "download",
    )
    readonly_fields = fields
    change_form_template = "cursus_xblock/admin/documentbatch_change_form.html"

    def get_urls(self):
        view = self.admin_site.admin_view(require_GET(self.download_view))
        return [
            path("<path:object_id>/download/", view, name="cursus_xblock_documentbatch_download"),
            *super().get_urls(),
        ]

    @admin.display(description=_("progress"))
    def progress(self, batch):
        return format_html(
            '<progress max="100" value="{}" aria-label="{}"></progress> {} / {}',
            batch.percent,
            _("progress"),
            batch.done,
            batch.total,
        )

    @admin.display(description=_("file"))
    def download(self, batch):
        if batch.status != BatchStatus.DONE or not batch.file:
            return "—"
        url = reverse("admin:cursus_xblock_documentbatch_download", args=[batch.pk])
        return format_html('<a class="button" href="{}">{}</a>', url, _("Download the ZIP"))

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        context["refresh"] = obj is not None and obj.status in (BatchStatus.QUEUED, BatchStatus.RUNNING)
        return super().render_change_form(request, context, add, change, form_url, obj)

    def download_view(self, request, object_id):
        batch = self.get_object(request, unquote(object_id))
        if batch is None or not self.has_view_permission(request, batch) or batch.status != BatchStatus.DONE:
            raise Http404
        try:
            handle = batch.file.open("rb")
        except (FileNotFoundError, ValueError):
            self.message_user(request, MISSING_FILE, messages.ERROR)
            return HttpResponseRedirect(reverse("admin:cursus_xblock_documentbatch_change", args=[batch.pk]))
        return FileResponse(handle, as_attachment=True, filename=batch.file.name.rsplit("/", 1)[-1].split("-", 1)[-1])
