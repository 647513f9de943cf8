"""Output shapes several operations share (each view still declares its own Input/Output).

They read plain attributes and the annotations the selectors add (``seats_taken``,
``waiting_ahead``, ``api_events``): serializing a page never runs a query per row.
"""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.urls import reverse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from ..models import (
    Attendance,
    DocumentKind,
    EventRegistrationType,
    RegistrationStatus,
    Role,
    SessionStatus,
)
from ..models import seats_left as free_seats
from ..services import documents as documents_service
from ..services import registration as registration_service
from ..services.inputs import REASON_MAX_LENGTH, clean_reason
from .base import MAX_ID
from .exceptions import REFUSAL_CODES

NAMESPACE = "cursus_xblock"


def api_url(request, name, *args):
    """Absolute URL of one of our endpoints, in whatever namespace the host mounted us."""
    namespace = getattr(getattr(request, "resolver_match", None), "namespace", "") or NAMESPACE
    path = reverse(f"{namespace}:{name}", args=args)
    return request.build_absolute_uri(path) if request is not None else path


class ReasonField(serializers.CharField):
    """A reason kept in the history, read by the one rule of every interface (``services.inputs``).

    A CharField for the schema (a string of at most ``REASON_MAX_LENGTH``); the rule, not DRF's
    checks, decides, so a number, a NUL or a long text get the admin's and the XBlock's words.
    """

    def __init__(self, **kwargs):
        kwargs = {
            "required": False,
            "allow_blank": True,
            "max_length": REASON_MAX_LENGTH,
            "help_text": "Kept in the registration's history. Text without control characters other than "
            "newline and tab.",
            **kwargs,
        }
        super().__init__(**kwargs)

    def run_validation(self, data=serializers.empty):
        if data is serializers.empty:
            return super().run_validation(data)  # absent: not required, no default
        value = self.to_internal_value(data)
        self.run_validators(value)
        return value

    def to_internal_value(self, data):
        try:
            return clean_reason(data)
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.messages, code=exc.code) from exc


class IdField(serializers.PrimaryKeyRelatedField):
    """A row given by its id: a whole number an id column holds, then the row itself.

    Pass the words for an unknown id as ``error_messages={"does_not_exist": …}``. The number is
    checked first (as an ``IntegerField``, which is also what the schema shows), so a huge or
    malformed id is refused with DRF's usual message instead of reaching the database; and an
    empty string is not an id (DRF's related fields read it as null, for HTML forms).
    """

    def __init__(self, **kwargs):
        super().__init__(pk_field=serializers.IntegerField(min_value=1, max_value=MAX_ID), **kwargs)

    def run_validation(self, data=serializers.empty):
        if isinstance(data, str) and not data:
            self.pk_field.run_validation(data)
        return super().run_validation(data)

    def to_internal_value(self, data):
        return super().to_internal_value(self.pk_field.run_validation(data))


class ErrorSerializer(serializers.Serializer):
    """Every error: a stable code for programs, a message for people, and the fields at fault."""

    code = serializers.CharField(help_text="Stable, machine-readable: see the API description for the list.")
    message = serializers.CharField(help_text="Translated into the request's language.")
    fields = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        required=False,
        help_text="For invalid input (code `invalid`): messages per field (`sessions`, `sessions.0` …).",
    )

    class Meta:
        ref_name = "Error"


class CourseSummarySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    title = serializers.CharField()

    class Meta:
        ref_name = "CourseSummary"


class RegistrationOptionsSerializer(serializers.Serializer):
    """How one registers in a session, read from the session itself (``source="*"``)."""

    open = serializers.SerializerMethodField(help_text="Registration is possible now (seats aside).")
    refusal = serializers.SerializerMethodField(
        help_text="Why not, when it is not open: session_closed, session_cancelled or session_ended."
    )
    self_registration = serializers.BooleanField(help_text="Learners may register themselves.")
    self_unregistration = serializers.BooleanField(help_text="Learners may unregister themselves.")
    validation_required = serializers.BooleanField(help_text="New learners wait for a manager's validation.")
    waiting_list_enabled = serializers.BooleanField(help_text="When full, learners join a waiting list.")

    class Meta:
        ref_name = "RegistrationOptions"

    def _refusal(self, session):
        now = self.context.setdefault("now", timezone.now())
        return registration_service.session_refusal(session, now)

    @extend_schema_field(OpenApiTypes.BOOL)
    def get_open(self, session):
        return not self._refusal(session)

    @extend_schema_field(
        {"type": "string", "nullable": True, "enum": ["session_closed", "session_cancelled", "session_ended", None]}
    )
    def get_refusal(self, session):
        refusal = self._refusal(session)
        return REFUSAL_CODES[refusal] if refusal else None


class SessionSerializer(serializers.Serializer):
    """A session with its seats; needs ``selectors.sessions.listed()``."""

    id = serializers.IntegerField()
    code = serializers.CharField()
    name = serializers.CharField()
    description = serializers.CharField()
    course = CourseSummarySerializer()
    start = serializers.DateTimeField()
    end = serializers.DateTimeField()
    time_zone = serializers.CharField(help_text="IANA zone in which the session's dates are shown.")
    place = serializers.CharField()
    status = serializers.ChoiceField(choices=SessionStatus.choices)
    workspace_key = serializers.CharField(help_text="In Open edX, the course run learners are enrolled in.")
    capacity = serializers.IntegerField(allow_null=True, help_text="Learner seats; null: unlimited.")
    seats_taken = serializers.IntegerField(help_text="Learners confirmed or pending validation.")
    seats_left = serializers.SerializerMethodField(help_text="Null: unlimited.")
    registration = RegistrationOptionsSerializer(source="*")

    class Meta:
        ref_name = "Session"

    @extend_schema_field({"type": "integer", "nullable": True, "minimum": 0})
    def get_seats_left(self, session):
        return free_seats(session.capacity, session.seats_taken)


class SessionSummarySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    name = serializers.CharField()
    course = CourseSummarySerializer()
    start = serializers.DateTimeField()
    end = serializers.DateTimeField()
    time_zone = serializers.CharField()
    place = serializers.CharField()
    status = serializers.ChoiceField(choices=SessionStatus.choices)
    self_unregistration = serializers.BooleanField()

    class Meta:
        ref_name = "SessionSummary"


class ParticipationSerializer(serializers.Serializer):
    """One event of the session, and this person's place in it (null: not registered to it)."""

    id = serializers.IntegerField()
    name = serializers.CharField()
    start = serializers.DateTimeField()
    end = serializers.DateTimeField()
    place = serializers.CharField()
    registration_type = serializers.ChoiceField(choices=EventRegistrationType.choices)
    status = serializers.ChoiceField(choices=RegistrationStatus.choices, allow_null=True)
    attendance = serializers.ChoiceField(choices=Attendance.choices, allow_null=True)

    class Meta:
        ref_name = "EventParticipation"


class DocumentSummarySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=DocumentKind.choices)
    event = serializers.IntegerField(source="event_id", allow_null=True)
    issued_at = serializers.DateTimeField()
    filename = serializers.CharField()
    download_url = serializers.SerializerMethodField()

    class Meta:
        ref_name = "DocumentSummary"

    @extend_schema_field(OpenApiTypes.URI)
    def get_download_url(self, document):
        return api_url(self.context.get("request"), "api-document-download", document.pk)


class RegistrationSerializer(serializers.Serializer):
    """A registration with its session, events and documents (see ``selectors.registrations.with_details``)."""

    id = serializers.IntegerField()
    role = serializers.ChoiceField(choices=Role.choices)
    status = serializers.ChoiceField(choices=RegistrationStatus.choices)
    position = serializers.SerializerMethodField(help_text="Rank on the waiting list; null when not waiting.")
    registered_at = serializers.DateTimeField()
    session = SessionSummarySerializer()
    events = ParticipationSerializer(many=True, source="api_events")
    documents = DocumentSummarySerializer(many=True, source="api_documents")

    class Meta:
        ref_name = "Registration"

    @extend_schema_field({"type": "integer", "nullable": True, "minimum": 1})
    def get_position(self, registration):
        if registration.status != RegistrationStatus.WAITING:
            return None
        return registration.waiting_ahead + 1


class IssuedDocumentSerializer(DocumentSummarySerializer):
    """The summary's fields, then the record's: who it is for, the file's checksum, how to verify it."""

    registration = serializers.IntegerField(source="registration_id")
    holder = serializers.CharField(source="holder_name")
    media_type = serializers.CharField()
    size = serializers.IntegerField(help_text="Bytes.")
    sha256 = serializers.CharField(help_text="Checksum of the file as issued.")
    emailed_at = serializers.DateTimeField(allow_null=True)
    verification_code = serializers.CharField()
    verification_url = serializers.SerializerMethodField()

    class Meta:
        ref_name = "IssuedDocument"

    @extend_schema_field(OpenApiTypes.URI)
    def get_verification_url(self, document):
        return documents_service.verification_url(document.verification_code)
