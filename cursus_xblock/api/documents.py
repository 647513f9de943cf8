"""Documents: issue an invitation or certificate, download an issued one, verify a code.

Issuing is ``services.documents.issue`` (the generator's checks, the template, the record);
downloading serves the stored file exactly as issued; verifying shows what the public
verification page shows, and nothing more.
"""

import io

from django.http import FileResponse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound
from rest_framework.permissions import AllowAny
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.response import Response

from .. import permissions
from ..models import DocumentKind, DocumentTemplate, Event, IssuedDocument, Registration
from ..services import documents as documents_service
from . import examples
from .base import ApiView, get_or_404, user_or_404
from .exceptions import NOT_FOUND
from .permissions import IsSelfOrTrainingManager, IsTrainingManager
from .schema import USERNAME, document, errors
from .serializers import IdField, IssuedDocumentSerializer

UNKNOWN_EVENT = _("There is no event with this id.")
UNKNOWN_TEMPLATE = _("There is no template with this id.")
FILE_MISSING = _("The file of this document is no longer stored.")
#: Verification codes are 16 characters; anything much longer is not one.
MAX_CODE = 32


class DocumentIssueApi(ApiView):
    permission_classes = [IsTrainingManager]

    class InputSerializer(serializers.Serializer):
        kind = serializers.ChoiceField(choices=DocumentKind.choices)
        event = IdField(
            queryset=Event.objects.all(),
            required=False,
            allow_null=True,
            error_messages={"does_not_exist": UNKNOWN_EVENT},
            help_text="For event documents.",
        )
        template = IdField(
            queryset=DocumentTemplate.objects.all(),
            required=False,
            allow_null=True,
            error_messages={"does_not_exist": UNKNOWN_TEMPLATE},
            help_text="A template id; by default the default template of the kind in the person's language.",
        )
        language = serializers.CharField(
            required=False, allow_blank=True, max_length=16, help_text="For the default template: fr, en …"
        )
        send_email = serializers.BooleanField(default=False, help_text="Also e-mail it to the person.")

        class Meta:
            ref_name = "DocumentIssue"

    OutputSerializer = IssuedDocumentSerializer

    @document(
        operation_id="users_registrations_documents_create",
        tags=["documents"],
        summary="Issue an invitation or a certificate of attendance",
        description=(
            "For this registration only, from the templates the administrators edit. Each call issues "
            "and records a new document (earlier ones stay as they were issued)."
        ),
        parameters=[USERNAME],
        request=InputSerializer,
        responses={
            201: IssuedDocumentSerializer,
            **errors(400, 401, 403, 404, 409, examples=examples.DOCUMENT_ISSUE_ERRORS),
        },
        examples=examples.DOCUMENT_ISSUE,
    )
    def post(self, request, username, registration_id):
        user = user_or_404(username)
        registration = get_or_404(
            permissions.registrations_managed_by(request.user, Registration.objects.filter(user=user)),
            pk=registration_id,
        )
        given = self.InputSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        data = given.validated_data
        issued = documents_service.issue(
            kind=data["kind"],
            registration=registration,
            actor=request.user,
            event=data.get("event"),
            template=data.get("template"),
            language=data.get("language") or None,
            send_email=data["send_email"],
        )
        output = self.OutputSerializer(issued, context={"request": request})
        return Response(output.data, status=status.HTTP_201_CREATED)


class _FileRenderer(BaseRenderer):
    """Lets clients ask for the file (``Accept: application/pdf``); the view answers it itself."""

    media_type = "application/pdf"
    format = "pdf"
    charset = None
    render_style = "binary"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return data


class DocumentDownloadApi(ApiView):
    permission_classes = [IsSelfOrTrainingManager]
    renderer_classes = [JSONRenderer, _FileRenderer]

    def owner_id(self, document):
        """The holder; none for a group's document (a sign-in sheet): only its managers reach it here."""
        return document.registration.user_id if document.registration_id else None

    def handle_exception(self, exc):
        response = super().handle_exception(exc)
        # Errors are JSON even for a client that asked for the PDF only.
        self.request.accepted_renderer, self.request.accepted_media_type = JSONRenderer(), "application/json"
        return response

    @document(
        operation_id="documents_download",
        tags=["documents"],
        summary="Download an issued document",
        description=(
            "The file exactly as issued (see its `sha256`): for its holder and for the training managers "
            "of its session's organization."
        ),
        responses={
            (200, "application/pdf"): OpenApiResponse(OpenApiTypes.BINARY, description="The file, as an attachment."),
            **{
                (code, "application/json"): response
                for code, response in errors(401, 403, 404, examples=examples.DOCUMENT_DOWNLOAD_ERRORS).items()
            },
        },
    )
    def get(self, request, document_id):
        document = get_or_404(IssuedDocument.objects.select_related("registration", "session__course"), pk=document_id)
        self.check_object_permissions(request, document)
        try:
            content = documents_service.read_content(document)
        except FileNotFoundError:
            raise NotFound(FILE_MISSING, code="file_missing") from None
        return FileResponse(
            io.BytesIO(content), as_attachment=True, filename=document.filename, content_type=document.media_type
        )


class DocumentVerifyApi(ApiView):
    permission_classes = [AllowAny]

    class OutputSerializer(serializers.Serializer):
        code = serializers.CharField(source="verification_code")
        holder = serializers.CharField(source="holder_name")
        kind = serializers.ChoiceField(choices=DocumentKind.choices)
        kind_label = serializers.CharField(source="get_kind_display")
        details = serializers.DictField(
            child=serializers.CharField(),
            help_text="What it certified, as issued: course, session, start, end, time_zone (and event).",
        )
        dates = serializers.SerializerMethodField(help_text="The certified dates, in the request's language.")
        issued_at = serializers.DateTimeField()

        class Meta:
            ref_name = "Verification"

        def get_dates(self, document) -> str:
            return str(documents_service.snapshot_dates(document.details))

    @document(
        operation_id="documents_verify",
        tags=["documents"],
        summary="Verify a document's code",
        description="Public, like the verification page printed on documents: what the document certified.",
        auth=[],
        parameters=[
            OpenApiParameter(
                "code",
                str,
                OpenApiParameter.PATH,
                pattern=r"^[A-Za-z0-9]{1,32}$",
                description="The code printed on the document (16 letters and digits; case does not matter).",
            )
        ],
        responses={200: OutputSerializer, **errors(404)},
        examples=examples.VERIFICATION,
    )
    def get(self, request, code):
        if len(code) > MAX_CODE or "\x00" in code:
            raise NotFound(NOT_FOUND)
        document = documents_service.verify(code)
        if document is None:
            raise NotFound(NOT_FOUND)
        return Response(self.OutputSerializer(document).data)
