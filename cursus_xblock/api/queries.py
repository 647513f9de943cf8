"""Read-side queries of the API: a fixed number of queries per page, whatever its size."""

from django.db.models import Count, Q

from ..models import (
    ACTIVE_STATUSES,
    Event,
    IssuedDocument,
    Registration,
    RegistrationStatus,
    Role,
    Session,
)
from ..selectors import event_registrations_of, events_of_sessions, registrations_annotated


def sessions():
    """Sessions with ``seats_taken`` and their course, in date order."""
    return Session.objects.with_seats_taken().select_related("course").order_by("start", "pk")


def session_events(session):
    """The session's events with ``seats_taken`` (confirmed learners), in date order."""
    return (
        Event.objects.filter(session=session)
        .annotate(
            seats_taken=Count(
                "registrations",
                filter=Q(
                    registrations__status=RegistrationStatus.CONFIRMED,
                    registrations__registration__role=Role.LEARNER,
                ),
            )
        )
        .order_by("start", "pk")
    )


def registrations(*, user, role=None, status=None):
    """The user's registrations (the active ones unless ``status`` says otherwise), by session date."""
    found = Registration.objects.filter(user=user)
    found = found.filter(status=status) if status else found.filter(status__in=ACTIVE_STATUSES)
    if role:
        found = found.filter(role=role)
    return registrations_annotated(found.select_related("session__course")).order_by("session__start", "pk")


def registration(*, user, pk):
    """One of the user's registrations, annotated like the lists, or None."""
    return registrations_annotated(
        Registration.objects.filter(user=user, pk=pk).select_related("session__course")
    ).first()


def attach_details(page):
    """Give each registration of ``page`` its ``api_events`` and ``api_documents``: three queries."""
    page = list(page)
    if not page:
        return page
    registration_ids = [r.pk for r in page]
    events_by_session = events_of_sessions({r.session_id for r in page})
    mine = event_registrations_of(registration_ids)
    documents = {}
    for document in IssuedDocument.objects.filter(registration_id__in=registration_ids).order_by("-issued_at", "-pk"):
        documents.setdefault(document.registration_id, []).append(document)
    for registration in page:
        session = registration.session
        registration.api_events = []
        for event in events_by_session.get(session.pk, []):
            event.session = session  # already loaded: its place needs no query
            own = mine.get((registration.pk, event.pk))
            registration.api_events.append(
                {
                    "id": event.pk,
                    "name": event.name,
                    "start": event.start,
                    "end": event.end,
                    "place": event.effective_place,
                    "registration_type": event.registration_type,
                    "status": own.status if own else None,
                    "attendance": own.attendance if own else None,
                }
            )
        registration.api_documents = documents.get(registration.pk, [])
    return page
