"""Signals other apps hook into. Sent only after the change is committed."""

from django.dispatch import Signal

#: Sent once per recorded change, after commit, with ``sender=Registration`` and keyword
#: arguments ``registration``, ``event_registration`` (or None), ``action`` (a HistoryAction
#: value), ``old_value``, ``new_value``, ``actor``, ``reason``, ``created_at`` (when the history entry was
#: written: with the registration, it names the change) and ``notify`` (False when an administrator
#: asked not to notify the person).
registration_changed = Signal()

#: Sent once, after commit, when a session is cancelled (its status set to cancelled), with
#: ``sender=Session`` and keyword arguments ``session``, ``actor``, ``created_at`` (when: with the
#: session, it names the cancellation) and ``notify`` (False when an administrator asked not to).
session_cancelled = Signal()
