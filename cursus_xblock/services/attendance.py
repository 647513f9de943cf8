"""Recording who was at an event (présence): one participant, or a séance's roll call at once.

A state other than « unknown » also validates the learner's self check-in signature, if they
signed (``services/checkin.py``): the trainer has reviewed it.

The rules a trainer expects: a séance not started yet takes no present/absent (only a reset to
« unknown », to undo a slip); only confirmed event registrations of confirmed registrations count
(a cancelled one keeps the attendance it had); every change is a history row with actor and time.
"""

from typing import NamedTuple

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..models import Attendance, EventRegistration, HistoryAction, RegistrationStatus, Role, Signature, SignatureRole
from . import history
from .outcomes import EVENT_NOT_STARTED, NOT_ACTIVE_EVENT, RegistrationError

BAD_STATE = _("Unknown attendance state: %(state)s.")
NOT_A_LEARNER_OF_EVENT = _("%(ids)s: not a confirmed learner of this event.")


class RollCall(NamedTuple):
    """What a roll call did: rows changed (each in the history) and rows already in that state."""

    changed: int
    unchanged: int


def _state(value):
    try:
        return Attendance(value)
    except ValueError:
        raise RegistrationError(BAD_STATE % {"state": value}, code="bad_state") from None


def _active(row):
    return row.status == RegistrationStatus.CONFIRMED and row.registration.status == RegistrationStatus.CONFIRMED


def _apply(rows_and_states, *, actor, reason, now):
    """Save the rows whose state changes and write one history row each."""
    entries, changed, reviewed = [], [], []
    for row, state in rows_and_states:
        old = row.attendance
        if state != Attendance.UNKNOWN:
            reviewed.append(row.pk)
        if old == state:
            continue
        row.attendance, row.attendance_by, row.attendance_at = state, actor, now
        changed.append(row)
        entries.append(
            history.entry(
                registration=row.registration,
                event_registration=row,
                action=HistoryAction.ATTENDANCE,
                old_value=old,
                new_value=state,
                actor=actor,
                reason=reason,
                when=now,
            )
        )
    for row in changed:
        row.save(update_fields=["attendance", "attendance_by", "attendance_at", "updated_at"])
    history.record(entries)
    if reviewed:  # a trainer recording a state is their review of the learner's signature, if any
        Signature.objects.filter(
            event_registration_id__in=reviewed, role=SignatureRole.LEARNER, validated_at__isnull=True
        ).update(validated_by=actor, validated_at=now)
    return len(changed)


@transaction.atomic
def attendance_mark(*, event_registration, state, actor=None, reason=""):
    """Set the attendance of one participant at one event; recorded in the history when it changes."""
    now = timezone.now()
    state = _state(state)
    event_registration = (
        EventRegistration.objects.select_for_update()
        .select_related("event", "registration")
        .get(pk=event_registration.pk)
    )
    if not _active(event_registration):
        raise RegistrationError(NOT_ACTIVE_EVENT, code="not_confirmed")
    if state != Attendance.UNKNOWN and event_registration.event.start > now:
        raise RegistrationError(EVENT_NOT_STARTED, code="event_not_started")
    _apply([(event_registration, state)], actor=actor, reason=reason, now=now)
    return event_registration


@transaction.atomic
def attendance_mark_many(*, event, marks, actor=None, reason=""):
    """The roll call of one séance: ``marks`` maps event-registration ids to states; all or nothing.

    All or nothing because a trainer submits a sheet: half of it saved with an error about the rest
    would leave them guessing which rows to enter again. Only the séance's confirmed learners.
    """
    now = timezone.now()
    wanted = {int(pk): _state(state) for pk, state in dict(marks).items()}
    rows = {
        row.pk: row
        for row in EventRegistration.objects.select_for_update()
        .select_related("registration")
        .filter(pk__in=list(wanted), event=event)
        .order_by("pk")
    }
    refused = sorted(
        pk for pk in wanted if pk not in rows or rows[pk].registration.role != Role.LEARNER or not _active(rows[pk])
    )
    if refused:
        raise RegistrationError(NOT_A_LEARNER_OF_EVENT % {"ids": ", ".join(map(str, refused))}, code="not_registered")
    if event.start > now and any(state != Attendance.UNKNOWN for state in wanted.values()):
        raise RegistrationError(EVENT_NOT_STARTED, code="event_not_started")
    changed = _apply(((rows[pk], wanted[pk]) for pk in sorted(wanted)), actor=actor, reason=reason, now=now)
    return RollCall(changed=changed, unchanged=len(wanted) - changed)
