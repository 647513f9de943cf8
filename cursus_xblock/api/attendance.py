"""A séance's roll call: read its learners' attendance, record many at once.

For the séance's training managers and the confirmed trainers of its session (a trainer takes
attendance without managing registrations). Writes are one call to ``services.attendance``:
all or nothing, each change in the history with the caller and the time.
"""

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from .. import permissions
from ..models import Attendance, Event
from ..selectors import attendance as selectors
from ..services import attendance as service
from . import examples
from .base import MAX_ID, ApiView, get_or_404
from .exceptions import NOT_FOUND, ApiError
from .schema import EVENT_ID, document, errors
from .serializers import ReasonField

#: At most this many learners in one roll call (a séance is a room, not a stadium).
MAX_MARKS = 500

NOT_YOUR_SEANCE = _("Only the trainers of this session and its training managers take its attendance.")
ONE_OF = _("Give either a registration id or a username, not both.")
NEITHER = _("Give a registration id or a username.")
TWICE = _("These learners appear more than once: %(who)s.")
NOT_ON_ROLL = _("Not confirmed learners of this event: %(who)s.")


class LearnerAttendanceSerializer(serializers.Serializer):
    registration = serializers.IntegerField(source="registration_id", help_text="The session registration's id.")
    username = serializers.CharField(source="registration.user.username")
    full_name = serializers.SerializerMethodField()
    state = serializers.ChoiceField(source="attendance", choices=Attendance.choices)
    recorded_by = serializers.CharField(
        source="attendance_by.username", allow_null=True, default=None, help_text="Null: never recorded."
    )
    recorded_at = serializers.DateTimeField(source="attendance_at", allow_null=True)

    class Meta:
        ref_name = "LearnerAttendance"

    def get_full_name(self, row) -> str:
        user = row.registration.user
        return user.get_full_name() or user.get_username()


class EventSummarySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    start = serializers.DateTimeField()
    end = serializers.DateTimeField()
    session = serializers.IntegerField(source="session_id")

    class Meta:
        ref_name = "EventSummary"


class RollSerializer(serializers.Serializer):
    event = EventSummarySerializer()
    started = serializers.BooleanField(help_text="Before the start, only « unknown » may be recorded.")
    learners = LearnerAttendanceSerializer(many=True)

    class Meta:
        ref_name = "EventAttendance"


class RollCallResultSerializer(RollSerializer):
    changed = serializers.IntegerField(help_text="Learners whose state changed (each in the history).")
    unchanged = serializers.IntegerField(help_text="Learners already in the state given.")

    class Meta:
        ref_name = "RollCallResult"


class MarkSerializer(serializers.Serializer):
    registration = serializers.IntegerField(required=False, min_value=1, max_value=MAX_ID)
    username = serializers.CharField(required=False, max_length=150)
    state = serializers.ChoiceField(choices=Attendance.choices)

    class Meta:
        ref_name = "AttendanceMark"

    def validate(self, data):
        given = ("registration" in data) + ("username" in data)
        if given != 1:
            raise serializers.ValidationError(ONE_OF if given else NEITHER)
        return data


class RollCallSerializer(serializers.Serializer):
    marks = MarkSerializer(many=True, allow_empty=False, max_length=MAX_MARKS)
    reason = ReasonField()

    class Meta:
        ref_name = "RollCall"


def _event(request, event_id):
    """The séance, if the caller takes its attendance: 404 for another organization's manager, else 403."""
    event = get_or_404(Event.objects.select_related("session__course"), pk=event_id)
    if permissions.takes_attendance(request.user, event.session):
        return event
    if permissions.is_training_manager(request.user):
        raise NotFound(NOT_FOUND)
    raise PermissionDenied(NOT_YOUR_SEANCE)


def _roll(event, **extra):
    return {"event": event, "started": event.start <= timezone.now(), "learners": selectors.event_roll(event), **extra}


class EventAttendanceApi(ApiView):
    permission_classes = [IsAuthenticated]

    @document(
        operation_id="events_attendance_retrieve",
        tags=["attendance"],
        summary="A séance's roll: its confirmed learners and their attendance",
        parameters=[EVENT_ID],
        responses={200: RollSerializer, **errors(401, 403, 404, examples=examples.ATTENDANCE_ERRORS)},
        examples=examples.ATTENDANCE_ROLL,
    )
    def get(self, request, event_id):
        return Response(RollSerializer(_roll(_event(request, event_id))).data)

    @document(
        operation_id="events_attendance_create",
        tags=["attendance"],
        summary="Take a séance's roll call",
        description=(
            "Records the state of each learner given, by session registration id or username: all or "
            "nothing. Before the séance starts only `unknown` is accepted (to undo a mistake); only the "
            "séance's confirmed learners. Each change is kept in the history with the caller and the time."
        ),
        parameters=[EVENT_ID],
        request=RollCallSerializer,
        responses={
            200: RollCallResultSerializer,
            **errors(400, 401, 403, 404, 409, examples=examples.ATTENDANCE_ERRORS),
        },
        examples=examples.ATTENDANCE_ROLL_CALL,
    )
    def post(self, request, event_id):
        event = _event(request, event_id)
        serializer = RollCallSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        roll = list(selectors.event_roll(event))
        by_registration = {row.registration_id: row.pk for row in roll}
        by_username = {row.registration.user.get_username(): row.pk for row in roll}
        marks, missing, twice = {}, [], []
        for mark in data["marks"]:
            who = mark.get("username") or mark["registration"]
            pk = by_username.get(who) if "username" in mark else by_registration.get(who)
            if pk is None:
                missing.append(str(who))
            elif pk in marks:
                twice.append(str(who))
            else:
                marks[pk] = mark["state"]
        if twice:
            raise serializers.ValidationError({"marks": [TWICE % {"who": ", ".join(twice)}]})
        if missing:
            raise ApiError(NOT_ON_ROLL % {"who": ", ".join(missing)}, code="not_registered")
        outcome = service.attendance_mark_many(
            event=event, marks=marks, actor=request.user, reason=data.get("reason", "")
        )
        result = _roll(event, changed=outcome.changed, unchanged=outcome.unchanged)
        return Response(RollCallResultSerializer(result).data)
