"""Telling people what happened to their registration: queued with the change, delivered once.

``history.record`` calls ``queue_recorded`` in the transaction that writes the history, so a
message commits or rolls back with its change: a rolled-back registration sends nothing, and a
committed one cannot lose its message to a crash before an after-commit step. It writes one
``Notification`` row per message, unique per (person, trigger, object, version): the object is
the registration, the version the time of the history entry that recorded the change, so the same
change queued twice is one message. Delivery is separate and starts after the commit: a Celery
task per message when the host runs Celery, otherwise ``cursus_send_notifications`` (from cron,
every minute). Each delivery first claims its row with a conditional update, so a task and the
command running together, or the command run twice, send a message once; a failure is retried
later with a growing delay.

Sending and writing "sent" cannot be one transaction with an SMTP server: a process killed between
the two leaves the row claimed, and it is sent again once its claim has expired (at least once,
never twice while everything runs).

The texts are ``NotificationTemplate`` rows, edited in the admin, in the documents' sandboxed
template language with the documents' placeholders (plus ``waiting.position``, ``reason`` and
``registration.pending``). A missing one is created from the defaults below, translated into the
language asked for, the first time it is needed.
"""

import datetime
import functools
import logging

from django.conf import settings as django_settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.html import escape
from django.utils.translation import gettext_lazy as _

from ..backends import get_backend
from ..conf import settings
from ..documents.placeholders import build_context, moment
from ..documents.templating import render_template
from ..models import (
    ACTIVE_STATUSES,
    DocumentKind,
    Event,
    EventRegistration,
    HistoryAction,
    IssuedDocument,
    Notification,
    NotificationStatus,
    NotificationSwitch,
    NotificationTemplate,
    NotificationTrigger,
    Registration,
    RegistrationHistory,
    RegistrationStatus,
    Role,
    Session,
    SessionStatus,
)
from .capacity import waiting_positions_of
from .inputs import RETIRED_REASON

log = logging.getLogger(__name__)

SEND_TASK = "cursus_xblock.send_notification"
#: A delivery that started this long ago without finishing lost its process: it may be tried again.
CLAIM = datetime.timedelta(minutes=10)

INACTIVE = _("The account is inactive or retired: nothing is sent to it.")
NO_EMAIL = _("This person has no e-mail address.")

_GREETING = _("Hello {{ person.first_name|default:person.full_name }},")
_DETAILS = _(
    "Session: {{ session.name }} ({{ course.title }})\n"
    "From {{ session.start.datetime }} to {{ session.end.datetime }}"
    "{% if session.place %}\nPlace: {{ session.place }}{% endif %}"
)
_REASON = _("Reason: {{ reason }}")
#: The triggers whose default message gives the reason the manager wrote (elsewhere it stays in the history).
_WITH_REASON = {"refused", "unregistered", "session_cancelled"}

#: (subject, what happened) of each trigger's default message.
DEFAULTS = {
    NotificationTrigger.REGISTERED: (
        _("Registration confirmed: {{ session.name }}"),
        _("Your registration in this session is confirmed."),
    ),
    NotificationTrigger.WAITING: (
        _("Waiting list: {{ session.name }}"),
        _(
            "The session is full: you are on its waiting list, in position {{ waiting.position }}. "
            "You will be told when a seat is yours."
        ),
    ),
    NotificationTrigger.PROMOTED: (
        _("A seat is yours: {{ session.name }}"),
        _(
            "A seat became free: you are no longer on the waiting list."
            "{% if registration.pending %} Your registration now awaits validation.{% endif %}"
        ),
    ),
    NotificationTrigger.PENDING: (
        _("Registration awaiting validation: {{ session.name }}"),
        _("Your registration has been received; it awaits validation. You will be told of the decision."),
    ),
    NotificationTrigger.VALIDATED: (
        _("Registration validated: {{ session.name }}"),
        _("Your registration in this session has been validated."),
    ),
    NotificationTrigger.REFUSED: (
        _("Registration refused: {{ session.name }}"),
        _("Your registration in this session has been refused."),
    ),
    NotificationTrigger.UNREGISTERED: (
        _("Unregistered: {{ session.name }}"),
        _("You have been unregistered from this session."),
    ),
    NotificationTrigger.UNREGISTERED_SELF: (
        _("Unregistration recorded: {{ session.name }}"),
        _("Your unregistration from this session has been recorded."),
    ),
    NotificationTrigger.SESSION_CANCELLED: (
        _("Session cancelled: {{ session.name }}"),
        _("This session has been cancelled."),
    ),
    NotificationTrigger.DETAILS_CHANGED: (
        _("Dates or place changed: {{ session.name }}"),
        _(
            "The dates or the place of this session have changed."
            "{% if event %} The event {{ event.name }} now takes place from {{ event.start.datetime }} "
            "to {{ event.end.datetime }}{% if event.place %}, {{ event.place }}{% endif %}.{% endif %}"
            " Here are the new details."
        ),
    ),
    NotificationTrigger.REMINDER_SESSION: (
        _("Reminder: {{ session.name }} starts on {{ session.start.date }}"),
        _("This is a reminder: your session starts soon. We look forward to seeing you."),
    ),
    NotificationTrigger.REMINDER_EVENT: (
        _("Reminder: {{ event.name }}, {{ event.start.datetime }}"),
        _(
            "This is a reminder: an event of your session starts soon.\n"
            "Event: {{ event.name }}\n"
            "From {{ event.start.datetime }} to {{ event.end.datetime }}"
            "{% if event.place %}\nPlace: {{ event.place }}{% endif %}"
        ),
    ),
    NotificationTrigger.REGISTERED_MANY: (
        _("Your registrations: {{ registrations|length }} sessions"),
        _("Your registrations have been recorded:"),
    ),
    NotificationTrigger.SESSION_ENDED: (
        _("Session ended: {{ session.name }}"),
        _(
            "Your session has ended. Thank you for taking part."
            "{% if certificate.url %} Your certificate is available: {{ certificate.url }}"
            "{% elif session.url %} You will find the course here: {{ session.url }}{% endif %}"
        ),
    ),
    NotificationTrigger.TRAINER_ASSIGNED: (
        _("You train in: {{ session.name }}"),
        _("You have been assigned as a trainer to this session."),
    ),
    NotificationTrigger.TRAINER_UNASSIGNED: (
        _("You no longer train in: {{ session.name }}"),
        _("You are no longer a trainer of this session."),
    ),
    NotificationTrigger.TRAINER_LEARNERS: (
        _("Learners of {{ session.name }}: {{ changes|length }} changes"),
        _(
            "The list of learners of a session you train in changed on {{ day }}:\n"
            "{% for change in changes %}- {{ change.time }} {{ change.person }}: {{ change.what }}\n{% endfor %}"
            "Confirmed learners now: {{ learners.confirmed }}."
        ),
    ),
    NotificationTrigger.TRAINER_ROLL_CALL: (
        _("Tomorrow: {{ event.name }}, {{ event.start.datetime }}"),
        _(
            "An event of a session you train in takes place tomorrow.\n"
            "Event: {{ event.name }}\n"
            "From {{ event.start.datetime }} to {{ event.end.datetime }}"
            "{% if event.place %}\nPlace: {{ event.place }}{% endif %}\n"
            "Learners expected: {{ learners.expected }}"
            "{% if roll_call.url %}\nRoll call: {{ roll_call.url }}{% endif %}"
        ),
    ),
}

#: The triggers whose messages go to the session's trainers, not to a learner (and get no copy).
TRAINER_TRIGGERS = (
    NotificationTrigger.TRAINER_ASSIGNED,
    NotificationTrigger.TRAINER_UNASSIGNED,
    NotificationTrigger.TRAINER_LEARNERS,
    NotificationTrigger.TRAINER_ROLL_CALL,
)
#: What a learner's change was, as a trainer's digest lists it (keyed by the learner's trigger).
_CHANGES = {
    NotificationTrigger.REGISTERED: _("registered (confirmed)"),
    NotificationTrigger.WAITING: _("placed on the waiting list"),
    NotificationTrigger.PENDING: _("registered, awaiting validation"),
    NotificationTrigger.PROMOTED: _("promoted from the waiting list"),
    NotificationTrigger.VALIDATED: _("registration validated"),
    NotificationTrigger.REFUSED: _("registration refused"),
    NotificationTrigger.UNREGISTERED: _("unregistered"),
    NotificationTrigger.UNREGISTERED_SELF: _("unregistered themself"),
}

#: The details paragraph of the triggers whose message is not about one session (or says them itself).
_DETAILS_OF = {
    NotificationTrigger.TRAINER_LEARNERS: _DETAILS,
    NotificationTrigger.TRAINER_ROLL_CALL: _("Session: {{ session.name }} ({{ course.title }})"),
    NotificationTrigger.REGISTERED_MANY: _(
        "{% for item in registrations %}- {{ item.session.name }} ({{ item.course.title }}), "
        "from {{ item.session.start.datetime }} to {{ item.session.end.datetime }}"
        "{% if item.session.place %}, {{ item.session.place }}{% endif %}: {{ item.outcome }}\n{% endfor %}"
    ),
}
#: What became of each registration a ``registered_many`` message lists.
_OUTCOMES = {
    RegistrationStatus.CONFIRMED: _("confirmed"),
    RegistrationStatus.PENDING: _("awaiting validation"),
    RegistrationStatus.WAITING: _("on the waiting list, in position %(position)s"),
}

_REGISTERED_AS = {
    RegistrationStatus.CONFIRMED: NotificationTrigger.REGISTERED,
    RegistrationStatus.WAITING: NotificationTrigger.WAITING,
    RegistrationStatus.PENDING: NotificationTrigger.PENDING,
}


# --- queueing -----------------------------------------------------------------------------


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
    from .documents.batches import celery_enabled

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
    from .documents.batches import celery_enabled

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


# --- delivery -----------------------------------------------------------------------------


def retry_delay(attempts):
    """1, 2, 4 … minutes after the first, second, third … failure."""
    return datetime.timedelta(minutes=2 ** max(attempts - 1, 0))


def send_due(*, now=None, limit=None):
    """Send every message that is due (new, or failed and waited long enough); {status: count}."""
    now = now or timezone.now()
    ids = list(
        Notification.objects.filter(
            status__in=(NotificationStatus.PENDING, NotificationStatus.FAILED), next_attempt_at__lte=now
        )
        .order_by("next_attempt_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )
    counts = {}
    for pk in ids:
        row = deliver(pk, now=now)
        if row is not None:
            counts[row.status] = counts.get(row.status, 0) + 1
    return counts


def deliver(notification_id, *, now=None):
    """Send one message if it is due and nobody else is sending it; the row afterwards, or None."""
    now = now or timezone.now()
    row = Notification.objects.filter(pk=notification_id).select_related("user").first()
    if row is None or row.status not in (NotificationStatus.PENDING, NotificationStatus.FAILED):
        return None
    if row.next_attempt_at is None or row.next_attempt_at > now:
        return None
    claimed = Notification.objects.filter(
        pk=row.pk, status=row.status, attempts=row.attempts, next_attempt_at=row.next_attempt_at
    ).update(attempts=row.attempts + 1, next_attempt_at=now + CLAIM)
    if not claimed:
        return None
    row.attempts += 1
    user = row.user
    if not can_receive(user):
        return _finish(row, NotificationStatus.SKIPPED, error=str(INACTIVE if user.email else NO_EMAIL))
    language = person_language(user)
    try:
        message = build_message(row, language)
        message.send()  # the copy is a Cc of the same message: sent with it, never on its own
    except Exception as exc:
        log.exception("Notification %s could not be sent", row.pk)
        retry_at = now + retry_delay(row.attempts) if row.attempts < settings.NOTIFICATION_MAX_ATTEMPTS else None
        return _finish(row, NotificationStatus.FAILED, error=str(exc)[:2000], next_attempt_at=retry_at)
    return _finish(
        row,
        NotificationStatus.SENT,
        sent_at=timezone.now(),
        language=language,
        recipient=user.email,
        copied_to=", ".join(message.cc)[:254],
        subject=message.subject[:255],
        error="",
        next_attempt_at=None,
    )


def _finish(row, status, **fields):
    fields.setdefault("next_attempt_at", None)
    for name, value in {"status": status, **fields}.items():
        setattr(row, name, value)
    Notification.objects.filter(pk=row.pk).update(status=status, **fields)
    return row


def can_receive(user):
    """Never an inactive or retired account.

    Open edX retires an account by replacing its address with
    ``{RETIRED_EMAIL_PREFIX}<hash>@{RETIRED_EMAIL_DOMAIN}`` (``retired__user_…@retired.invalid``)
    and making its password unusable; the account may stay active, so the address is what tells.
    """
    retired_prefix = getattr(django_settings, "RETIRED_EMAIL_PREFIX", "retired__user_")
    retired_domain = getattr(django_settings, "RETIRED_EMAIL_DOMAIN", "retired.invalid")
    email = (user.email or "").lower()
    return bool(
        user.is_active
        and email
        and not email.startswith(retired_prefix)
        and not email.endswith("@" + retired_domain.lower())
    )


def person_language(user):
    """The person's language preference (Open edX), else the site's; one the site offers."""
    language = get_backend().preferred_language(user) or django_settings.LANGUAGE_CODE
    try:
        return translation.get_supported_language_variant(language)
    except LookupError:
        return translation.get_supported_language_variant(django_settings.LANGUAGE_CODE)


# --- texts --------------------------------------------------------------------------------


def default_texts(trigger, language):
    """(subject, text body, HTML body) of the default message, translated into ``language``."""
    subject, sentence = DEFAULTS[trigger]
    with translation.override(language):
        paragraphs = [str(_GREETING), str(sentence), str(_DETAILS_OF.get(trigger, _DETAILS))]
        reason = str(_REASON) if str(trigger) in _WITH_REASON else ""
        subject = str(subject)

    def html_paragraph(text):
        return "<p>" + escape(text).replace("&#x27;", "'").replace("&quot;", '"').replace("\n", "<br>") + "</p>\n"

    text = "\n\n".join(paragraphs)
    html = "".join(html_paragraph(p) for p in paragraphs)
    if reason:
        text += "{% if reason %}\n\n" + reason + "{% endif %}"
        html += "{% if reason %}" + html_paragraph(reason) + "{% endif %}"
    return subject, text + "\n\n{{ platform_name }}\n", html + "<p>{{ platform_name }}</p>\n"


def template_for(trigger, language):
    """The trigger's template in ``language``, created from the defaults the first time."""
    subject, text, html = default_texts(trigger, language)
    template, _created = NotificationTemplate.objects.get_or_create(
        trigger=trigger, language=language, defaults={"subject": subject, "body_text": text, "body_html": html}
    )
    return template


def _changed_event(row):
    """The séance a « details changed » message is about (None: the session, or a séance since removed)."""
    event_id = (row.data or {}).get("event")
    if row.trigger != NotificationTrigger.DETAILS_CHANGED or not event_id:
        return None
    return Event.objects.filter(pk=event_id, session_id=row.session_id).first()


def message_context(row, language, event=None):
    data = row.data or {}
    context = build_context(registration=row.registration, language=language, event=event)
    context["waiting"] = {"position": data.get("position") or ""}
    context["reason"] = data.get("reason", "")
    context["registration"] = {"pending": data.get("status") == RegistrationStatus.PENDING}
    if data.get("event"):
        event = Event.objects.filter(pk=data["event"]).select_related("session").first()
        if event is not None:
            context["event"] = build_context(registration=row.registration, language=language, event=event)["event"]
    if "items" in data:
        context["registrations"] = registrations_context(data["items"], language)
    session = row.session
    context["session"]["url"] = get_backend().workspace_url(session.workspace_key) if session.workspace_key else ""
    if row.trigger == NotificationTrigger.SESSION_ENDED:
        context["certificate"] = {"url": _certificate_url(row.registration)}
    if row.trigger in (NotificationTrigger.TRAINER_LEARNERS, NotificationTrigger.TRAINER_ROLL_CALL):
        context["learners"] = _learner_counts(session, data.get("event"))
    if row.trigger == NotificationTrigger.TRAINER_ROLL_CALL:
        context["roll_call"] = {"url": _roll_call_url(session)}
    if row.trigger == NotificationTrigger.TRAINER_LEARNERS:
        context["day"], context["changes"] = _day_changes(session, data.get("day"), language)
    return context


def _certificate_url(registration):
    """The verification page of the learner's latest session certificate, or '' if none was issued."""
    from .documents import verification_url

    code = (
        IssuedDocument.objects.filter(registration=registration, kind=DocumentKind.SESSION_CERTIFICATE)
        .order_by("-issued_at", "-pk")
        .values_list("verification_code", flat=True)
        .first()
    )
    return verification_url(code) if code else ""


def _roll_call_url(session):
    """The session's attendance grid in the admin, which its trainers may fill in."""
    from django.urls import NoReverseMatch, reverse

    from .documents import site_url

    try:
        return site_url() + reverse("admin:cursus_xblock_session_attendance", args=[session.pk])
    except NoReverseMatch:  # a host without our admin
        return ""


def _learner_counts(session, event_id=None):
    """The session's confirmed learners; those of the event (``expected``) when there is one."""
    confirmed = Registration.objects.filter(
        session=session, role=Role.LEARNER, status=RegistrationStatus.CONFIRMED
    ).count()
    expected = confirmed
    if event_id:
        expected = EventRegistration.objects.filter(
            event_id=event_id,
            status=RegistrationStatus.CONFIRMED,
            registration__status=RegistrationStatus.CONFIRMED,
            registration__role=Role.LEARNER,
        ).count()
    return {"confirmed": confirmed, "expected": expected}


def _day_changes(session, day, language):
    """(the day, as the session shows dates; what happened to its learners that day, in order), from the history."""
    day = datetime.date.fromisoformat(day) if day else timezone.localdate()
    _day, start, end = digest_day(session, datetime.datetime.combine(day, datetime.time(12), tzinfo=session.tzinfo))
    entries = (
        RegistrationHistory.objects.filter(
            registration__session=session,
            registration__role=Role.LEARNER,
            event_registration__isnull=True,
            created_at__gte=start,
            created_at__lt=end,
        )
        .exclude(reason=RETIRED_REASON)
        .select_related("registration__user", "actor")
        .order_by("created_at", "pk")
    )
    changes = []
    with translation.override(language):
        for entry in entries:
            trigger = trigger_of(
                registration=entry.registration, action=entry.action, new_value=entry.new_value, actor=entry.actor
            )
            if trigger not in _CHANGES:
                continue
            user = entry.registration.user
            changes.append(
                {
                    "time": moment(entry.created_at, session.tzinfo, language)["time"],
                    "person": user.get_full_name() or user.username,
                    "what": str(_CHANGES[trigger]),
                }
            )
        return moment(start, session.tzinfo, language)["date"], changes


def registrations_context(items, language):
    """The sessions a ``registered_many`` message lists, in date order, each with what became of it."""
    registrations = Registration.objects.select_related("session__course").in_bulk(
        [item["registration"] for item in items]
    )
    listed = []
    for item in items:
        registration = registrations.get(item["registration"])
        if registration is None:
            continue
        session, status = registration.session, item.get("status", "")
        with translation.override(language):
            outcome = str(_OUTCOMES.get(status, "")) % {"position": item.get("position") or ""}
        listed.append(
            {
                "session": {
                    "name": session.name,
                    "code": session.code,
                    "start": moment(session.start, session.tzinfo, language),
                    "end": moment(session.end, session.tzinfo, language),
                    "place": session.place,
                },
                "course": {"title": session.course.title, "code": session.course.code},
                "status": status,
                "position": item.get("position") or "",
                "outcome": outcome,
                "_start": session.start,
            }
        )
    listed.sort(key=lambda entry: entry.pop("_start"))
    return listed


def render(template, context):
    """(subject, text, html) of ``template`` with ``context``; ``TemplateError`` when it cannot be made."""
    subject = " ".join(render_template(template.subject, context, autoescape=False).split())
    text = render_template(template.body_text, context, autoescape=False)
    html = render_template(template.body_html, context) if template.body_html.strip() else ""
    return subject, text, html


def preview(template):
    """(subject, text, html) of ``template`` with sample values, for the admin; ``TemplateError`` if it fails."""
    from ..documents.placeholders import sample_context

    language = template.language or django_settings.LANGUAGE_CODE
    with translation.override(language):
        context = sample_context(DocumentKind.EVENT_INVITATION, language)
        context.update(waiting={"position": 3}, reason="", registration={"pending": False})
        context["session"]["url"] = "https://lms.example.org/courses/course-v1:Org+Course+Run/about"
        context.update(
            certificate={"url": context["verification"]["url"]},
            learners={"confirmed": 12, "expected": 11},
            roll_call={"url": "https://lms.example.org/admin/cursus_xblock/session/1/attendance/"},
            day=context["session"]["start"]["date"],
            changes=[
                {"time": "09:12", "person": "Agnès Martin", "what": str(_CHANGES[NotificationTrigger.REGISTERED])},
                {"time": "11:40", "person": "Paul Durand", "what": str(_CHANGES[NotificationTrigger.UNREGISTERED])},
            ],
        )
        context["registrations"] = [
            {
                "session": context["session"],
                "course": context["course"],
                "status": status,
                "position": 3 if status == RegistrationStatus.WAITING else "",
                "outcome": str(_OUTCOMES[status]) % {"position": 3},
            }
            for status in (RegistrationStatus.CONFIRMED, RegistrationStatus.WAITING)
        ]
        return render(template, context)


def build_message(row, language):
    event = _changed_event(row)
    with translation.override(language):
        subject, text, html = render(template_for(row.trigger, language), message_context(row, language, event))
    copy_to = "" if row.trigger in TRAINER_TRIGGERS else row.session.course.notification_copy_to
    message = EmailMultiAlternatives(
        subject=subject,
        body=text,
        from_email=django_settings.DEFAULT_FROM_EMAIL,
        to=[row.user.email],
        cc=[copy_to] if copy_to and copy_to.lower() != row.user.email.lower() else [],
    )
    if html:
        message.attach_alternative(html, "text/html")
    if row.trigger == NotificationTrigger.DETAILS_CHANGED and _was_invited(row.registration):
        from .documents import calendar_for

        # The invitation's UIDs with the current SEQUENCE: the calendar entry moves instead of doubling.
        message.attach("invitation.ics", calendar_for(row.registration, event=event), "text/calendar; method=REQUEST")
    elif row.trigger == NotificationTrigger.SESSION_CANCELLED and _was_invited(row.registration):
        from .documents import calendar_for

        # The invitation's UIDs, METHOD:CANCEL: the entries leave the person's calendar.
        message.attach(
            "cancellation.ics", calendar_for(row.registration, cancelled=True), "text/calendar; method=CANCEL"
        )
    return message


def _was_invited(registration):
    """Only a calendar that holds the invitation's entries is updated: nobody else gets one out of the blue."""
    return (
        registration is not None
        and registration.status in ACTIVE_STATUSES
        and IssuedDocument.objects.filter(
            registration=registration, kind__in=(DocumentKind.SESSION_INVITATION, DocumentKind.EVENT_INVITATION)
        ).exists()
    )
