"""After an unregistration is committed, the person's calendar gets a METHOD:CANCEL.

Connected to ``signals.registration_changed`` by ``CursusConfig.ready``. The platform's own signals
are received in ``openedx/receivers.py``.
"""

import logging

from ..models import HistoryAction
from .inputs import RETIRED_REASON

log = logging.getLogger(__name__)


def send_calendar_cancellation(sender, *, registration, event_registration, action, reason="", notify=True, **kwargs):
    """Unregistered after receiving an invitation: their calendar gets a METHOD:CANCEL (unless told not to notify)."""
    if action != HistoryAction.CANCELLED or event_registration is not None or not notify:
        return
    if reason == RETIRED_REASON:  # an account being retired is not written to any more
        return
    from . import documents

    try:
        documents.send_cancellation(registration)
    except Exception:  # the unregistration is committed: a mail failure must not undo or hide it
        log.exception("Could not send the calendar cancellation for registration %s", registration.pk)
