"""The catalogue: courses, sessions (with seats and registration options) and their events."""

from django.db.models import F, Q
from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from ..models import Course, EventRegistrationType
from ..models import seats_left as free_seats
from ..selectors import sessions
from . import examples
from .base import MAX_ID, ApiView, get_or_404
from .schema import SESSION_ID, document, errors, paginated
from .serializers import SessionSerializer

MAX_SEARCH = 200


class CourseListApi(ApiView):
    permission_classes = [IsAuthenticated]

    class FilterSerializer(serializers.Serializer):
        search = serializers.CharField(
            required=False, max_length=MAX_SEARCH, help_text="Words found in the code or the title."
        )

    class OutputSerializer(serializers.Serializer):
        id = serializers.IntegerField()
        code = serializers.CharField()
        title = serializers.CharField()
        description = serializers.CharField()

        class Meta:
            ref_name = "Course"

    @document(
        operation_id="courses_list",
        tags=["catalogue"],
        summary="List training courses",
        parameters=[FilterSerializer],
        responses={200: paginated(OutputSerializer, "Course"), **errors(400, 401, 403, 404)},
        examples=examples.COURSES_LIST,
    )
    def get(self, request):
        filters = self.FilterSerializer(data=request.query_params.dict())
        filters.is_valid(raise_exception=True)
        courses = Course.objects.order_by("code", "pk")
        for word in sessions.search_words(filters.validated_data.get("search", "")):
            courses = courses.filter(Q(code__icontains=word) | Q(title__icontains=word))
        return self.paginate(courses, self.OutputSerializer)


class SessionListApi(ApiView):
    permission_classes = [IsAuthenticated]

    class FilterSerializer(serializers.Serializer):
        course = serializers.IntegerField(required=False, min_value=1, max_value=MAX_ID, help_text="A course id.")
        upcoming = serializers.BooleanField(
            required=False, help_text="true: sessions not started yet; false: those that have started."
        )
        seats_available = serializers.BooleanField(
            required=False, help_text="true: sessions with a free learner seat (or unlimited); false: full ones."
        )
        search = serializers.CharField(
            required=False,
            max_length=MAX_SEARCH,
            help_text="Words found in the session's code, name or place, or its course's code or title.",
        )

    OutputSerializer = SessionSerializer

    @document(
        operation_id="sessions_list",
        tags=["catalogue"],
        summary="List sessions",
        description="In date order, each with its seats and how to register. Filters combine.",
        parameters=[FilterSerializer],
        responses={200: paginated(SessionSerializer, "Session"), **errors(400, 401, 403, 404)},
        examples=examples.SESSIONS_LIST,
    )
    def get(self, request):
        filters = self.FilterSerializer(data=request.query_params.dict())
        filters.is_valid(raise_exception=True)
        data = filters.validated_data
        found = sessions.catalogue()
        if "course" in data:
            found = found.filter(course_id=data["course"])
        if "upcoming" in data:
            now = timezone.now()
            found = found.filter(start__gt=now) if data["upcoming"] else found.filter(start__lte=now)
        if "seats_available" in data:
            free = Q(capacity__isnull=True) | Q(seats_taken__lt=F("capacity"))
            found = found.filter(free) if data["seats_available"] else found.exclude(free)
        found = sessions.search(found, data.get("search", ""))
        return self.paginate(sessions.IdsFirst(found), self.OutputSerializer)


class SessionDetailApi(ApiView):
    permission_classes = [IsAuthenticated]
    OutputSerializer = SessionSerializer

    @document(
        operation_id="sessions_retrieve",
        tags=["catalogue"],
        summary="One session",
        parameters=[SESSION_ID],
        responses={200: SessionSerializer, **errors(401, 403, 404)},
        examples=examples.SESSION_RETRIEVE,
    )
    def get(self, request, session_id):
        session = get_or_404(sessions.catalogue(), pk=session_id)
        return Response(self.OutputSerializer(session, context={"request": request}).data)


class SessionEventListApi(ApiView):
    permission_classes = [IsAuthenticated]

    class OutputSerializer(serializers.Serializer):
        id = serializers.IntegerField()
        name = serializers.CharField()
        description = serializers.CharField()
        start = serializers.DateTimeField()
        end = serializers.DateTimeField()
        place = serializers.CharField(source="effective_place", help_text="The event's, else the session's.")
        registration_type = serializers.ChoiceField(
            choices=EventRegistrationType.choices,
            help_text="auto: every participant of the session is registered; manual: one by one.",
        )
        capacity = serializers.IntegerField(allow_null=True, help_text="Manual events only; null: unlimited.")
        seats_left = serializers.SerializerMethodField(help_text="Null: unlimited.")

        class Meta:
            ref_name = "Event"

        @extend_schema_field({"type": "integer", "nullable": True, "minimum": 0})
        def get_seats_left(self, event):
            return free_seats(event.capacity, event.seats_taken)

    @document(
        operation_id="sessions_events_list",
        tags=["catalogue"],
        summary="List the events (séances) of a session",
        parameters=[SESSION_ID],
        responses={200: paginated(OutputSerializer, "Event"), **errors(400, 401, 403, 404)},
        examples=examples.SESSION_EVENTS_LIST,
    )
    def get(self, request, session_id):
        session = get_or_404(sessions.catalogue(), pk=session_id)

        def attach_session(page):
            for event in page:
                event.session = session  # its place falls back on the session's: no query per event

        return self.paginate(sessions.session_events(session), self.OutputSerializer, prepare=attach_session)
