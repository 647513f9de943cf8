"""A person's registrations as the interfaces list them: a bounded number of queries, whatever the number of rows."""

from django.core.paginator import Paginator
from django.db.models import Count, F, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce

from ..models import (
    ACTIVE_STATUSES,
    EventRegistration,
    EventRegistrationType,
    HistoryAction,
    Registration,
    RegistrationHistory,
    RegistrationStatus,
    Role,
)
from ..permissions import registrations_managed_by
from ..utils.dates import compact_date_range, date_range
from .documents import documents_of
from .sessions import events_of_sessions


def registrations_annotated(queryset):
    """Registrations with ``seats_taken`` of their session and ``waiting_ahead`` of them, in the same query."""
    ahead = Registration.objects.filter(
        session=OuterRef("session"),
        role=OuterRef("role"),
        status=RegistrationStatus.WAITING,
        waiting_order__lt=OuterRef("waiting_order"),
    )
    return queryset.annotate(
        seats_taken=F("session__seats_taken"),
        waiting_ahead=Coalesce(Subquery(ahead.values("session").annotate(n=Count("pk")).values("n")[:1]), Value(0)),
    )


def waiting_position(registration):
    """1-based rank on its session's waiting list, or None when not waiting: one query."""
    if registration.status != RegistrationStatus.WAITING:
        return None
    return (
        Registration.objects.filter(
            session_id=registration.session_id,
            role=registration.role,
            status=RegistrationStatus.WAITING,
            waiting_order__lt=registration.waiting_order,
        ).count()
        + 1
    )


#: Sessions shown per section of the per-user page: its time stays flat however many a person has.
PER_PAGE = 20


def session_list_for_user(user, *, viewer=None, pages=None, per_page=PER_PAGE):
    """The user's active registrations, per role: one page of them, by course, with their events.

    ``{role: {"page": Page of registration ids, "courses": [{"course", "rows"}]}}``; ``pages``
    gives the page number wanted per role (anything unreadable is the first page, past the end
    the last). Four queries, whatever the number of registrations: their ids and roles, then the
    shown ones with their seats and waiting ranks, their sessions' events, their event
    registrations. With ``viewer``, only those in the sessions the viewer manages (``permissions``).
    """
    found = Registration.objects.filter(user=user, status__in=ACTIVE_STATUSES)
    if viewer is not None:
        found = registrations_managed_by(viewer, found)
    ordering = ("session__course__title", "session__course__code", "session__start", "pk")
    ids_by_role = {role: [] for role in Role.values}
    for pk, role in found.order_by(*ordering).values_list("pk", "role"):
        ids_by_role[role].append(pk)
    pages = pages or {}
    shown_pages = {role: Paginator(ids, per_page).get_page(pages.get(role)) for role, ids in ids_by_role.items()}
    shown = [pk for page in shown_pages.values() for pk in page.object_list]
    registrations = list(
        registrations_annotated(Registration.objects.filter(pk__in=shown).select_related("session__course")).order_by(
            *ordering
        )
    )
    events_by_session = events_of_sessions({r.session_id for r in registrations})
    # Cancelled ones too: the page offers to join again a séance the person was unregistered from.
    mine = event_registrations_of([r.pk for r in registrations])
    sections = {role: {"page": page, "courses": []} for role, page in shown_pages.items()}
    for registration in registrations:
        session = registration.session
        for event in events_by_session.get(session.pk, []):
            event.session = session  # already loaded: no query per event for its place
        events = [
            {
                "event": event,
                "dates": date_range(event.start, event.end, session.tzinfo),
                "compact_dates": compact_date_range(event.start, event.end, session.tzinfo),
                "place": event.effective_place,
                "registration": _active(mine.get((registration.pk, event.pk))),
                "cancelled": _cancelled(mine.get((registration.pk, event.pk))),
                "manual": event.registration_type == EventRegistrationType.MANUAL,
            }
            for event in events_by_session.get(session.pk, [])
        ]
        row = {
            "registration": registration,
            "session": session,
            "dates": date_range(session.start, session.end, session.tzinfo),
            "compact_dates": compact_date_range(session.start, session.end, session.tzinfo),
            "position": registration.waiting_ahead + 1 if registration.status == RegistrationStatus.WAITING else None,
            "events": events,
        }
        groups = sections[registration.role]["courses"]
        if not groups or groups[-1]["course"].pk != session.course_id:
            groups.append({"course": session.course, "rows": []})
        groups[-1]["rows"].append(row)
    return sections


def cancelled_registrations_of(user, *, viewer=None):
    """The user's cancelled registrations, the latest first, each with ``cancellation`` (its history
    entry: when, by whom, why) and ``dates``: two queries. With ``viewer``, only those it manages."""
    found = Registration.objects.filter(user=user, status=RegistrationStatus.CANCELLED)
    if viewer is not None:
        found = registrations_managed_by(viewer, found)
    registrations = list(found.select_related("session__course").order_by("-updated_at", "-pk"))
    entries = RegistrationHistory.objects.filter(
        registration__in=registrations, action=HistoryAction.CANCELLED, event_registration__isnull=True
    ).select_related("actor")
    latest = {}
    for entry in entries.order_by("created_at", "pk"):
        latest[entry.registration_id] = entry
    for registration in registrations:
        registration.cancellation = latest.get(registration.pk)
        session = registration.session
        registration.dates = date_range(session.start, session.end, session.tzinfo)
    return registrations


def _active(event_registration):
    return (
        event_registration if event_registration and event_registration.status != RegistrationStatus.CANCELLED else None
    )


def _cancelled(event_registration):
    return bool(event_registration) and event_registration.status == RegistrationStatus.CANCELLED


def event_registrations_of(registration_ids, *, active_only=False):
    """{(registration id, event id): event registration} for these session registrations: one query."""
    found = EventRegistration.objects.filter(registration_id__in=registration_ids)
    if active_only:
        found = found.exclude(status=RegistrationStatus.CANCELLED)
    return {(er.registration_id, er.event_id): er for er in found}


def registrations_of(*, user, role=None, status=None):
    """The user's registrations (the active ones unless ``status`` says otherwise), by session date."""
    found = Registration.objects.filter(user=user)
    found = found.filter(status=status) if status else found.filter(status__in=ACTIVE_STATUSES)
    if role:
        found = found.filter(role=role)
    return registrations_annotated(found.select_related("session__course")).order_by("session__start", "pk")


def registration_of(*, user, pk):
    """One of the user's registrations, annotated like the lists, or None."""
    return registrations_annotated(
        Registration.objects.filter(user=user, pk=pk).select_related("session__course")
    ).first()


def with_details(page):
    """Give each registration of ``page`` its ``api_events`` and ``api_documents``: three queries."""
    page = list(page)
    if not page:
        return page
    registration_ids = [r.pk for r in page]
    events_by_session = events_of_sessions({r.session_id for r in page})
    mine = event_registrations_of(registration_ids)
    documents = documents_of(registration_ids)
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


def active_by_session(user, sessions):
    """{session id: {role: the user's active registration, annotated}} in these sessions: one query."""
    mine = {}
    for registration in registrations_annotated(
        Registration.objects.filter(user=user, session__in=sessions, status__in=ACTIVE_STATUSES)
    ):
        mine.setdefault(registration.session_id, {})[registration.role] = registration
    return mine


def learners_of(session_ids):
    """{session id: [{registration, position}]}: active learners, confirmed and pending by name, then the
    waiting list in its order (``position`` its 1-based rank, None when not waiting): one query."""
    found = {}
    waiting = {}  # session id: waiting learners seen so far, in waiting-list order
    for registration in (
        Registration.objects.filter(session__in=list(session_ids), role=Role.LEARNER, status__in=ACTIVE_STATUSES)
        .select_related("user")
        .order_by("session", "waiting_order", "pk")
    ):
        position = None
        if registration.status == RegistrationStatus.WAITING:
            position = waiting[registration.session_id] = waiting.get(registration.session_id, 0) + 1
        found.setdefault(registration.session_id, []).append({"registration": registration, "position": position})
    for learners in found.values():
        learners.sort(key=lambda item: (item["position"] or 0, _sort_name(item["registration"].user)))
    return found


def _sort_name(user):
    return (user.last_name.lower(), user.first_name.lower(), user.get_username())


def registered_in(user, role, session_ids):
    """{session id: 1} for those of the sessions where the user is active in this role: one query."""
    if not session_ids:
        return {}
    found = (
        Registration.objects.filter(user=user, role=role, status__in=ACTIVE_STATUSES, session_id__in=session_ids)
        .order_by()
        .values_list("session_id", flat=True)
    )
    return dict.fromkeys(found, 1)


def waiting_in(user, role, session_ids):
    """The ids of those of the sessions where the user waits in this role: one query."""
    if not session_ids:
        return set()
    found = Registration.objects.filter(
        user=user, role=role, status=RegistrationStatus.WAITING, session_id__in=session_ids
    ).order_by()
    return set(found.values_list("session_id", flat=True))


def members_registered_in(group, role, session_ids):
    """{session id: how many of the group's members are active in it in this role}: one query."""
    if not session_ids:
        return {}
    rows = (
        Registration.objects.filter(
            user__groups=group, role=role, status__in=ACTIVE_STATUSES, session_id__in=session_ids
        )
        .order_by()
        .values("session_id")
        .annotate(n=Count("user_id", distinct=True))
        .values_list("session_id", "n")
    )
    return dict(rows)
