"""Running a service call again when the database picks it as the victim of a deadlock.

The locks are taken in one order (``locks.py``), yet InnoDB (MariaDB, MySQL) also locks index gaps
on insert and update, so two transactions writing near each other can still wait for each other;
the server then aborts one (MySQL error 1213, PostgreSQL SQLSTATE 40P01). Their documented remedy
is to run the aborted transaction again: nothing of it was kept, and its after-commit work (the
``registration_changed`` signal, notifications) was discarded with it. Only the outermost call can
be run again: inside a caller's transaction (a host with ``ATOMIC_REQUESTS``) the error goes up to
that caller, whose transaction is lost too.
"""

import functools

from django.db import OperationalError, transaction

ATTEMPTS = 3
_MYSQL_DEADLOCK = 1213
_POSTGRESQL_DEADLOCK = "40P01"


def is_deadlock(error):
    cause = error.__cause__
    if getattr(cause, "sqlstate", None) == _POSTGRESQL_DEADLOCK:
        return True
    return bool(error.args) and error.args[0] == _MYSQL_DEADLOCK


def retry_deadlock(function):
    """Decorate an atomic service call: a deadlock victim runs again, twice at most."""

    @functools.wraps(function)
    def call(*args, **kwargs):
        outermost = not transaction.get_connection().in_atomic_block
        for attempt in range(1, ATTEMPTS + 1):
            try:
                return function(*args, **kwargs)
            except OperationalError as error:
                if not outermost or attempt == ATTEMPTS or not is_deadlock(error):
                    raise

    return call
