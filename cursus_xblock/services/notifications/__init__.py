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

from .delivery import (
    CLAIM,
    INACTIVE,
    NO_EMAIL,
    can_receive,
    deliver,
    person_language,
    retry_delay,
    send_due,
)
from .queueing import (
    GATHERED,
    SEND_TASK,
    TRAINER_TRIGGERS,
    digest_day,
    enabled_of,
    is_enabled,
    one_per_person,
    publish,
    queue_details_changed,
    queue_recorded,
    queue_rows,
    queue_session_cancelled,
    resend,
    trainer_trigger_of,
    trigger_of,
)
from .texts import (
    DEFAULTS,
    build_message,
    default_texts,
    message_context,
    preview,
    registrations_context,
    render,
    template_for,
)

__all__ = [
    "CLAIM",
    "DEFAULTS",
    "GATHERED",
    "INACTIVE",
    "NO_EMAIL",
    "SEND_TASK",
    "TRAINER_TRIGGERS",
    "build_message",
    "can_receive",
    "default_texts",
    "deliver",
    "digest_day",
    "enabled_of",
    "is_enabled",
    "message_context",
    "one_per_person",
    "person_language",
    "preview",
    "publish",
    "queue_details_changed",
    "queue_recorded",
    "queue_rows",
    "queue_session_cancelled",
    "registrations_context",
    "render",
    "resend",
    "retry_delay",
    "send_due",
    "template_for",
    "trainer_trigger_of",
    "trigger_of",
]
