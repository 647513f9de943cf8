"""Read-side queries for the interfaces: a bounded number of queries, whatever the number of rows."""

from django.db.models import Count, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce

from .models import (
    ACTIVE_STATUSES,
    SEAT_STATUSES,
    DocumentTemplate,
    Event,
    EventRegistration,
    EventRegistrationType,
    Registration,
    RegistrationStatus,
    Role,
)
from .permissions import registrations_managed_by
from .utils.dates import date_range


def registrations_annotated(queryset):
    """Registrations with ``seats_taken`` of their session and ``waiting_ahead`` of them, in the same query."""
    seats = Registration.objects.filter(session=OuterRef("session"), role=Role.LEARNER, status__in=SEAT_STATUSES)
    ahead = Registration.objects.filter(
        session=OuterRef("session"),
        role=OuterRef("role"),
        status=RegistrationStatus.WAITING,
        waiting_order__lt=OuterRef("waiting_order"),
    )
    return queryset.annotate(
        seats_taken=Coalesce(Subquery(seats.values("session").annotate(n=Count("pk")).values("n")[:1]), Value(0)),
        waiting_ahead=Coalesce(Subquery(ahead.values("session").annotate(n=Count("pk")).values("n")[:1]), Value(0)),
    )


def session_list_for_user(user, *, viewer=None):
    """The user's active registrations, per role and course, with their events: five queries.

    With ``viewer``, only those in the sessions the viewer manages (``permissions``).
    """
    found = Registration.objects.filter(user=user, status__in=ACTIVE_STATUSES)
    if viewer is not None:
        found = registrations_managed_by(viewer, found)
    registrations = list(
        registrations_annotated(found.select_related("session__course")).order_by(
            "session__course__title", "session__course__code", "session__start", "pk"
        )
    )
    events_by_session = events_of_sessions({r.session_id for r in registrations})
    mine = event_registrations_of([r.pk for r in registrations], active_only=True)
    sections = {role: [] for role in Role.values}
    for registration in registrations:
        session = registration.session
        for event in events_by_session.get(session.pk, []):
            event.session = session  # already loaded: no query per event for its place
        events = [
            {
                "event": event,
                "dates": date_range(event.start, event.end, session.tzinfo),
                "place": event.effective_place,
                "registration": mine.get((registration.pk, event.pk)),
                "manual": event.registration_type == EventRegistrationType.MANUAL,
            }
            for event in events_by_session.get(session.pk, [])
        ]
        row = {
            "registration": registration,
            "session": session,
            "dates": date_range(session.start, session.end, session.tzinfo),
            "position": registration.waiting_ahead + 1 if registration.status == RegistrationStatus.WAITING else None,
            "events": events,
        }
        groups = sections[registration.role]
        if not groups or groups[-1]["course"].pk != session.course_id:
            groups.append({"course": session.course, "rows": []})
        groups[-1]["rows"].append(row)
    return sections


def events_of_sessions(session_ids):
    """{session id: its events in date order}: one query."""
    grouped = {}
    for event in Event.objects.filter(session_id__in=session_ids).order_by("start", "pk"):
        grouped.setdefault(event.session_id, []).append(event)
    return grouped


def event_registrations_of(registration_ids, *, active_only=False):
    """{(registration id, event id): event registration} for these session registrations: one query."""
    found = EventRegistration.objects.filter(registration_id__in=registration_ids)
    if active_only:
        found = found.exclude(status=RegistrationStatus.CANCELLED)
    return {(er.registration_id, er.event_id): er for er in found}


def templates_by_kind():
    """{kind: [{id, name, language, default}]} for the document dialogs: one query."""
    grouped = {}
    for template in DocumentTemplate.objects.order_by("kind", "-is_default", "language", "name"):
        grouped.setdefault(template.kind, []).append(
            {
                "id": template.pk,
                "name": f"{template.name} ({template.language})",
                "language": template.language,
                "default": template.is_default,
            }
        )
    return grouped
