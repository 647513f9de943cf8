"""Exports: registrations, rosters, issued documents or one session's attendance grid, as CSV or XLSX.

The same files as the admin's list actions and ``cursus_export`` (``selectors.exports``), narrowed
to what the caller manages; CSV is streamed, XLSX sent from a temporary file, so 100,000 rows cost
bounded memory here too.
"""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse
from rest_framework import serializers
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.renderers import BaseRenderer, JSONRenderer

from ..models import RegistrationStatus
from ..selectors import exports
from ..utils.spreadsheets import CONTENT_TYPES, export_response
from .base import ApiView
from .exceptions import NOT_FOUND
from .permissions import IsTrainingManager
from .schema import document, errors

BAD_PERIOD = _("The period ends before it starts.")
BAD_FORMAT = _("The format is csv or xlsx.")


class _SpreadsheetRenderer(BaseRenderer):
    """Lets clients ask for the file by its type; the view answers it itself."""

    media_type = "text/csv"
    format = "csv"
    charset = None
    render_style = "binary"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return data


class ExportApi(ApiView):
    permission_classes = [IsTrainingManager]
    renderer_classes = [JSONRenderer, _SpreadsheetRenderer]

    class QuerySerializer(serializers.Serializer):
        course = serializers.CharField(required=False, allow_blank=True, max_length=255, default="")
        session = serializers.CharField(required=False, allow_blank=True, max_length=255, default="")
        status = serializers.ChoiceField(
            choices=RegistrationStatus.choices, required=False, allow_blank=True, default=""
        )
        start_from = serializers.DateField(required=False, allow_null=True, default=None)
        start_until = serializers.DateField(required=False, allow_null=True, default=None)

        def validate(self, attrs):
            if attrs["start_from"] and attrs["start_until"] and attrs["start_until"] < attrs["start_from"]:
                raise ValidationError({"start_until": [BAD_PERIOD]})
            return attrs

    def handle_exception(self, exc):
        response = super().handle_exception(exc)
        # Errors are JSON even for a client that asked for the file only.
        self.request.accepted_renderer, self.request.accepted_media_type = JSONRenderer(), "application/json"
        return response

    @document(
        operation_id="exports_read",
        tags=["exports"],
        summary="Export registrations, rosters, issued documents or an attendance grid",
        description=(
            "`registrations` (person, session, role, status, dates, who registered), `roster` (each session's "
            "people, the waiting list in order), `documents` (kind, code, issue date, verification URL) or "
            "`attendance` (one session's grid: name it with `session`), as CSV (streamed, `;`, UTF-8 with a "
            "BOM) or XLSX, for what the caller manages. Filters: course and session codes, the days the "
            "sessions start within, a registration status."
        ),
        parameters=[
            OpenApiParameter("what", str, OpenApiParameter.PATH, enum=list(exports.EXPORTS)),
            OpenApiParameter("as", str, enum=["csv", "xlsx"], description="The file's format (default csv)."),
            OpenApiParameter("course", str, description="Course code."),
            OpenApiParameter("session", str, description="Session code (required for `attendance`)."),
            OpenApiParameter("status", str, enum=list(RegistrationStatus.values), description="Registrations only."),
            OpenApiParameter("start_from", OpenApiTypes.DATE, description="Sessions starting on or after this day."),
            OpenApiParameter("start_until", OpenApiTypes.DATE, description="Sessions starting on or before this day."),
        ],
        responses={
            (200, CONTENT_TYPES["csv"]): OpenApiResponse(OpenApiTypes.BINARY, description="The CSV, as an attachment."),
            (200, CONTENT_TYPES["xlsx"]): OpenApiResponse(OpenApiTypes.BINARY, description="The XLSX workbook."),
            **{(code, "application/json"): response for code, response in errors(400, 401, 403, 404).items()},
        },
    )
    def get(self, request, what):
        if what not in exports.EXPORTS:
            raise NotFound(NOT_FOUND)
        # "format" is DRF's own query parameter (the renderer): the file's is "as".
        fmt = request.query_params.get("as", "csv")
        if fmt not in CONTENT_TYPES:
            raise ValidationError({"as": [BAD_FORMAT]})
        query = self.QuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        filters = dict(query.validated_data)
        try:
            header, rows = exports.export_rows(what, actor=request.user, **filters)
        except exports.ExportRefused as exc:
            raise ValidationError({"session": [exc.message]}) from exc
        return export_response(header, rows, fmt, what)
