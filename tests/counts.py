"""Seats and waiting-list ranks as the interfaces read them, for tests that check what a service call left.

The registration service no longer offers these reads (it writes): the selectors do, once for
every interface. ``waiting_position`` reads the row again first, as a test holds an older copy.
"""

from cursus_xblock.selectors import registrations, sessions


def seats_taken(session):
    """Learners holding a seat (confirmed or pending validation) in ``session``."""
    return sessions.seats_taken(session)


def waiting_position(registration):
    """1-based rank of ``registration`` on its session's waiting list, or None when not waiting."""
    registration.refresh_from_db()
    return registrations.waiting_position(registration)
