"""Imports through the API: a file's dry run (the report of every row), its apply, and background jobs.

The same services and rules as the admin's import pages: a file of at most
``IMPORT_BACKGROUND_ROWS`` rows is planned or applied during the request and its report answered;
a larger one becomes an ``ImportJob`` (202) whose status and report are read at ``imports/<id>/``.
Only training managers import, within the organizations they manage; sessions also need the
permission to add sessions, as in the admin.
"""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from .. import permissions
from ..conf import settings
from ..models import ImportJob, ImportJobStatus, ImportKind
from ..services.history import notifying
from ..services.imports import files, jobs
from ..utils.dates import interpolate
from . import examples
from .base import MAX_ID, ApiView
from .exceptions import NOT_FOUND, ApiError
from .permissions import IsTrainingManager
from .schema import document, errors

NO_SESSION_PERMISSION = _("You need the permission to add sessions.")
TOO_LARGE = _("The file is larger than %(size)s bytes.")


class ImportRequestSerializer(serializers.Serializer):
    file = serializers.FileField(
        help_text="CSV (UTF-8 or Windows-1252, ; or ,) or XLSX; its first row names the columns."
    )
    dry_run = serializers.BooleanField(default=True, help_text="True (the default): plan every row, write nothing.")
    allow_errors = serializers.BooleanField(
        default=False, help_text="Apply the valid rows of a file that has errors (otherwise it is refused: 409)."
    )
    notify = serializers.BooleanField(
        default=True, help_text="False: « do not notify », nobody gets an e-mail about these registrations."
    )

    class Meta:
        ref_name = "ImportRequest"


class ImportRowSerializer(serializers.Serializer):
    line = serializers.IntegerField(help_text="The row's line in the file (the header is line 1).")
    result = serializers.CharField(help_text="What happens (dry run) or happened to the row, as a stable code.")
    ok = serializers.BooleanField(help_text="False: the row has an error and is not applied.")
    cells = serializers.ListField(child=serializers.CharField(allow_blank=True), help_text="The report's columns.")

    class Meta:
        ref_name = "ImportRow"


class ImportCountSerializer(serializers.Serializer):
    label = serializers.CharField()
    count = serializers.IntegerField()

    class Meta:
        ref_name = "ImportCount"


class ImportReportSerializer(serializers.Serializer):
    dry_run = serializers.BooleanField()
    applied = serializers.BooleanField(help_text="True: the valid rows were written.")
    rows_total = serializers.IntegerField()
    errors = serializers.IntegerField(help_text="Rows with an error.")
    counts = ImportCountSerializer(many=True)
    header = serializers.ListField(child=serializers.CharField(), help_text="Names of the report's columns.")
    rows = ImportRowSerializer(many=True)

    class Meta:
        ref_name = "ImportReport"


class ImportJobSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=ImportKind.choices)
    status = serializers.ChoiceField(choices=ImportJobStatus.choices)
    url = serializers.SerializerMethodField(help_text="Where to read the job's status and, once it ends, its report.")
    file_name = serializers.CharField()
    dry_run = serializers.BooleanField()
    allow_errors = serializers.BooleanField()
    rows_total = serializers.IntegerField()
    rows_done = serializers.IntegerField()
    percent = serializers.IntegerField()
    errors = serializers.IntegerField(help_text="Rows with an error (once the job ends).")
    error = serializers.CharField(allow_blank=True, help_text="Why a failed job stopped.")
    counts = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField()
    finished_at = serializers.DateTimeField(allow_null=True)
    header = serializers.SerializerMethodField(help_text="The report's column names; empty until the job ends.")
    report = serializers.SerializerMethodField(
        help_text="The report's rows in the file's order (a failed job: the rows it ran); empty until it ends."
    )

    class Meta:
        ref_name = "ImportJob"

    def get_url(self, job) -> str:
        return reverse("cursus_xblock:api-import-job", args=[job.pk])

    @extend_schema_field(ImportCountSerializer(many=True))
    def get_counts(self, job):
        return [{"label": label, "count": count} for label, count in job.counts]

    def _report(self, job):
        if "report" not in self.context:
            self.context["report"] = jobs.report_rows(job)
        return self.context["report"]

    def get_header(self, job) -> list[str]:
        return (self._report(job) or [[]])[0]

    def get_report(self, job) -> list[list[str]]:
        return self._report(job)[1:]


def _report_of(result, *, dry_run):
    rows = result.rows
    return {
        "dry_run": dry_run,
        "applied": result.applied,
        "rows_total": len(rows),
        "errors": len(result.errors),
        "counts": [{"label": str(label), "count": count} for label, count in result.counts()],
        "rows": [
            {
                "line": row.line,
                "result": row.result,
                "ok": row.ok,
                "cells": ["" if cell is None else str(cell) for cell in row.as_list()],
            }
            for row in rows
        ],
    }


class ImportApi(ApiView):
    """POST a file: its dry run or apply, or a job for a large one."""

    permission_classes = [IsTrainingManager]
    parser_classes = [MultiPartParser, FormParser]
    kind = ImportKind.REGISTRATIONS

    def check_permissions(self, request):
        super().check_permissions(request)
        if self.kind == ImportKind.SESSIONS and not request.user.has_perm("cursus_xblock.add_session"):
            raise PermissionDenied(NO_SESSION_PERMISSION)

    def post(self, request):
        serializer = ImportRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        upload, dry_run, allow_errors = data["file"], data["dry_run"], data["allow_errors"]
        service = jobs.SERVICES[self.kind]
        if upload.size > settings.IMPORT_MAX_BYTES:
            raise ApiError(interpolate(TOO_LARGE, size=settings.IMPORT_MAX_BYTES), code="invalid_file", status_code=400)
        content = upload.read()
        try:
            rows = jobs.parse(self.kind, content, upload.name or "")
        except files.ImportFileError as exc:
            raise ApiError(exc.message, code="invalid_file", status_code=400) from exc
        if jobs.needs_job(rows):
            job = jobs.start(
                kind=self.kind,
                content=content,
                file_name=upload.name or "import.csv",
                rows_total=len(rows),
                actor=request.user,
                dry_run=dry_run,
                allow_errors=allow_errors,
                notify=data["notify"],
            )
            return Response(ImportJobSerializer(job).data, status=status.HTTP_202_ACCEPTED)
        if dry_run:
            result = service.plan(rows, actor=request.user)
        else:
            try:
                with notifying(data["notify"]):
                    result = service.apply(rows, actor=request.user, allow_errors=allow_errors)
            except files.ImportHasErrors as exc:
                raise ApiError(str(exc), code="import_has_errors") from exc
        report = _report_of(result, dry_run=dry_run)
        report["header"] = [str(name) for name in service.REPORT_HEADER]
        return Response(ImportReportSerializer(report).data)


_POST_DESCRIPTION = (
    "Multipart: `file`, `dry_run` (default true), `allow_errors` (default false), `notify` (default true). "
    "A file of at most "
    "`CURSUS_IMPORT_BACKGROUND_ROWS` rows (1,000 by default) is planned or applied now and the report "
    "of every row answered (200); a larger one (up to `CURSUS_IMPORT_JOB_MAX_ROWS`) becomes a background "
    "job (202): read its status and report at its `url`. A dry run writes nothing. An apply plans the "
    "file again and, unless `allow_errors`, refuses a file with errors whole (409)."
)


class RegistrationImportApi(ImportApi):
    kind = ImportKind.REGISTRATIONS

    @document(
        operation_id="imports_registrations_create",
        tags=["imports"],
        summary="Import registrations from a CSV or XLSX file (dry run or apply)",
        description=_POST_DESCRIPTION
        + " Columns: username or e-mail, session code, role (learner or trainer), optionally a reason.",
        request={"multipart/form-data": ImportRequestSerializer},
        responses={
            200: ImportReportSerializer,
            202: ImportJobSerializer,
            **errors(400, 401, 403, 409, examples=examples.IMPORT_ERRORS),
        },
        examples=examples.IMPORT_REGISTRATIONS,
    )
    def post(self, request):
        return super().post(request)


class SessionImportApi(ImportApi):
    kind = ImportKind.SESSIONS

    @document(
        operation_id="imports_sessions_create",
        tags=["imports"],
        summary="Import sessions and séances from a CSV or XLSX file (dry run or apply)",
        description=_POST_DESCRIPTION
        + " Columns: course code, session code, name, start, end, and optionally séance, time zone, place, "
        "capacity, trainers. Needs the permission to add sessions.",
        request={"multipart/form-data": ImportRequestSerializer},
        responses={
            200: ImportReportSerializer,
            202: ImportJobSerializer,
            **errors(400, 401, 403, 409, examples=examples.IMPORT_ERRORS),
        },
        examples=examples.IMPORT_SESSIONS,
    )
    def post(self, request):
        return super().post(request)


class ImportJobApi(ApiView):
    permission_classes = [IsTrainingManager]

    @document(
        operation_id="imports_retrieve",
        tags=["imports"],
        summary="A background import job: its progress, then its report",
        description="Only the job's requester (or a superuser) reads it; others get 404.",
        responses={200: ImportJobSerializer, **errors(401, 403, 404)},
        examples=examples.IMPORT_JOB,
    )
    def get(self, request, job_id):
        job = ImportJob.objects.filter(pk=job_id).first() if 0 < job_id <= MAX_ID else None
        if job is None or not permissions.sees_import_job(request.user, job):
            raise NotFound(NOT_FOUND)
        return Response(ImportJobSerializer(job).data)
