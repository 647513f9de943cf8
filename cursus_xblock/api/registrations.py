"""Registrations: any user's for administrators (``users/<username>/``), one's own (``me/``).

Every change is one call to ``services.registration``, which owns capacity, the waiting list,
validation, events and workspace roles. What is ours: who may ask, and the two self-service
rules — a session says whether its learners may register or unregister themselves, and nobody
unregisters themselves from a session that has started.
"""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers, status
from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from .. import permissions
from ..models import Registration, RegistrationStatus, Role, Session
from ..selectors import registrations
from ..services import registration as registration_service
from ..services.outcomes import RegistrationError, Result
from . import examples
from .base import MAX_ID, ApiView, get_or_404, user_or_404
from .exceptions import ALREADY_REGISTERED, REFUSAL_CODES, ApiError, refusal_error
from .permissions import IsTrainingManager
from .schema import USERNAME, document, errors, paginated
from .serializers import IdField, ReasonField, RegistrationSerializer
from .throttling import SELF_REGISTRATION_SCOPE, SelfRegistrationThrottle

#: At most this many sessions in one bulk registration (as the admin picker).
MAX_SESSIONS = 100

UNKNOWN_SESSIONS = _("Unknown sessions: %(ids)s.")
UNKNOWN_SESSION = _("There is no session with this id.")
NOT_MANAGED = _("You do not manage these sessions (another organization's): %(ids)s.")


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


class BulkRegistrationSerializer(serializers.Serializer):
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
        # Not PrimaryKeyRelatedField(many=True): one query for up to MAX_SESSIONS ids, and every
        # unknown id named in one message, as the admin's picker does.
        ids = list(dict.fromkeys(ids))
        known = set(Session.objects.filter(pk__in=ids).values_list("pk", flat=True))
        unknown = [pk for pk in ids if pk not in known]
        if unknown:
            raise serializers.ValidationError(UNKNOWN_SESSIONS % {"ids": ", ".join(map(str, unknown))})
        return ids


class BulkRegistrationResultSerializer(serializers.Serializer):
    user = serializers.CharField(help_text="The username.")
    outcomes = OutcomeSerializer(many=True)

    class Meta:
        ref_name = "BulkRegistrationResult"


class UserUnregistrationSerializer(UnregisterOutputSerializer):
    promoted = PromotedSerializer(many=True, help_text="Who took the freed seat from the waiting list.")

    class Meta:
        ref_name = "UserUnregistration"


class SelfRegistrationSerializer(serializers.Serializer):
    session = IdField(
        queryset=Session.objects.all(),
        error_messages={"does_not_exist": UNKNOWN_SESSION},
        help_text="The session's id.",
    )

    class Meta:
        ref_name = "SelfRegistration"


# --- any user's, for administrators ----------------------------------------------------------------


class UserRegistrationListApi(ApiView):
    permission_classes = [IsTrainingManager]

    @document(
        operation_id="users_registrations_list",
        tags=["registrations"],
        summary="List a user's registrations",
        description="As learner and as trainer, with the session's events and the documents issued.",
        parameters=[USERNAME, FilterSerializer],
        responses={200: paginated(RegistrationSerializer, "Registration"), **errors(400, 401, 403, 404)},
        examples=examples.REGISTRATIONS_LIST,
    )
    def get(self, request, username):
        return _list(self, request, user_or_404(username), viewer=request.user)

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
        request=BulkRegistrationSerializer,
        responses={200: BulkRegistrationResultSerializer, **errors(400, 401, 403, 404)},
        examples=examples.BULK_REGISTRATION,
    )
    def post(self, request, username):
        user = user_or_404(username)
        data = _read(BulkRegistrationSerializer, request.data)
        managed = permissions.managed_ids(request.user, Session, data["sessions"])
        outside = [pk for pk in data["sessions"] if pk not in managed]
        if outside:
            raise PermissionDenied(NOT_MANAGED % {"ids": ", ".join(map(str, outside))})
        outcomes = registration_service.register(
            user=user, sessions=data["sessions"], role=data["role"], actor=request.user, reason=data.get("reason", "")
        )
        result = {"user": user.get_username(), "outcomes": outcomes}
        return Response(BulkRegistrationResultSerializer(result).data)


class UserRegistrationDeleteApi(ApiView):
    permission_classes = [IsTrainingManager]

    @document(
        operation_id="users_registrations_destroy",
        tags=["registrations"],
        summary="Unregister a user from a session",
        description=(
            "Cancels the registration (its row and history stay), its events and its workspace role; "
            "the freed seat goes to the waiting list. Already cancelled: nothing changes (`changed` false)."
        ),
        parameters=[USERNAME, ReasonSerializer],
        responses={200: UserUnregistrationSerializer, **errors(400, 401, 403, 404)},
        examples=examples.USER_UNREGISTRATION,
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


class SelfServiceThrottled:
    """Self-registration and self-unregistration are throttled per person (``throttling.py``).

    ``self_service_methods`` says which methods of the view count (``None``: all of them), so
    reading one's own list is not.
    """

    self_service_methods = None

    def _self_service(self):
        return self.self_service_methods is None or self.request.method in self.self_service_methods

    @property
    def throttle_scope(self):
        # For the host's ScopedRateThrottle, if it has one: the same scope as our own throttle.
        return SELF_REGISTRATION_SCOPE if self._self_service() else None

    def get_throttles(self):
        throttles = super().get_throttles()
        return [*throttles, SelfRegistrationThrottle()] if self._self_service() else throttles


class MyRegistrationListApi(SelfServiceThrottled, ApiView):
    permission_classes = [IsAuthenticated]
    self_service_methods = {"POST"}

    @document(
        operation_id="me_registrations_list",
        tags=["me"],
        summary="List my registrations",
        description="As learner and as trainer, with the session's events and my documents.",
        parameters=[FilterSerializer],
        responses={200: paginated(RegistrationSerializer, "Registration"), **errors(400, 401, 403, 404)},
        examples=examples.REGISTRATIONS_LIST,
    )
    def get(self, request):
        return _list(self, request, request.user)

    @document(
        operation_id="me_registrations_create",
        tags=["me"],
        summary="Register myself in a session",
        description=(
            "As a learner, where the session allows self-registration. Capacity, waiting list and "
            "validation apply: the answer's `status` is `confirmed`, `pending` (validation) or `waiting` "
            "(with its `position`)."
        ),
        request=SelfRegistrationSerializer,
        responses={
            201: RegistrationSerializer,
            **errors(400, 401, 403, 409, 429, examples=examples.SELF_REGISTRATION_ERRORS),
        },
        examples=examples.SELF_REGISTRATION,
    )
    def post(self, request):
        session = _read(SelfRegistrationSerializer, request.data)["session"]
        try:
            outcome = registration_service.self_register(user=request.user, session=session)
        except RegistrationError as exc:
            raise PermissionDenied(exc.message, code=exc.code) from exc
        if outcome.result == Result.REFUSED:
            raise refusal_error(outcome.refusal, outcome.message)
        if outcome.result == Result.ALREADY_REGISTERED:
            raise ApiError(ALREADY_REGISTERED, code="already_registered")
        return _present(request, request.user, outcome.registration.pk, status.HTTP_201_CREATED)


class MyRegistrationDeleteApi(SelfServiceThrottled, ApiView):
    permission_classes = [IsAuthenticated]

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
            **errors(400, 401, 403, 404, 409, 429, examples=examples.SELF_UNREGISTRATION_ERRORS),
        },
        examples=examples.SELF_UNREGISTRATION,
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
