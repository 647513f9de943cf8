"""Writing the registration history, and announcing each change once it is committed."""

from functools import partial

from django.db import transaction

from ..models import Registration, RegistrationHistory
from ..signals import registration_changed


def entry(*, registration, action, old_value, new_value, actor, reason="", event_registration=None, when=None):
    """An unsaved history row; ``record`` saves many in one query."""
    fields = {
        "registration": registration,
        "event_registration": event_registration,
        "action": action,
        "old_value": old_value or "",
        "new_value": new_value,
        "actor": actor,
        "reason": reason or "",
    }
    if when is not None:
        fields["created_at"] = when
    return RegistrationHistory(**fields)


def record(entries):
    entries = list(entries)
    if not entries:
        return
    RegistrationHistory.objects.bulk_create(entries)
    for item in entries:
        transaction.on_commit(partial(_announce, item))


def _announce(item):
    registration_changed.send(
        sender=Registration,
        registration=item.registration,
        event_registration=item.event_registration,
        action=item.action,
        old_value=item.old_value,
        new_value=item.new_value,
        actor=item.actor,
        reason=item.reason,
    )
