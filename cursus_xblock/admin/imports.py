"""The import pages (registrations, sessions): upload → dry run (the report of every row) → apply → report as CSV.

Between the dry run and the apply the file's rows travel in a signed form field, not in the session
or on disk: the apply plans them again against the database of that moment, so what it does is the
report the manager has just read unless someone registered people in between. The reports (of the
dry run or of the apply) are downloaded the same way.
"""

from django import forms
from django.core import signing
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpResponse, HttpResponseRedirect, JsonResponse
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from .. import permissions
from ..conf import settings
from ..models import ImportJob, ImportJobStatus, ImportKind
from ..services.history import notifying
from ..services.imports import files, jobs
from ..services.imports import registrations as imports
from ..services.imports import sessions as session_imports
from ..utils.dates import interpolate

SALT = "cursus_xblock.imports"
#: A dry run older than this is read again from the file.
TOKEN_MAX_AGE = 3600
BAD_TOKEN = _("This dry run has expired: upload the file again.")
#: Rows of a job's report shown on its page; the CSV has them all.
JOB_PAGE_ROWS = 500


class UploadForm(forms.Form):
    file = forms.FileField(
        label=_("File"),
        help_text=_(
            "CSV (UTF-8 or Windows-1252, separated by ; or ,) or XLSX, with the columns: username or e-mail, "
            "session code, role (learner or trainer), and optionally a reason. The first row names the columns, "
            "in French or English."
        ),
    )


class SessionUploadForm(forms.Form):
    file = forms.FileField(
        label=_("File"),
        help_text=_(
            "CSV (UTF-8 or Windows-1252, separated by ; or ,) or XLSX, with the columns: course code, session code, "
            "name, start, end, and optionally séance, time zone, place, capacity, trainers (usernames or e-mails). "
            "A row with a séance name is a séance of the session of its code. Dates such as 2026-09-14 09:00 are "
            "in the row's time zone. The first row names the columns, in French or English."
        ),
    )


def job_status_text(job):
    return interpolate(
        gettext("%(status)s: %(done)s of %(total)s rows."),
        status=job.get_status_display(),
        done=job.rows_done,
        total=job.rows_total,
    )


class ImportMixin:
    """Adds an import page to an admin (needs ``has_manage_registrations_permission``).

    What is imported is the service module's business (``service``: ``parse``, ``plan``, ``apply``,
    ``REPORT_HEADER``); the page, the signed rows and the report are the same for every import.
    """

    service = imports
    upload_form = UploadForm
    salt = SALT
    import_title = _("Import registrations")
    template_name = "cursus_xblock/admin/import.html"
    #: Whether applying tells people (then the page offers « do not notify »).
    import_notifies = True
    #: The ``ImportKind`` a file too large for a request runs as (a background job); None: never.
    job_kind = None

    def row_values(self, row):
        return [row.line, row.person, row.session_code, row.role_text, row.reason]

    def row_of(self, values):
        return imports.ImportRow(*values)

    def empty_plan(self, rows):
        return imports.ImportPlan(rows=rows)

    def import_options(self, request):
        """Keyword arguments the service's ``plan`` and ``apply`` need besides the rows (the attendance
        import: its session)."""
        return {}

    def import_report_url(self):
        return reverse("admin:%s_%s_import_report" % (self.opts.app_label, self.opts.model_name))

    def import_extra_context(self, request):
        return {}

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        return [
            path("import/", self.admin_site.admin_view(self.import_view), name="%s_%s_import" % info),
            path(
                "import/report/",
                self.admin_site.admin_view(require_POST(self.import_report_view)),
                name="%s_%s_import_report" % info,
            ),
            path(
                "import/jobs/<int:job_id>/",
                self.admin_site.admin_view(self.import_job_view),
                name="%s_%s_import_job" % info,
            ),
            path(
                "import/jobs/<int:job_id>/status/",
                self.admin_site.admin_view(self.import_job_status_view),
                name="%s_%s_import_job_status" % info,
            ),
            path(
                "import/jobs/<int:job_id>/apply/",
                self.admin_site.admin_view(require_POST(self.import_job_apply_view)),
                name="%s_%s_import_job_apply" % info,
            ),
            path(
                "import/jobs/<int:job_id>/report/",
                self.admin_site.admin_view(self.import_job_report_view),
                name="%s_%s_import_job_report" % info,
            ),
            *super().get_urls(),
        ]

    def _check_import_permission(self, request):
        if not self.has_manage_registrations_permission(request):
            raise PermissionDenied

    def import_view(self, request):
        """GET: the upload form; POST a file: the dry run; POST ``apply``: the registrations."""
        self._check_import_permission(request)
        context = {"form": self.upload_form(), "result": None, "error": ""}
        if request.method == "POST" and "apply" in request.POST:
            context.update(self._apply(request))
        elif request.method == "POST":
            form = self.upload_form(request.POST, request.FILES)
            context["form"] = form
            if form.is_valid():
                context.update(self._dry_run(request, form.cleaned_data["file"]))
        if context.get("job") is not None:
            return HttpResponseRedirect(self._job_url(context["job"]))
        if context["result"] is not None:
            rows = [row.as_list() for row in context["result"].rows]
            context["report_token"] = signing.dumps(rows, salt=self.salt + ".report", compress=True)
        return TemplateResponse(
            request,
            self.template_name,
            {
                **self.admin_site.each_context(request),
                **context,
                "report_header": self.service.REPORT_HEADER,
                "title": self.import_title,
                "opts": self.model._meta,
                "has_view_permission": self.has_view_permission(request),
                "report_url": self.import_report_url(),
                "notifies": self.import_notifies,
                **self.import_extra_context(request),
            },
        )

    def _dry_run(self, request, upload):
        if upload.size > settings.IMPORT_MAX_BYTES:
            return {
                "error": interpolate(gettext("The file is larger than %(size)s bytes."), size=settings.IMPORT_MAX_BYTES)
            }
        content = upload.read()
        try:
            # A file that may become a job is read up to a job's bound (``IMPORT_JOB_MAX_ROWS``).
            rows = (
                jobs.parse(self.job_kind, content, upload.name)
                if self.job_kind
                else self.service.parse(content, upload.name)
            )
        except self.service.ImportFileError as exc:
            return {"error": exc.message}
        if self.job_kind and jobs.needs_job(rows):
            # Too many rows for a request: the dry run too is a job, whose page offers the apply.
            job = jobs.start(
                kind=self.job_kind,
                content=content,
                file_name=upload.name,
                rows_total=len(rows),
                actor=request.user,
                dry_run=True,
            )
            return {"job": job}
        result = self.service.plan(rows, actor=request.user, **self.import_options(request))
        raw = [self.row_values(r) for r in rows]
        token = signing.dumps({"user": request.user.pk, "rows": raw}, salt=self.salt, compress=True)
        return {"result": result, "token": token, "file_name": upload.name}

    def _apply(self, request):
        try:
            data = signing.loads(request.POST.get("token", ""), salt=self.salt, max_age=TOKEN_MAX_AGE)
        except signing.BadSignature:
            return {"error": BAD_TOKEN}
        if data.get("user") != request.user.pk:
            return {"error": BAD_TOKEN}
        rows = [self.row_of(values) for values in data["rows"]]
        allow_errors = request.POST.get("allow_errors") == "on"
        try:
            with notifying(request.POST.get("silent") != "on"):
                result = self.service.apply(
                    rows, actor=request.user, allow_errors=allow_errors, **self.import_options(request)
                )
        except self.service.ImportHasErrors as exc:
            # ``apply`` planned the rows before refusing: show that report again, with the choice.
            return {"error": str(exc), "result": self.empty_plan(rows), "token": request.POST["token"]}
        return {"result": result}

    def _job_url(self, job):
        return reverse("admin:%s_%s_import_job" % (self.opts.app_label, self.opts.model_name), args=[job.pk])

    def _job(self, request, job_id):
        """The job, for whoever may import and asked for it (a superuser sees every job); else 404."""
        self._check_import_permission(request)
        job = ImportJob.objects.filter(pk=job_id, kind=self.job_kind).first()
        if job is None or not permissions.sees_import_job(request.user, job):
            raise Http404
        return job

    def import_job_view(self, request, job_id):
        """A job's progress while it runs (the page reloads itself), then its counts and report."""
        job = self._job(request, job_id)
        report = jobs.report_rows(job)
        info = self.opts.app_label, self.opts.model_name
        return TemplateResponse(
            request,
            "cursus_xblock/admin/import_job.html",
            {
                **self.admin_site.each_context(request),
                "job": job,
                "refresh": not job.finished,
                "status_text": job_status_text(job),
                "status_url": reverse("admin:%s_%s_import_job_status" % info, args=[job.pk]),
                "report_header": report[:1] and report[0],
                "report_rows": report[1 : JOB_PAGE_ROWS + 1],
                "report_more": max(len(report) - 1 - JOB_PAGE_ROWS, 0),
                "apply_url": reverse("admin:%s_%s_import_job_apply" % info, args=[job.pk])
                if job.dry_run and job.status == ImportJobStatus.DONE
                else "",
                "download_url": reverse("admin:%s_%s_import_job_report" % info, args=[job.pk]) if job.report else "",
                "import_url": reverse("admin:%s_%s_import" % info),
                "title": self.import_title,
                "opts": self.model._meta,
                "has_view_permission": self.has_view_permission(request),
            },
        )

    def import_job_status_view(self, request, job_id):
        """The job's progress as JSON, for its page's polling (changes nothing)."""
        job = self._job(request, job_id)
        return JsonResponse(
            {"status": job.status, "text": job_status_text(job), "percent": job.percent, "finished": job.finished}
        )

    def import_job_apply_view(self, request, job_id):
        """Apply the file a dry-run job checked: a new job, from the same stored file."""
        job = self._job(request, job_id)
        if not (job.dry_run and job.status == ImportJobStatus.DONE):
            raise Http404
        with job.file.open("rb") as handle:
            content = handle.read()
        applied = jobs.start(
            kind=job.kind,
            content=content,
            file_name=job.file_name,
            rows_total=job.rows_total,
            actor=request.user,
            allow_errors=request.POST.get("allow_errors") == "on",
            notify=request.POST.get("silent") != "on",
        )
        return HttpResponseRedirect(self._job_url(applied))

    def import_job_report_view(self, request, job_id):
        """A job's report as CSV (changes nothing)."""
        job = self._job(request, job_id)
        if not job.report:
            raise Http404
        return FileResponse(
            job.report.open("rb"), as_attachment=True, filename=f"import-report-{job.pk}.csv", content_type="text/csv"
        )

    def import_report_view(self, request):
        """The report just shown, as CSV (changes nothing)."""
        self._check_import_permission(request)
        try:
            rows = signing.loads(request.POST.get("report", ""), salt=self.salt + ".report", max_age=TOKEN_MAX_AGE)
        except signing.BadSignature as exc:
            raise PermissionDenied from exc
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="import-report.csv"'
        response.write(files.report_csv(self.service.REPORT_HEADER, rows))
        return response


class ImportRegistrationsMixin(ImportMixin):
    """The registrations import, on the registrations admin."""

    job_kind = ImportKind.REGISTRATIONS


class ImportSessionsMixin(ImportMixin):
    """The sessions and séances import, on the sessions admin."""

    service = session_imports
    upload_form = SessionUploadForm
    salt = SALT + ".sessions"
    import_title = _("Import sessions and séances")
    job_kind = ImportKind.SESSIONS

    def _check_import_permission(self, request):
        """Creating sessions as the admin's add form would: a training manager who may add sessions."""
        if not (self.has_manage_registrations_permission(request) and self.has_add_permission(request)):
            raise PermissionDenied

    def row_values(self, row):
        return row.values()

    def row_of(self, values):
        return session_imports.row_of(values)

    def empty_plan(self, rows):
        return session_imports.SessionPlan(rows=rows)
