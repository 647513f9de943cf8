"""One message per person for a call that registers them in several sessions (issue 17, items 4–5).

The picker, ``register(user, sessions=[…])``, a group's registration or an import register a
person in many sessions at once, and each registration queued its own message: three sessions were
three e-mails. The messages of one ``history.record`` call are already one per person
(``notifications.one_per_person``); an import registers session by session, in several calls, so
a service call that may span several runs inside ``one_message_per_person``, which notes the
messages queued during it (``collect``, from ``history.record``). At its end, still inside the
call's transaction, a person's messages from several calls are replaced by one ``registered_many``
message listing each session and what became of it. The rows are read back from the database, so
the messages of a savepoint rolled back inside the call (a workspace that refused someone) are not
listed. A person registered in one session keeps the message of that session.
"""

import contextlib
import contextvars
import functools
from collections import defaultdict

from ..models import Notification, NotificationStatus, NotificationTrigger
from . import notifications

#: The messages one person may get from a registration call, gathered into one.
GATHERED = (*notifications.GATHERED, NotificationTrigger.REGISTERED_MANY)
#: Registrations read back per query (keeps each query's parameters well under every database's limit).
CHUNK = 500

_collected = contextvars.ContextVar("cursus_grouped_notifications", default=None)


@contextlib.contextmanager
def one_message_per_person():
    """Gather the registration messages queued inside into one per person (the outermost block does it)."""
    if _collected.get() is not None:
        yield
        return
    token = _collected.set([])
    try:
        yield
        rows = _collected.get()
    finally:
        _collected.reset(token)
    _gather(rows)


def grouped(function):
    """Run a service function inside ``one_message_per_person`` (put it inside the transaction)."""

    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        with one_message_per_person():
            return function(*args, **kwargs)

    return wrapper


def collect(rows):
    """Note the rows ``queue_recorded`` queued, when a call gathers them."""
    collected = _collected.get()
    if collected is not None:
        collected.extend(row for row in rows if row.trigger in GATHERED)


def _gather(rows):
    """Merge, in the database, the messages a person got from two calls or more inside the block.

    Each call already made its own messages one per person (``notifications.one_per_person``), so
    this reads and writes only for people with messages from several calls (an import's sessions).
    """
    by_person = defaultdict(list)
    for row in rows:
        by_person[row.user_id].append(row)
    wanted = {
        (row.user_id, row.trigger, row.object_key, row.version)
        for rows_of in by_person.values()
        if len(rows_of) > 1
        for row in rows_of
    }
    if not wanted:
        return
    registration_ids = sorted({row.registration_id for row in rows if row.user_id in {key[0] for key in wanted}})
    found = []
    for start in range(0, len(registration_ids), CHUNK):
        found += [
            row
            for row in Notification.objects.filter(
                registration_id__in=registration_ids[start : start + CHUNK],
                trigger__in=GATHERED,
                status=NotificationStatus.PENDING,
            ).order_by("pk")
            if (row.user_id, row.trigger, row.object_key, row.version) in wanted
        ]
    result = notifications.one_per_person(found)
    kept = {row.pk for row in result if row.pk is not None}
    replaced = [row.pk for row in found if row.pk not in kept]
    for start in range(0, len(replaced), CHUNK):
        Notification.objects.filter(pk__in=replaced[start : start + CHUNK]).delete()
    notifications.queue_rows([row for row in result if row.pk is None])
