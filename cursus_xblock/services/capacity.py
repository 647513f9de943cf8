"""Whether a session takes people now, and where the next one goes: a seat, the waiting list, nowhere.

Read under the session's lock when registering (``seat_counts``, ``admission``), and without
it for display (``has_room``), which registering then decides again. Seats taken and people
waiting are the session's own columns, which the registrations keep
(``models.registrations.count_seat_changes``): nothing here counts registrations.
"""

from django.db.models import Count, OuterRef, Q, Subquery

from ..conf import settings
from ..models import Registration, RegistrationStatus, Role, Session, SessionStatus, seats_left
from .outcomes import Refusal


def session_refusal(session, now=None):
    """Why nobody can register in this session now, or '' when registration is possible."""
    if session.status == SessionStatus.CANCELLED:
        return Refusal.CANCELLED
    if session.status == SessionStatus.CLOSED:
        return Refusal.CLOSED
    if session.has_ended(now):
        return Refusal.ENDED
    return ""


def has_room(session, role, seats_taken):
    """Whether one more person in ``role`` would be taken: a seat, or the waiting list (trainers need no seat).

    Read without a lock, for display; registering decides again under it (``admission``).
    """
    if role == Role.TRAINER:
        return True
    return seats_left(session.capacity, seats_taken) != 0 or session.waiting_list_enabled


#: Up to this many waiting people asked about, each rank is a count; beyond, the queues are read once.
RANKS_COUNTED = 20


def waiting_positions_of(registrations):
    """{registration id: 1-based rank} of these waiting registrations, whatever their sessions, in one query.

    Both ways read the index on (session, role, status, waiting order) only up to the last
    person asked about, never the whole waiting list: for a few people (one person's call), a
    count of the rows ahead of each; for many (a group already waiting), the queues up to the
    last of them, ranked here.
    """
    registrations = list(registrations)
    if not registrations:
        return {}
    last = {}
    for r in registrations:
        key = (r.session_id, r.role)
        last[key] = max(last.get(key, r.waiting_order), r.waiting_order)
    in_queues = Q()
    for (session_id, role), order in last.items():
        in_queues |= Q(session_id=session_id, role=role, waiting_order__lte=order)
    waiting = Registration.objects.filter(in_queues, status=RegistrationStatus.WAITING)
    if len(registrations) <= RANKS_COUNTED:
        ahead = {
            f"rank_{r.pk}": Count(
                "session_id",
                filter=Q(session_id=r.session_id, role=r.role)
                & (Q(waiting_order__lt=r.waiting_order) | Q(waiting_order=r.waiting_order, pk__lte=r.pk)),
            )
            for r in registrations
        }
        ranks = waiting.aggregate(**ahead)
        return {r.pk: ranks[f"rank_{r.pk}"] for r in registrations}
    rows = waiting.order_by("session_id", "role", "waiting_order", "pk").values_list("session_id", "role", "pk")
    positions, rank, previous = {}, 0, None
    for session_id, role, pk in rows:
        rank = rank + 1 if (session_id, role) == previous else 1
        previous = (session_id, role)
        positions[pk] = rank
    return positions


def seat_counts(session):
    """Seats taken, people waiting and the next waiting-list order of a locked session."""
    return seat_counts_of([session])[session.pk]


def seat_counts_of(sessions, newcomers=None):
    """{session id: seat counts (see ``seat_counts``)} for many locked sessions, in at most one query.

    Seats taken and people waiting come from the session rows as locked. The next waiting-list
    order is the last one plus one, read (one index lookup per session, in one query) only for
    sessions with people waiting that ``newcomers`` more learners could fill; orders are kept on
    waiting rows only (a status change clears them), so the last one is the waiting learners'.
    """
    counts = {s.pk: {"taken": s.seats_taken, "waiting": s.waiting_count, "next_order": 1} for s in sessions}
    queued = [
        s.pk
        for s in sessions
        if s.waiting_count and (newcomers is None or s.capacity is None or s.seats_taken + newcomers > s.capacity)
    ]
    if queued:
        last = (
            Registration.objects.filter(
                session=OuterRef("pk"),
                role=Role.LEARNER,
                status=RegistrationStatus.WAITING,
                waiting_order__isnull=False,
            )
            .order_by("-waiting_order")
            .values("waiting_order")[:1]
        )
        for pk, order in Session.objects.filter(pk__in=queued).annotate(last=Subquery(last)).values_list("pk", "last"):
            counts[pk]["next_order"] = (order or 0) + 1
    return counts


def admission(session, role, counts):
    """(status, waiting order, waiting position) for the next person, updating ``counts``.

    The status is None when the session is full and has no waiting list.
    """
    if role == Role.TRAINER:
        return RegistrationStatus.CONFIRMED, None, None
    if session.capacity is not None and counts["taken"] >= session.capacity:
        if not session.waiting_list_enabled:
            return None, None, None
        order = counts["next_order"]
        counts["next_order"] += 1
        counts["waiting"] += 1
        return RegistrationStatus.WAITING, order, counts["waiting"]
    counts["taken"] += 1
    if session.validation_required:
        return RegistrationStatus.PENDING, None, None
    return RegistrationStatus.CONFIRMED, None, None


def free_seats(session, now):
    """Seats the waiting list may take now: None for any number, 0 when it may not move."""
    if session.status == SessionStatus.CANCELLED or session.has_ended(now):
        return 0
    if session.has_started(now) and not settings.PROMOTE_AFTER_START:
        return 0
    if session.capacity is None:
        return None
    # Read again: this call may have changed the counters since it locked the row.
    taken = Session.objects.filter(pk=session.pk).values_list("seats_taken", flat=True).get()
    return max(session.capacity - taken, 0)
