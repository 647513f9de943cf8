"""Bulk document batches: their progress while a worker builds them, each person's outcome, the ZIP.

A batch whose worker died (or whose message was lost, or that failed) can be resumed from its page:
only the people without a document from it are tried again.
"""

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpResponseRedirect
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_POST

from .. import permissions
from ..models import BatchStatus, DocumentBatch
from ..models.documents import DocumentBatchItem
from ..services import documents as documents_service
from .readonly import ReadOnlyAdminMixin
from .registrations import person_name
from .scoping import OrganizationScopedAdminMixin

MISSING_FILE = _("The file of this batch is no longer in storage.")
RESUMED = _("The batch is resumed: only the documents it lacks will be made.")
STALE = _("No progress for %(minutes)s minutes: its worker has probably stopped. Resume it to finish it.")
BROKEN = _("This batch stopped: %(error)s")


class ReportInline(ReadOnlyAdminMixin, admin.TabularInline):
    """Who got a document, who was refused and why, whose document failed and with which error."""

    model = DocumentBatchItem
    fields = ("person", "outcome", "message", "document_link")
    readonly_fields = fields
    extra = 0
    can_delete = False
    verbose_name = _("person")
    verbose_name_plural = _("report, person by person")

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("registration__user", "document")
            .order_by("outcome", "registration__user__last_name", "registration__user__first_name", "pk")
        )

    def has_view_permission(self, request, obj=None):
        """Whoever may see the batch sees its report."""
        return request.user.has_perm("cursus_xblock.view_documentbatch")

    @admin.display(description=_("person"))
    def person(self, item):
        return person_name(item.registration.user)

    @admin.display(description=_("document"))
    def document_link(self, item):
        if item.document_id is None:
            return "—"
        url = reverse("admin:cursus_xblock_issueddocument_change", args=[item.document_id])
        return format_html('<a href="{}">{}</a>', url, item.document.verification_code)


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
        "failed",
        "error",
        "requested_by",
        "created_at",
        "progress_at",
        "finished_at",
        "download",
    )
    readonly_fields = fields
    inlines = [ReportInline]
    change_form_template = "cursus_xblock/admin/documentbatch_change_form.html"

    def get_urls(self):
        return [
            path(
                "<path:object_id>/download/",
                self.admin_site.admin_view(require_GET(self.download_view)),
                name="cursus_xblock_documentbatch_download",
            ),
            path(
                "<path:object_id>/resume/",
                self.admin_site.admin_view(require_POST(self.resume_view)),
                name="cursus_xblock_documentbatch_resume",
            ),
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

    def _may_resume(self, request, batch):
        return self.has_view_permission(request, batch) and permissions.is_training_manager(request.user)

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        stale = obj is not None and documents_service.batch_is_stale(obj)
        context["refresh"] = obj is not None and obj.status in (BatchStatus.QUEUED, BatchStatus.RUNNING) and not stale
        context["resume_url"] = (
            reverse("admin:cursus_xblock_documentbatch_resume", args=[obj.pk])
            if obj is not None and self._may_resume(request, obj) and documents_service.batch_resumable(obj) is None
            else ""
        )
        if stale:
            minutes = documents_service.stale_after().total_seconds() / 60
            context["batch_warning"] = STALE % {"minutes": f"{minutes:g}"}
        elif obj is not None and obj.status == BatchStatus.FAILED and obj.error:
            context["batch_warning"] = BROKEN % {"error": obj.error}
        return super().render_change_form(request, context, add, change, form_url, obj)

    def resume_view(self, request, object_id):
        batch = self.get_object(request, unquote(object_id))
        if batch is None:
            raise Http404
        if not self._may_resume(request, batch):
            raise PermissionDenied
        try:
            batch = documents_service.batch_resume(batch=batch)
        except documents_service.BatchNotResumable as exc:
            self.message_user(request, exc.message, messages.WARNING)
        else:
            if batch.status == BatchStatus.FAILED:
                self.message_user(request, BROKEN % {"error": batch.error}, messages.ERROR)
            else:
                self.message_user(request, RESUMED, messages.SUCCESS)
        return HttpResponseRedirect(reverse("admin:cursus_xblock_documentbatch_change", args=[batch.pk]))

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
