"""Signals other apps hook into. Sent only after the change is committed."""

from django.dispatch import Signal

#: Sent once per recorded change, after commit, with ``sender=Registration`` and keyword
#: arguments ``registration``, ``event_registration`` (or None), ``action`` (a HistoryAction
#: value), ``old_value``, ``new_value``, ``actor`` and ``reason``.
registration_changed = Signal()
