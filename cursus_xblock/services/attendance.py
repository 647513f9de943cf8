"""Recording who was at an event (présence)."""

from django.db import transaction
from django.utils import timezone

from ..models import Attendance, EventRegistration, HistoryAction, RegistrationStatus
from . import history
from .outcomes import EVENT_NOT_STARTED, NOT_ACTIVE_EVENT, RegistrationError


@transaction.atomic
def attendance_mark(*, event_registration, state, actor=None, reason=""):
    """Set the attendance of one participant at one event; recorded in the history when it changes."""
    now = timezone.now()
    state = Attendance(state)
    event_registration = (
        EventRegistration.objects.select_for_update()
        .select_related("event", "registration")
        .get(pk=event_registration.pk)
    )
    if event_registration.status != RegistrationStatus.CONFIRMED:
        raise RegistrationError(NOT_ACTIVE_EVENT, code="not_confirmed")
    if state != Attendance.UNKNOWN and event_registration.event.start > now:
        raise RegistrationError(EVENT_NOT_STARTED, code="event_not_started")
    old = event_registration.attendance
    if old == state:
        return event_registration
    event_registration.attendance = state
    event_registration.attendance_by, event_registration.attendance_at = actor, now
    event_registration.save(update_fields=["attendance", "attendance_by", "attendance_at", "updated_at"])
    history.record(
        [
            history.entry(
                registration=event_registration.registration,
                event_registration=event_registration,
                action=HistoryAction.ATTENDANCE,
                old_value=old,
                new_value=state,
                actor=actor,
                reason=reason,
                when=now,
            )
        ]
    )
    return event_registration
