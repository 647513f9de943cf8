"""What was sent to a person, as the admin shows it."""

from .. import permissions
from ..models import Notification

#: The per-user page shows the latest messages; the log has them all.
RECENT = 10


def recent_for(user, *, viewer, limit=RECENT):
    """The latest notifications of ``user`` about sessions ``viewer`` manages, newest first."""
    rows = Notification.objects.filter(user=user).select_related("session")
    return list(permissions.managed(rows, viewer)[:limit])
