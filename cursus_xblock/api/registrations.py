"""Registrations: any user's for administrators (``users/<username>/``), one's own (``me/``).

Every change is one call to ``services.registration``, which owns capacity, the waiting list,
validation, events and workspace roles. What is ours: who may ask, and the two self-service
rules — a session says whether its learners may register or unregister themselves, and nobody
unregisters themselves from a session that has started.
"""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema_field
from rest_framework import serializers, status
from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from .. import permissions
from ..models import Registration, RegistrationStatus, Role, Session
from ..selectors import registrations
from ..services import registration as registration_service
from ..services.outcomes import (
    NO_SELF_REGISTRATION,
    NO_SELF_UNREGISTRATION,
    SESSION_STARTED,
    RegistrationError,
    Result,
)
from .base import MAX_ID, ApiView, get_or_404, user_or_404
from .exceptions import REFUSAL_CODES, ApiError, refusal_error
from .permissions import IsTrainingManager
from .schema import document, errors, page_example, paginated
from .serializers import ReasonField, RegistrationSerializer
from .throttling import SELF_REGISTRATION_SCOPE, SelfRegistrationThrottle

#: At most this many sessions in one bulk registration (as the admin picker).
MAX_SESSIONS = 100

UNKNOWN_SESSIONS = _("Unknown sessions: %(ids)s.")
UNKNOWN_SESSION = _("There is no session with this id.")
NOT_MANAGED = _("You do not manage these sessions (another organization's): %(ids)s.")
ALREADY_REGISTERED = _("You are already registered in this session.")

REGISTRATION_EXAMPLE = {
    "id": 731,
    "role": "learner",
    "status": "confirmed",
    "position": None,
    "registered_at": "2026-05-02T08:14:03Z",
    "session": {
        "id": 12,
        "code": "SST-2026-06-LYON",
        "name": "SST — Lyon, juin 2026",
        "course": {"id": 3, "code": "SST-01", "title": "Sauveteur secouriste du travail"},
        "start": "2026-06-08T07:00:00Z",
        "end": "2026-06-09T15:30:00Z",
        "time_zone": "Europe/Paris",
        "place": "Lyon, salle Molière",
        "status": "open",
        "self_unregistration": True,
    },
    "events": [
        {
            "id": 40,
            "name": "Jour 1 — les gestes",
            "start": "2026-06-08T07:00:00Z",
            "end": "2026-06-08T15:30:00Z",
            "place": "Lyon, salle Molière",
            "registration_type": "auto",
            "status": "confirmed",
            "attendance": "unknown",
        }
    ],
    "documents": [
        {
            "id": 88,
            "kind": "session_invitation",
            "event": None,
            "issued_at": "2026-05-02T08:15:40Z",
            "filename": "lefevre_eloise_session_invitation.pdf",
            "download_url": "https://lms.example.org/cursus/api/v1/documents/88/download/",
        }
    ],
}
WAITING_EXAMPLE = {**REGISTRATION_EXAMPLE, "status": "waiting", "position": 2, "events": [], "documents": []}


class FilterSerializer(serializers.Serializer):
    role = serializers.ChoiceField(choices=Role.choices, required=False, help_text="Only this role.")
    status = serializers.ChoiceField(
        choices=RegistrationStatus.choices,
        required=False,
        help_text="Only this status; by default the active ones (confirmed, pending, waiting).",
    )

    class Meta:
        ref_name = "RegistrationFilter"


class ReasonSerializer(serializers.Serializer):
    reason = ReasonField()

    class Meta:
        ref_name = "UnregisterReason"


def _read(serializer_class, data):
    serializer = serializer_class(data=data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


def _present(request, user, registration_id, status_code=status.HTTP_200_OK, **extra):
    """A registration as the lists show it (re-read after a change), with ``extra`` keys around it."""
    registration = registrations.registration_of(user=user, pk=registration_id)
    registrations.with_details([registration])
    data = RegistrationSerializer(registration, context={"request": request}).data
    return Response({**extra, "registration": data} if extra else data, status=status_code)


class UnregisterOutputSerializer(serializers.Serializer):
    changed = serializers.BooleanField(help_text="False when it was already cancelled: nothing was done.")
    previous_status = serializers.ChoiceField(choices=RegistrationStatus.choices)
    registration = RegistrationSerializer()

    class Meta:
        ref_name = "Unregistration"


class OutcomeSerializer(serializers.Serializer):
    session = serializers.IntegerField(source="session.pk")
    session_code = serializers.CharField(source="session.code")
    result = serializers.ChoiceField(choices=Result.choices)
    refusal = serializers.SerializerMethodField(help_text="For a refused session: why (session_full …).")
    message = serializers.SerializerMethodField(help_text="One sentence, as the admin says it.")
    position = serializers.IntegerField(allow_null=True, help_text="Rank on the waiting list.")
    registration = serializers.SerializerMethodField(help_text="The registration's id (null when refused).")

    class Meta:
        ref_name = "RegistrationOutcome"

    @extend_schema_field({"type": "string", "nullable": True, "enum": [*REFUSAL_CODES.values(), None]})
    def get_refusal(self, outcome):
        return REFUSAL_CODES.get(outcome.refusal, outcome.refusal) if outcome.refusal else None

    @extend_schema_field(str)
    def get_message(self, outcome):
        return str(outcome.describe())

    @extend_schema_field({"type": "integer", "nullable": True})
    def get_registration(self, outcome):
        return outcome.registration.pk if outcome.registration is not None else None


class PromotedSerializer(serializers.Serializer):
    registration = serializers.IntegerField(source="pk")
    username = serializers.CharField(source="user.get_username")
    status = serializers.ChoiceField(choices=RegistrationStatus.choices)

    class Meta:
        ref_name = "PromotedRegistration"


def _list(view, request, user, *, viewer=None):
    """The user's registrations; with ``viewer``, only those in sessions the viewer manages."""
    filters = _read(FilterSerializer, request.query_params.dict())
    found = registrations.registrations_of(user=user, role=filters.get("role"), status=filters.get("status"))
    if viewer is not None:
        found = permissions.registrations_managed_by(viewer, found)
    return view.paginate(found, RegistrationSerializer, prepare=registrations.with_details)


# --- any user's, for administrators ----------------------------------------------------------------

USERNAME = OpenApiParameter(
    "username",
    str,
    OpenApiParameter.PATH,
    description="The person's username.",
    examples=[OpenApiExample("A learner", value="eloise.lefevre")],
)


class UserRegistrationListApi(ApiView):
    permission_classes = [IsTrainingManager]
    OutputSerializer = RegistrationSerializer

    @document(
        operation_id="users_registrations_list",
        tags=["registrations"],
        summary="List a user's registrations",
        description="As learner and as trainer, with the session's events and the documents issued.",
        parameters=[USERNAME, FilterSerializer],
        responses={200: paginated(RegistrationSerializer, "Registration"), **errors(400, 401, 403, 404)},
        examples=[page_example("One confirmed registration", REGISTRATION_EXAMPLE)],
    )
    def get(self, request, username):
        return _list(self, request, user_or_404(username), viewer=request.user)


class UserRegistrationCreateApi(ApiView):
    permission_classes = [IsTrainingManager]

    class InputSerializer(serializers.Serializer):
        sessions = serializers.ListField(
            child=serializers.IntegerField(min_value=1, max_value=MAX_ID),
            min_length=1,
            max_length=MAX_SESSIONS,
            help_text="Session ids; one outcome per session, in this order (repeats count once).",
        )
        role = serializers.ChoiceField(choices=Role.choices, default=Role.LEARNER)
        reason = ReasonField()

        class Meta:
            ref_name = "BulkRegistration"

        def validate_sessions(self, ids):
            ids = list(dict.fromkeys(ids))
            known = set(Session.objects.filter(pk__in=ids).values_list("pk", flat=True))
            unknown = [pk for pk in ids if pk not in known]
            if unknown:
                raise serializers.ValidationError(UNKNOWN_SESSIONS % {"ids": ", ".join(map(str, unknown))})
            return ids

    class OutputSerializer(serializers.Serializer):
        user = serializers.CharField(help_text="The username.")
        outcomes = OutcomeSerializer(many=True)

        class Meta:
            ref_name = "BulkRegistrationResult"

    @document(
        operation_id="users_registrations_create",
        tags=["registrations"],
        summary="Register a user in several sessions",
        description=(
            "One outcome per session, as the admin's session picker: registered, pending validation, "
            "on the waiting list, already registered, or refused with its reason. A refusal is an "
            "outcome, not an error: the other sessions are registered."
        ),
        parameters=[USERNAME],
        request=InputSerializer,
        responses={200: OutputSerializer, **errors(400, 401, 403, 404)},
        examples=[
            OpenApiExample(
                "Three sessions",
                value={"sessions": [12, 15, 19], "role": "learner", "reason": "Plan de formation 2026"},
                request_only=True,
            ),
            OpenApiExample(
                "Registered, waiting, refused",
                value={
                    "user": "eloise.lefevre",
                    "outcomes": [
                        {
                            "session": 12,
                            "session_code": "SST-2026-06-LYON",
                            "result": "registered",
                            "refusal": None,
                            "message": "Éloïse Lefèvre is registered for SST — Lyon, juin 2026 [SST-2026-06-LYON].",
                            "position": None,
                            "registration": 731,
                        },
                        {
                            "session": 15,
                            "session_code": "SST-2026-09-PARIS",
                            "result": "waiting",
                            "refusal": None,
                            "message": "Éloïse Lefèvre is on the waiting list of SST — Paris [SST-2026-09-PARIS] "
                            "(position 2).",
                            "position": 2,
                            "registration": 732,
                        },
                        {
                            "session": 19,
                            "session_code": "SST-2026-03-NICE",
                            "result": "refused",
                            "refusal": "session_ended",
                            "message": "Éloïse Lefèvre could not be registered in SST — Nice [SST-2026-03-NICE]: "
                            "This session has ended.",
                            "position": None,
                            "registration": None,
                        },
                    ],
                },
                response_only=True,
            ),
        ],
    )
    def post(self, request, username):
        user = user_or_404(username)
        data = _read(self.InputSerializer, request.data)
        managed = permissions.managed_ids(request.user, Session, data["sessions"])
        outside = [pk for pk in data["sessions"] if pk not in managed]
        if outside:
            raise PermissionDenied(NOT_MANAGED % {"ids": ", ".join(map(str, outside))})
        outcomes = registration_service.register(
            user=user, sessions=data["sessions"], role=data["role"], actor=request.user, reason=data.get("reason", "")
        )
        result = {"user": user.get_username(), "outcomes": outcomes}
        return Response(self.OutputSerializer(result).data)


class UserRegistrationDeleteApi(ApiView):
    permission_classes = [IsTrainingManager]

    class OutputSerializer(UnregisterOutputSerializer):
        promoted = PromotedSerializer(many=True, help_text="Who took the freed seat from the waiting list.")

        class Meta:
            ref_name = "UserUnregistration"

    @document(
        operation_id="users_registrations_destroy",
        tags=["registrations"],
        summary="Unregister a user from a session",
        description=(
            "Cancels the registration (its row and history stay), its events and its workspace role; "
            "the freed seat goes to the waiting list. Already cancelled: nothing changes (`changed` false)."
        ),
        parameters=[USERNAME, ReasonSerializer],
        responses={200: OutputSerializer, **errors(400, 401, 403, 404)},
        examples=[
            OpenApiExample(
                "Unregistered; the first on the waiting list took the seat",
                value={
                    "changed": True,
                    "previous_status": "confirmed",
                    "registration": {**REGISTRATION_EXAMPLE, "status": "cancelled", "events": [], "documents": []},
                    "promoted": [{"registration": 745, "username": "hugo.moreau", "status": "confirmed"}],
                },
                response_only=True,
            )
        ],
    )
    def delete(self, request, username, registration_id):
        user = user_or_404(username)
        registration = get_or_404(
            permissions.registrations_managed_by(request.user, Registration.objects.filter(user=user)),
            pk=registration_id,
        )
        reason = _read(ReasonSerializer, request.query_params.dict()).get("reason", "")
        outcome = registration_service.unregister(registration=registration, actor=request.user, reason=reason)
        promoted = PromotedSerializer(outcome.promoted, many=True).data
        return _present(
            request,
            user,
            registration.pk,
            changed=outcome.changed,
            previous_status=outcome.previous_status,
            promoted=promoted,
        )


# --- one's own -----------------------------------------------------------------------------------------


class SelfServiceApi(ApiView):
    """Self-registration and self-unregistration: throttled per person (``throttling.py``)."""

    permission_classes = [IsAuthenticated]
    throttle_scope = SELF_REGISTRATION_SCOPE

    def get_throttles(self):
        return [*super().get_throttles(), SelfRegistrationThrottle()]


class MyRegistrationListApi(ApiView):
    permission_classes = [IsAuthenticated]
    OutputSerializer = RegistrationSerializer

    @document(
        operation_id="me_registrations_list",
        tags=["me"],
        summary="List my registrations",
        description="As learner and as trainer, with the session's events and my documents.",
        parameters=[FilterSerializer],
        responses={200: paginated(RegistrationSerializer, "Registration"), **errors(400, 401, 403, 404)},
        examples=[page_example("One confirmed registration", REGISTRATION_EXAMPLE)],
    )
    def get(self, request):
        return _list(self, request, request.user)


class MyRegistrationCreateApi(SelfServiceApi):
    class InputSerializer(serializers.Serializer):
        session = serializers.IntegerField(min_value=1, max_value=MAX_ID, help_text="The session's id.")

        class Meta:
            ref_name = "SelfRegistration"

        def validate_session(self, pk):
            session = Session.objects.filter(pk=pk).first()
            if session is None:
                raise serializers.ValidationError(UNKNOWN_SESSION)
            return session

    OutputSerializer = RegistrationSerializer

    @document(
        operation_id="me_registrations_create",
        tags=["me"],
        summary="Register myself in a session",
        description=(
            "As a learner, where the session allows self-registration. Capacity, waiting list and "
            "validation apply: the answer's `status` is `confirmed`, `pending` (validation) or `waiting` "
            "(with its `position`)."
        ),
        request=InputSerializer,
        responses={
            201: RegistrationSerializer,
            **errors(
                400,
                401,
                403,
                409,
                429,
                examples={
                    403: [("not_allowed", NO_SELF_REGISTRATION), ("not_authenticated", None)],
                    409: [
                        ("session_full", "The session is full."),
                        ("session_closed", "Registration for this session is closed."),
                        ("already_registered", ALREADY_REGISTERED),
                    ],
                },
            ),
        },
        examples=[
            OpenApiExample("Session 12", value={"session": 12}, request_only=True),
            OpenApiExample("On the waiting list", value=WAITING_EXAMPLE, response_only=True, status_codes=["201"]),
        ],
    )
    def post(self, request):
        session = _read(self.InputSerializer, request.data)["session"]
        try:
            outcome = registration_service.self_register(user=request.user, session=session)
        except RegistrationError as exc:
            raise PermissionDenied(exc.message, code=exc.code) from exc
        if outcome.result == Result.REFUSED:
            raise refusal_error(outcome.refusal, outcome.message)
        if outcome.result == Result.ALREADY_REGISTERED:
            raise ApiError(ALREADY_REGISTERED, code="already_registered")
        return _present(request, request.user, outcome.registration.pk, status.HTTP_201_CREATED)


class MyRegistrationDeleteApi(SelfServiceApi):
    OutputSerializer = UnregisterOutputSerializer

    @document(
        operation_id="me_registrations_destroy",
        tags=["me"],
        summary="Unregister myself from a session",
        description=(
            "A learner registration, where the session allows self-unregistration, before the session "
            "starts. Already cancelled: nothing changes (`changed` false)."
        ),
        parameters=[ReasonSerializer],
        responses={
            200: UnregisterOutputSerializer,
            **errors(
                400,
                401,
                403,
                404,
                409,
                429,
                examples={
                    403: [("not_allowed", NO_SELF_UNREGISTRATION), ("not_authenticated", None)],
                    409: [("session_started", SESSION_STARTED)],
                },
            ),
        },
        examples=[
            OpenApiExample(
                "Unregistered",
                value={
                    "changed": True,
                    "previous_status": "confirmed",
                    "registration": {**REGISTRATION_EXAMPLE, "status": "cancelled", "events": [], "documents": []},
                },
                response_only=True,
            )
        ],
    )
    def delete(self, request, registration_id):
        registration = get_or_404(
            Registration.objects.filter(user=request.user).select_related("session"), pk=registration_id
        )
        reason = _read(ReasonSerializer, request.query_params.dict()).get("reason", "")
        try:
            outcome = registration_service.self_unregister(registration=registration, reason=reason)
        except RegistrationError as exc:
            if exc.code == "session_started":
                raise ApiError(exc.message, code=exc.code) from exc
            raise PermissionDenied(exc.message, code=exc.code) from exc
        return _present(
            request, request.user, registration.pk, changed=outcome.changed, previous_status=outcome.previous_status
        )
