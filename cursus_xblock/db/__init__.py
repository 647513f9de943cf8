"""SQLite for hosts that run on it (the demo, a plain Django project): concurrent writes wait.

SQLite lets one connection write at a time. Django's default ``BEGIN`` (``DEFERRED``) takes the
write lock only at the transaction's first write; two requests that both read first (the session's
seats, say) and then both write deadlock, and SQLite fails one at once with ``database is locked``,
whatever the busy timeout. ``BEGIN IMMEDIATE`` takes the write lock at the start, so transactions
queue for up to ``timeout`` seconds instead. Django 5.1+ does it with the ``transaction_mode``
option; on Django 4.2 the ``cursus_xblock.db.sqlite3`` backend (Django's, with that option) does.
``sqlite_database`` gives the right entry for the running Django::

    from cursus_xblock.db import sqlite_database
    DATABASES = {"default": sqlite_database(BASE_DIR / "db.sqlite3")}

A lock still held past the timeout becomes a 503 with a message, not a 500:
``cursus_xblock.web.middleware.DatabaseBusyMiddleware``.
"""

import django

#: Seconds a connection waits for another one's write lock before giving up.
DEFAULT_TIMEOUT = 20
#: Django's own backend once it has ``OPTIONS["transaction_mode"]`` (5.1), ours before.
ENGINE = "django.db.backends.sqlite3" if django.VERSION >= (5, 1) else "cursus_xblock.db.sqlite3"


def sqlite_database(name=None, *, timeout=DEFAULT_TIMEOUT, **entry):
    """A ``DATABASES`` entry for the SQLite file ``name``: ``BEGIN IMMEDIATE`` and a busy timeout.

    Other keys of the entry (``TEST``, ``ATOMIC_REQUESTS`` …) are given as keyword arguments.
    """
    options = {"timeout": timeout, "transaction_mode": "IMMEDIATE", **entry.pop("OPTIONS", {})}
    database = {"ENGINE": ENGINE, "OPTIONS": options, **entry}
    if name is not None:
        database["NAME"] = name
    return database


def is_database_locked(exc):
    """Whether ``exc`` is SQLite giving up on another connection's lock (after the busy timeout)."""
    from django.db import OperationalError

    message = str(exc)
    return isinstance(exc, OperationalError) and ("database is locked" in message or "table is locked" in message)
