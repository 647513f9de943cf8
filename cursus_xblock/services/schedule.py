"""Moving a session or a séance: every save of their dates or place, and the calendars that follow.

``registration.session_update`` saves a session, ``event_save`` a séance (the admin's pages and
inlines and the sessions import call them, nothing else saves one that exists). Each compares
what it is given with the row it has just locked, so the ``schedule_sequence`` it stores is the
stored one plus one whatever the caller's copy says (two managers saving at once, a deadlock
retry), and a change of dates or place queues one « details changed » message per learner
concerned, in the same transaction.
"""

from django.db import transaction
from django.db.models import F

from ..models import Event
from . import history
from .deadlocks import retry_deadlock
from .locks import lock_sessions


def save_scheduled(instance, stored):
    """Save a session or séance over ``stored`` (its row read under the lock); whether its dates or place moved."""
    instance._stored_schedule = stored._schedule()
    instance.schedule_sequence = stored.schedule_sequence
    moved = instance.schedule_changed()
    place_moved = instance.place_changed()
    instance.save()
    if moved and place_moved and not isinstance(instance, Event):
        # Its séances without a place of their own are now elsewhere too: their calendar entries change.
        instance.events.filter(place="").update(schedule_sequence=F("schedule_sequence") + 1)
    return moved


@history.notify_keyword
@retry_deadlock
@transaction.atomic
def event_save(*, event, actor=None):
    """Save a séance (new or changed) under its session's lock; its learners are told of new dates or place."""
    (session,) = lock_sessions([event.session_id]).values()
    if event.pk is None:
        event.save()
        return event
    stored = Event.objects.get(pk=event.pk)
    if save_scheduled(event, stored):
        history.announce_details_changed(session, event)
    return event
