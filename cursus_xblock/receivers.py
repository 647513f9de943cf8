"""Reactions to committed registration changes."""

import logging

from .models import HistoryAction

log = logging.getLogger(__name__)


def send_calendar_cancellation(sender, *, registration, event_registration, action, **kwargs):
    """Unregistered after receiving an invitation: their calendar gets a METHOD:CANCEL."""
    if action != HistoryAction.CANCELLED or event_registration is not None:
        return
    from .services import documents

    try:
        documents.send_cancellation(registration)
    except Exception:  # the unregistration is committed: a mail failure must not undo or hide it
        log.exception("Could not send the calendar cancellation for registration %s", registration.pk)
