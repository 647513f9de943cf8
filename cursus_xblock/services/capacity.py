"""Whether a session takes people now, and where the next one goes: a seat, the waiting list, nowhere.

Counted under the session's lock when registering (``seat_counts``, ``admission``), and without
it for display (``has_room``), which registering then decides again.
"""

from django.db.models import Count, Max, Q

from ..conf import settings
from ..models import SEAT_STATUSES, Registration, RegistrationStatus, Role, SessionStatus, seats_left
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


def waiting_positions(session, role):
    """{registration id: 1-based rank} for the whole waiting list of the session, in one query."""
    waiting = Registration.objects.filter(session=session, role=role, status=RegistrationStatus.WAITING)
    ordered = waiting.order_by("waiting_order", "pk").values_list("pk", flat=True)
    return {pk: rank for rank, pk in enumerate(ordered, start=1)}


def seat_counts(session):
    """Seats taken, people waiting and the last waiting-list order, in one query."""
    counts = Registration.objects.filter(session=session).aggregate(
        taken=Count("pk", filter=Q(role=Role.LEARNER, status__in=SEAT_STATUSES)),
        waiting=Count("pk", filter=Q(role=Role.LEARNER, status=RegistrationStatus.WAITING)),
        last_order=Max("waiting_order"),
    )
    counts["next_order"] = (counts.pop("last_order") or 0) + 1
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
    return max(session.capacity - seat_counts(session)["taken"], 0)
