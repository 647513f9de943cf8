"""Reminders before a session and before each of its events, queued when due, once per date.

Nothing changes when a reminder falls due, so no change queues it: ``cursus_send_notifications``
(every minute) asks ``queue_due`` first, which looks only at the sessions and events starting
within the reminder's lead time (``CURSUS_REMINDER_DAYS_BEFORE_SESSION``,
``CURSUS_REMINDER_HOURS_BEFORE_EVENT``). Each reminder is a ``Notification`` row whose version is
the start it was computed for, so the send log's uniqueness makes it once per date: the command
run twice queues nothing twice, and a postponed session or event gets a reminder for its new date
(Odoo forgot to re-arm them, its PR 199588). A reminder not sent yet whose date has moved, whose
session was cancelled, whose registration is no longer confirmed or whose start has passed is
dropped (``drop_outdated``): its row says why, and nothing is sent.
"""

import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..conf import settings
from ..models import (
    Event,
    EventRegistration,
    Notification,
    NotificationStatus,
    NotificationTrigger,
    Registration,
    RegistrationStatus,
    Role,
    Session,
    SessionStatus,
)
from . import notifications

REMINDERS = (NotificationTrigger.REMINDER_SESSION, NotificationTrigger.REMINDER_EVENT)
#: The unsent messages ``drop_outdated`` checks: the reminders, and what the command or a day's end sends.
CHECKED = (
    *REMINDERS,
    NotificationTrigger.TRAINER_ROLL_CALL,
    NotificationTrigger.SESSION_ENDED,
    NotificationTrigger.TRAINER_LEARNERS,
)
#: The trainers' roll-call reminder goes this long before each event: the day before.
ROLL_CALL_LEAD = datetime.timedelta(days=1)
#: « Session ended » goes this long after the end; a session that ended more than ``ENDED_WINDOW``
#: before that gets none (the first run after an upgrade does not write to every past learner).
ENDED_DELAY = datetime.timedelta(days=1)
ENDED_WINDOW = datetime.timedelta(days=7)

MOVED = _("Not sent: the date changed; a reminder for the new date replaces it.")
CANCELLED = _("Not sent: the session was cancelled.")
NOT_REGISTERED = _("Not sent: the registration is no longer confirmed.")
STARTED = _("Not sent: it had already started.")
CANCELLED_EVENT = _("Not sent: the event was removed.")


def queue_due(*, now=None):
    """Drop the reminders that no longer hold, and queue those now due; the number queued."""
    now = now or timezone.now()
    with transaction.atomic():
        drop_outdated(now=now)
        rows = _session_reminders(now) + _event_reminders(now) + _roll_call_reminders(now) + _sessions_ended(now)
        notifications.queue_rows(rows)
    return len(rows)


def _enabled(trigger, sessions):
    sessions = list(sessions)
    on = notifications.enabled_of((trigger, session) for session in sessions)
    return {session.pk: session for session in sessions if (str(trigger), session.pk) in on}


def _already(trigger, sessions):
    """(object, version) of the reminders these sessions already have: one query, bounded by them."""
    return set(
        Notification.objects.filter(trigger=trigger, session__in=list(sessions)).values_list("object_key", "version")
    )


def _session_reminders(now):
    days = settings.REMINDER_DAYS_BEFORE_SESSION
    if not days:
        return []
    trigger = NotificationTrigger.REMINDER_SESSION
    sessions = _enabled(
        trigger,
        Session.objects.filter(start__gt=now, start__lte=now + datetime.timedelta(days=days)).exclude(
            status=SessionStatus.CANCELLED
        ),
    )
    if not sessions:
        return []
    return _to_confirmed_learners(trigger, sessions, lambda session: session.start.isoformat(), now)


def _event_reminders(now):
    hours = settings.REMINDER_HOURS_BEFORE_EVENT
    if not hours:
        return []
    trigger = NotificationTrigger.REMINDER_EVENT
    events = {
        event.pk: event
        for event in Event.objects.filter(start__gt=now, start__lte=now + datetime.timedelta(hours=hours))
        .exclude(session__status=SessionStatus.CANCELLED)
        .select_related("session")
    }
    sessions = _enabled(trigger, list({event.session_id: event.session for event in events.values()}.values()))
    if not sessions:
        return []
    already = _already(trigger, sessions)
    rows = []
    for event_registration in EventRegistration.objects.filter(
        event__in=[pk for pk, event in events.items() if event.session_id in sessions],
        status=RegistrationStatus.CONFIRMED,
        registration__status=RegistrationStatus.CONFIRMED,
        registration__role=Role.LEARNER,
    ).select_related("registration"):
        event = events[event_registration.event_id]
        key, version = f"event_registration:{event_registration.pk}", event.start.isoformat()
        if (key, version) not in already:
            rows.append(
                Notification(
                    user_id=event_registration.registration.user_id,
                    trigger=trigger,
                    object_key=key,
                    version=version,
                    session=event.session,
                    registration=event_registration.registration,
                    data={"event": event.pk, "event_registration": event_registration.pk},
                    next_attempt_at=now,
                )
            )
    return rows


def _roll_call_reminders(now):
    """The day before each event, one message to each confirmed trainer of its session."""
    trigger = NotificationTrigger.TRAINER_ROLL_CALL
    events = list(
        Event.objects.filter(start__gt=now, start__lte=now + ROLL_CALL_LEAD)
        .exclude(session__status=SessionStatus.CANCELLED)
        .select_related("session")
    )
    sessions = _enabled(trigger, list({event.session_id: event.session for event in events}.values()))
    if not sessions:
        return []
    already = _already(trigger, sessions)
    trainers = {}
    for registration in Registration.objects.filter(
        session__in=list(sessions), role=Role.TRAINER, status=RegistrationStatus.CONFIRMED
    ):
        trainers.setdefault(registration.session_id, []).append(registration)
    rows = []
    for event in events:
        for registration in trainers.get(event.session_id, ()) if event.session_id in sessions else ():
            key, version = f"event:{event.pk}", event.start.isoformat()
            if (key, version) not in already:
                rows.append(
                    Notification(
                        user_id=registration.user_id,
                        trigger=trigger,
                        object_key=key,
                        version=version,
                        session=event.session,
                        registration=registration,
                        data={"event": event.pk},
                        next_attempt_at=now,
                    )
                )
    return rows


def _sessions_ended(now):
    """The day after a session ends (not cancelled), one message to each of its confirmed learners."""
    trigger = NotificationTrigger.SESSION_ENDED
    sessions = _enabled(
        trigger,
        Session.objects.filter(end__lte=now - ENDED_DELAY, end__gt=now - ENDED_DELAY - ENDED_WINDOW).exclude(
            status=SessionStatus.CANCELLED
        ),
    )
    if not sessions:
        return []
    return _to_confirmed_learners(trigger, sessions, lambda session: f"ended:{session.end.isoformat()}", now)


def _to_confirmed_learners(trigger, sessions, version_of, now):
    """A row for each confirmed learner of ``sessions`` ({id: session}) not queued yet for this version."""
    already = _already(trigger, sessions)
    rows = []
    for registration in Registration.objects.filter(
        session__in=list(sessions), role=Role.LEARNER, status=RegistrationStatus.CONFIRMED
    ):
        session = sessions[registration.session_id]
        key, version = f"registration:{registration.pk}", version_of(session)
        if (key, version) not in already:
            rows.append(
                Notification(
                    user_id=registration.user_id,
                    trigger=trigger,
                    object_key=key,
                    version=version,
                    session=session,
                    registration=registration,
                    data={},
                    next_attempt_at=now,
                )
            )
    return rows


def drop_outdated(*, now=None, ids=None):
    """Mark "not sent" the unsent reminders (of ``ids``, else all) that no longer hold; how many."""
    now = now or timezone.now()
    rows = Notification.objects.filter(
        trigger__in=CHECKED, status__in=(NotificationStatus.PENDING, NotificationStatus.FAILED)
    ).select_related("session", "registration")
    if ids is not None:
        rows = rows.filter(pk__in=ids)
    rows = list(rows)
    events = Event.objects.in_bulk({row.data.get("event") for row in rows if row.data.get("event")})
    event_registrations = EventRegistration.objects.in_bulk(
        {row.data.get("event_registration") for row in rows if row.data.get("event_registration")}
    )
    dropped = 0
    for row in rows:
        why = _outdated(row, events, event_registrations, now)
        if why is not None:
            dropped += Notification.objects.filter(pk=row.pk, status=row.status).update(
                status=NotificationStatus.SKIPPED, error=str(why), next_attempt_at=None
            )
    return dropped


def _outdated(row, events, event_registrations, now):
    """Why this unsent reminder must not go out, or None."""
    if row.session.status == SessionStatus.CANCELLED:
        return CANCELLED
    if row.registration is None or row.registration.status != RegistrationStatus.CONFIRMED:
        return NOT_REGISTERED
    if row.trigger == NotificationTrigger.TRAINER_LEARNERS:
        return None  # the day's changes, told once the day is over
    if row.trigger == NotificationTrigger.SESSION_ENDED:
        return MOVED if row.version != f"ended:{row.session.end.isoformat()}" else None
    start = row.session.start
    if row.trigger == NotificationTrigger.TRAINER_ROLL_CALL:
        event = events.get(row.data.get("event"))
        if event is None:
            return CANCELLED_EVENT
        start = event.start
    elif row.trigger == NotificationTrigger.REMINDER_EVENT:
        event = events.get(row.data.get("event"))
        event_registration = event_registrations.get(row.data.get("event_registration"))
        if event is None or event_registration is None or event_registration.status != RegistrationStatus.CONFIRMED:
            return NOT_REGISTERED
        start = event.start
    if row.version != start.isoformat():
        return MOVED
    if start <= now:
        return STARTED
    return None
