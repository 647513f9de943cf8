"""Django's SQLite backend with ``OPTIONS["transaction_mode"]`` on Django 4.2, as 5.1 added it.

With ``"IMMEDIATE"`` a transaction takes SQLite's write lock at ``BEGIN``, so concurrent writers
wait for each other (up to ``OPTIONS["timeout"]``) instead of failing at once when both read
first. On Django 5.1+ this is Django's own backend, unchanged.
"""

import django
from django.core.exceptions import ImproperlyConfigured
from django.db.backends.sqlite3 import base

TRANSACTION_MODES = frozenset(["DEFERRED", "EXCLUSIVE", "IMMEDIATE"])


if django.VERSION >= (5, 1):

    class DatabaseWrapper(base.DatabaseWrapper):
        pass

else:

    class DatabaseWrapper(base.DatabaseWrapper):
        transaction_mode = None

        def get_connection_params(self):
            kwargs = super().get_connection_params()
            mode = kwargs.pop("transaction_mode", None)
            if mode is not None and mode.upper() not in TRANSACTION_MODES:
                raise ImproperlyConfigured(
                    f"settings.DATABASES[{self.alias!r}]['OPTIONS']['transaction_mode'] is {mode!r}: "
                    f"use one of {', '.join(sorted(TRANSACTION_MODES))}, or None."
                )
            self.transaction_mode = mode.upper() if mode else None
            return kwargs

        def _start_transaction_under_autocommit(self):
            if self.transaction_mode is None:
                super()._start_transaction_under_autocommit()
            else:
                self.cursor().execute(f"BEGIN {self.transaction_mode}")
