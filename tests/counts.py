"""Seats and waiting-list ranks read from the rows, for tests that check what a service call left.

The registration service no longer offers these reads (it writes); the session's own
``with_seats_taken`` annotation counts seats as every interface shows them.
"""

from cursus_xblock.models import Registration, RegistrationStatus, Session


def seats_taken(session):
    """Learners holding a seat (confirmed or pending validation) in ``session``."""
    return Session.objects.with_seats_taken().get(pk=session.pk).seats_taken


def waiting_position(registration):
    """1-based rank of ``registration`` on its session's waiting list, or None when not waiting."""
    registration.refresh_from_db()
    if registration.status != RegistrationStatus.WAITING:
        return None
    ahead = Registration.objects.filter(
        session_id=registration.session_id,
        role=registration.role,
        status=RegistrationStatus.WAITING,
        waiting_order__lt=registration.waiting_order,
    )
    return ahead.count() + 1
