"""Writing the registration history with the messages it calls for, and announcing each change once committed."""

import contextlib
import contextvars
import functools

from django.db import transaction

from ..models import Registration, RegistrationHistory
from ..signals import registration_changed, session_cancelled
from . import notification_groups, notifications

#: Whether the changes being recorded should tell the people concerned (an admin's "do not notify").
_notify = contextvars.ContextVar("cursus_notify", default=True)


@contextlib.contextmanager
def notifying(notify=True):
    """Changes recorded inside say whether to notify; the signal carries it, sent after the commit."""
    token = _notify.set(bool(notify) and _notify.get())
    try:
        yield
    finally:
        _notify.reset(token)


def notify_keyword(function):
    """Give a service function a ``notify=True`` keyword, carried to ``registration_changed``."""

    @functools.wraps(function)
    def wrapper(*args, notify=True, **kwargs):
        with notifying(notify):
            return function(*args, **kwargs)

    return wrapper


def entry(
    *, registration, action, old_value, new_value, actor, reason="", event_registration=None, when=None, position=None
):
    """An unsaved history row; ``record`` saves many in one query.

    ``position``: the waiting-list place the caller computed, which the learner's message gives.
    """
    fields = {
        "registration": registration,
        "event_registration": event_registration,
        "action": action,
        "old_value": old_value or "",
        "new_value": new_value,
        "actor": actor,
        "reason": reason or "",
    }
    if when is not None:
        fields["created_at"] = when
    item = RegistrationHistory(**fields)
    item.notify = _notify.get()
    item.position = position
    return item


def record(entries):
    entries = list(entries)
    if not entries:
        return
    RegistrationHistory.objects.bulk_create(entries)
    notification_groups.collect(notifications.queue_recorded(entries))
    for item in entries:
        transaction.on_commit(functools.partial(_announce, item))


def _announce(item):
    registration_changed.send(
        sender=Registration,
        registration=item.registration,
        event_registration=item.event_registration,
        action=item.action,
        old_value=item.old_value,
        new_value=item.new_value,
        actor=item.actor,
        reason=item.reason,
        created_at=item.created_at,
        notify=getattr(item, "notify", True),
    )


def announce_session_cancelled(session, actor):
    """Queue the learners' messages now (unless told not to notify), and once committed tell who listens."""
    notify, when = _notify.get(), session.updated_at
    if notify:
        notifications.queue_session_cancelled(session, when)
    transaction.on_commit(
        lambda: session_cancelled.send(
            sender=type(session), session=session, actor=actor, created_at=when, notify=notify
        )
    )


def announce_details_changed(session, event=None):
    """Queue the learners' « details changed » messages (unless told not to notify), in the change's transaction."""
    if _notify.get():
        notifications.queue_details_changed(session, event)
