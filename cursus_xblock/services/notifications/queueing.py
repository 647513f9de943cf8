"""Queueing the messages: which change tells whom (triggers and switches), one row per message,
written in the transaction of the change, grouped one per person; handed to Celery once committed."""

import datetime
import functools
import logging

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from ...conf import settings
from ...models import (
    ACTIVE_STATUSES,
    HistoryAction,
    Notification,
    NotificationStatus,
    NotificationSwitch,
    NotificationTrigger,
    Registration,
    RegistrationStatus,
    Role,
    Session,
    SessionStatus,
)
from ..capacity import waiting_positions_of
from ..inputs import RETIRED_REASON

log = logging.getLogger(__name__)

SEND_TASK = "cursus_xblock.send_notification"

#: The triggers whose messages go to the session's trainers, not to a learner (and get no copy).
TRAINER_TRIGGERS = (
    NotificationTrigger.TRAINER_ASSIGNED,
    NotificationTrigger.TRAINER_UNASSIGNED,
    NotificationTrigger.TRAINER_LEARNERS,
    NotificationTrigger.TRAINER_ROLL_CALL,
)

_REGISTERED_AS = {
    RegistrationStatus.CONFIRMED: NotificationTrigger.REGISTERED,
    RegistrationStatus.WAITING: NotificationTrigger.WAITING,
    RegistrationStatus.PENDING: NotificationTrigger.PENDING,
}


def trigger_of(*, registration, action, new_value, actor):
    """The trigger a recorded change is, or None when it tells the person nothing."""
    if action == HistoryAction.REGISTERED:
        return _REGISTERED_AS.get(new_value)
    if action == HistoryAction.PROMOTED:
        return NotificationTrigger.PROMOTED
    if action == HistoryAction.VALIDATED:
        return NotificationTrigger.VALIDATED
    if action == HistoryAction.REFUSED:
        return NotificationTrigger.REFUSED
    if action == HistoryAction.CANCELLED:
        if actor is not None and actor.pk == registration.user_id:
            return NotificationTrigger.UNREGISTERED_SELF
        return NotificationTrigger.UNREGISTERED
    return None


def is_enabled(trigger, session):
    """The session's switch, else its course's, else the site's ``CURSUS_NOTIFICATIONS`` (on by default)."""
    return (str(trigger), session.pk) in enabled_of([(trigger, session)])


def enabled_of(pairs):
    """The (trigger, session id) of these (trigger, session) pairs whose messages are on, in one query."""
    pairs = {(str(trigger), session) for trigger, session in pairs}
    if not pairs:
        return set()
    sessions = {session.pk: session for _trigger, session in pairs}
    switches = {}
    for switch in NotificationSwitch.objects.filter(
        Q(session__in=list(sessions)) | Q(course_id__in={s.course_id for s in sessions.values()}),
        trigger__in={trigger for trigger, _session in pairs},
    ):
        level = ("session", switch.session_id) if switch.session_id is not None else ("course", switch.course_id)
        switches[(switch.trigger, *level)] = switch.enabled
    enabled = set()
    for trigger, session in pairs:
        default = bool(settings.NOTIFICATIONS.get(trigger, True))
        course_level = switches.get((trigger, "course", session.course_id), default)
        if switches.get((trigger, "session", session.pk), course_level):
            enabled.add((trigger, session.pk))
    return enabled


def queue_recorded(entries):
    """Queue the learners' messages these history entries call for, in the transaction that writes them.

    Written with the change, the message commits or rolls back with it: nothing is lost to a crash
    after the commit, and nothing is written after it. (An insert after the commit took shared locks
    on the registration and session rows; on MariaDB it met a registration call holding the session
    and waiting for that registration row, and the server aborted one of the two.) ``history.record``
    calls it; the caller holds the sessions' locks. One query for the switches, one insert.
    """
    wanted, learner_changes = [], []
    for item in entries:
        registration = item.registration
        if not getattr(item, "notify", True) or item.event_registration is not None or item.reason == RETIRED_REASON:
            continue
        if registration.role == Role.TRAINER:
            trigger = trainer_trigger_of(action=item.action, new_value=item.new_value)
        else:
            trigger = trigger_of(
                registration=registration, action=item.action, new_value=item.new_value, actor=item.actor
            )
            if trigger is not None:
                learner_changes.append(item)
        if trigger is not None:
            wanted.append((trigger, item))
    _with_sessions([item.registration for item in learner_changes] + [item.registration for _t, item in wanted])
    digests = [(NotificationTrigger.TRAINER_LEARNERS, item.registration.session) for item in learner_changes]
    enabled = enabled_of([(trigger, item.registration.session) for trigger, item in wanted] + digests)
    wanted = [(t, item) for t, item in wanted if (str(t), item.registration.session_id) in enabled]
    learner_changes = [
        item
        for item in learner_changes
        if (str(NotificationTrigger.TRAINER_LEARNERS), item.registration.session_id) in enabled
    ]
    unknown = [
        item.registration
        for trigger, item in wanted
        if trigger == NotificationTrigger.WAITING and getattr(item, "position", None) is None
    ]
    positions = waiting_positions_of(unknown) if unknown else {}
    rows = []
    for trigger, item in wanted:
        registration = item.registration
        data = {"reason": item.reason or "", "status": item.new_value}
        if trigger == NotificationTrigger.WAITING:
            data["position"] = getattr(item, "position", None) or positions.get(registration.pk)
        version = item.created_at or registration.updated_at
        if trigger in TRAINER_TRIGGERS:
            data = {}
        rows.append(_row(registration.user_id, trigger, registration.session, registration, version, data))
    rows = one_per_person(rows)
    _insert(rows + _digest_rows(learner_changes))
    return rows


def trainer_trigger_of(*, action, new_value):
    """The trigger a change of a trainer's registration is: assigned (confirmed) or unassigned."""
    if action in (HistoryAction.REGISTERED, HistoryAction.VALIDATED) and new_value == RegistrationStatus.CONFIRMED:
        return NotificationTrigger.TRAINER_ASSIGNED
    if action == HistoryAction.CANCELLED:
        return NotificationTrigger.TRAINER_UNASSIGNED
    return None


def digest_day(session, when):
    """(the day, in the session's time zone, of a change made ``when``; the start of that day; of the next)."""
    tz = session.tzinfo
    day = when.astimezone(tz).date()
    start = datetime.datetime.combine(day, datetime.time.min, tzinfo=tz)
    return day, start, datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time.min, tzinfo=tz)


def _digest_rows(changes):
    """One « learner list changed » row per (trainer, session, day) the learners' changes fall on.

    The row says only that the day had changes; it is due when the day is over, and its text is
    made then from that day's history. So every change of the day is in the one message, without
    updating a row per change (a row already sent cannot take more) nor keeping a copy of the
    history: the insert of the day's first change makes the row, the others find it there.
    """
    if not changes:
        return []
    days = {}
    for item in changes:
        session = item.registration.session
        day, _start, next_day = digest_day(session, item.created_at or timezone.now())
        days[(session.pk, day)] = (session, next_day)
    trainers = Registration.objects.filter(
        session__in={session_id for session_id, _day in days},
        role=Role.TRAINER,
        status=RegistrationStatus.CONFIRMED,
    ).only("pk", "user_id", "session_id")
    by_session = {}
    for trainer in trainers:
        by_session.setdefault(trainer.session_id, []).append(trainer)
    rows = []
    for (session_id, day), (session, next_day) in days.items():
        for trainer in by_session.get(session_id, ()):
            row = _row(
                trainer.user_id,
                NotificationTrigger.TRAINER_LEARNERS,
                session,
                trainer,
                day.isoformat(),
                {"day": day.isoformat()},
                object_key=f"session:{session_id}",
            )
            row.next_attempt_at = next_day
            rows.append(row)
    return rows


#: The triggers a ``registered_many`` message gathers: what a registration call may do to a person.
GATHERED = (NotificationTrigger.REGISTERED, NotificationTrigger.WAITING, NotificationTrigger.PENDING)


def one_per_person(rows):
    """The rows, with each person's registration messages about two sessions or more made one.

    A person registered in three sessions by one call (the picker, a group) gets one message listing
    each session and what became of it (``registered_many``), not three. Unsaved rows, or rows read
    back (``notification_groups`` merges those of several calls); the others are returned as they are.
    """
    own = {}
    for row in rows:
        if row.trigger in GATHERED or row.trigger == NotificationTrigger.REGISTERED_MANY:
            own.setdefault(row.user_id, []).append(row)
    several = {user_id: rows_of for user_id, rows_of in own.items() if len(rows_of) > 1}
    if not several:
        return rows
    merged = {id(row) for rows_of in several.values() for row in rows_of}
    kept = [row for row in rows if id(row) not in merged]
    for user_id, rows_of in several.items():
        first = rows_of[0]
        items = []
        for row in rows_of:
            if row.trigger == NotificationTrigger.REGISTERED_MANY:
                items += row.data["items"]
            else:
                items.append({"registration": row.registration_id, **row.data})
        kept.append(
            Notification(
                user_id=user_id,
                trigger=NotificationTrigger.REGISTERED_MANY,
                object_key=first.object_key,
                version=first.version,
                session_id=first.session_id,
                registration_id=first.registration_id,
                data={"items": items},
            )
        )
    return kept


def _with_sessions(registrations):
    """Give each registration its session, read in one query for those that do not hold it yet."""
    missing = {r.session_id for r in registrations if not Registration.session.is_cached(r)}
    if missing:
        sessions = Session.objects.in_bulk(missing)
        for registration in registrations:
            if not Registration.session.is_cached(registration):
                registration.session = sessions[registration.session_id]


def queue_session_cancelled(session, when):
    """Queue a message to each learner still registered in a session being cancelled (under its lock)."""
    if not is_enabled(NotificationTrigger.SESSION_CANCELLED, session):
        return
    registrations = Registration.objects.filter(session=session, role=Role.LEARNER, status__in=ACTIVE_STATUSES)
    _insert(
        [
            _row(
                r.user_id,
                NotificationTrigger.SESSION_CANCELLED,
                session,
                r,
                f"cancelled:{when.isoformat()}",
                {"status": r.status},
            )
            for r in registrations
        ]
    )


def queue_details_changed(session, event=None):
    """Queue a message to each learner a changed session (or séance) concerns, under the session's lock.

    A session's change goes to its learners with an active registration; a séance's to those
    registered in it. The version is the new ``schedule_sequence``: the same change queued twice
    is one message, each later change one more. The message's text and calendar are made when it
    is sent, from the dates then stored, so a message sent late never shows dates already replaced.
    """
    if session.status == SessionStatus.CANCELLED or not is_enabled(NotificationTrigger.DETAILS_CHANGED, session):
        return
    registrations = Registration.objects.filter(session=session, role=Role.LEARNER, status__in=ACTIVE_STATUSES)
    if event is None:
        key, version, data = f"session:{session.pk}", session.schedule_sequence, {}
    else:
        registrations = registrations.filter(
            event_registrations__event=event, event_registrations__status__in=ACTIVE_STATUSES
        ).distinct()
        key, version, data = f"event:{event.pk}", event.schedule_sequence, {"event": event.pk}
    _insert(
        [
            _row(r.user_id, NotificationTrigger.DETAILS_CHANGED, session, r, str(version), data, object_key=key)
            for r in registrations.only("pk", "user_id")
        ]
    )


def _row(user_id, trigger, session, registration, version, data, object_key=None):
    if not isinstance(version, str):
        version = version.isoformat()
    return Notification(
        user_id=user_id,
        trigger=trigger,
        object_key=object_key or f"registration:{registration.pk}",
        version=version,
        session=session,
        registration=registration,
        data=data,
    )


def _insert(rows):
    """Insert the rows (one already there is kept: the same change queued twice is one message);
    once committed, hand them to the Celery workers if the host runs Celery, else the command sends them."""
    if not rows:
        return
    Notification.objects.bulk_create(rows, ignore_conflicts=True)
    keys = [(r.user_id, r.trigger, r.object_key, r.version) for r in rows]
    transaction.on_commit(functools.partial(_publish_queued, keys))


def queue_rows(rows):
    """Queue these unsaved ``Notification`` rows (reminders, grouped messages) as the changes' are."""
    _insert(rows)


def _publish_queued(keys):
    """Hand the workers the rows due now; a later one (a trainers' digest) is the command's."""
    from ..documents.batches import celery_enabled

    if not celery_enabled():
        return
    match = Q()
    for user_id, trigger, object_key, version in keys:
        match |= Q(user_id=user_id, trigger=trigger, object_key=object_key, version=version)
    for notification_id in Notification.objects.filter(
        match, status=NotificationStatus.PENDING, next_attempt_at__lte=timezone.now()
    ).values_list("pk", flat=True):
        publish(notification_id)


def publish(notification_id):
    """Give one message to the Celery workers, if the host runs them (named: the task calls us)."""
    from ..documents.batches import celery_enabled

    if not celery_enabled():
        return
    from celery import signature

    try:
        signature(SEND_TASK, args=(notification_id,)).apply_async()
    except Exception:  # the command (or the next run) sends what no worker got
        log.exception("Notification %s could not be published", notification_id)


def resend(notifications):
    """Send these messages again, whatever became of them (the admin's action)."""
    ids = [n.pk for n in notifications]
    Notification.objects.filter(pk__in=ids).update(
        status=NotificationStatus.PENDING, attempts=0, next_attempt_at=timezone.now(), error=""
    )
    for pk in ids:
        publish(pk)
    return len(ids)
