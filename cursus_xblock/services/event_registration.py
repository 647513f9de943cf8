"""Registering session participants in events (séances): manual events, automatic ones, their waiting lists.

A person registers in an event only through a confirmed session registration; automatic events
follow the session registration (``register_auto_events`` on confirmation,
``cancel_event_registrations`` on cancellation), called by ``registration`` under its locks.
"""

from django.db import transaction
from django.db.models import Count, Max, Q
from django.utils import timezone

from ..models import (
    ACTIVE_STATUSES,
    Event,
    EventRegistration,
    EventRegistrationType,
    HistoryAction,
    Registration,
    RegistrationStatus,
    Role,
)
from . import history
from .capacity import session_refusal
from .deadlocks import retry_deadlock
from .locks import lock_sessions
from .outcomes import Refusal, RegistrationOutcome, Result, UnregisterOutcome

_RESULT_OF_STATUS = {
    RegistrationStatus.CONFIRMED: Result.REGISTERED,
    RegistrationStatus.PENDING: Result.PENDING,
    RegistrationStatus.WAITING: Result.WAITING,
}


@retry_deadlock
@transaction.atomic
def register_to_events(*, registration, events, actor=None, reason=""):
    """Register a confirmed session participant to events of that session; one outcome per event."""
    (session,) = lock_sessions([registration.session_id]).values()
    registration = Registration.objects.select_related("user").get(pk=registration.pk)
    registration.session = session
    event_ids = [getattr(event, "pk", event) for event in events]
    locked = {e.pk: e for e in Event.objects.select_for_update().filter(pk__in=event_ids).order_by("pk")}
    missing = set(event_ids) - set(locked)
    if missing:
        raise Event.DoesNotExist(f"Unknown events: {sorted(missing)}")
    now = timezone.now()
    existing = {
        er.event_id: er for er in EventRegistration.objects.filter(registration=registration, event_id__in=locked)
    }
    outcomes = []
    for event_id in dict.fromkeys(event_ids):
        event = locked[event_id]
        outcomes.append(_register_to_event(registration, event, existing.get(event_id), actor, reason, now))
    return outcomes


@retry_deadlock
@transaction.atomic
def unregister_from_event(*, event_registration, actor=None, reason=""):
    """Cancel one event registration; a freed seat of a manual event goes to its waiting list."""
    event = Event.objects.select_for_update().get(pk=event_registration.event_id)
    now = timezone.now()
    event_registration = EventRegistration.objects.select_related("registration").get(pk=event_registration.pk)
    previous = event_registration.status
    if previous == RegistrationStatus.CANCELLED:
        return UnregisterOutcome(registration=event_registration, previous_status=previous, changed=False)
    _set_event_status([event_registration], RegistrationStatus.CANCELLED, HistoryAction.CANCELLED, actor, reason, now)
    promoted = []
    if previous == RegistrationStatus.CONFIRMED:
        promoted = _promote_event_waiting(event, actor, now)
    return UnregisterOutcome(registration=event_registration, previous_status=previous, changed=True, promoted=promoted)


def register_auto_events(registrations, actor, now, reason=""):
    """Confirmed registrations, of any sessions, join their sessions' automatic events still to end."""
    session_ids = {r.session_id for r in registrations}
    events = list(
        Event.objects.filter(session_id__in=session_ids, registration_type=EventRegistrationType.AUTO, end__gt=now)
    )
    if not events:
        return
    events_of = {}
    for event in events:
        events_of.setdefault(event.session_id, []).append(event)
    reg_ids = [r.pk for r in registrations if r.session_id in events_of]
    existing = {
        (er.registration_id, er.event_id): er
        for er in EventRegistration.objects.filter(registration_id__in=reg_ids, event__in=events)
    }
    to_create, to_update, previous = [], [], {}
    for registration in registrations:
        for event in events_of.get(registration.session_id, ()):
            current = existing.get((registration.pk, event.pk))
            if current is None:
                current = EventRegistration(registration=registration, event=event)
                to_create.append(current)
            elif current.status == RegistrationStatus.CANCELLED:
                previous[(registration.pk, event.pk)] = current.status
                to_update.append(current)
            else:
                continue
            current.status, current.waiting_order = RegistrationStatus.CONFIRMED, None
            current.registered_by, current.registered_at, current.updated_at = actor, now, now
    changed = to_create + to_update
    if not changed:
        return
    EventRegistration.objects.bulk_create(to_create)
    EventRegistration.objects.bulk_update(
        to_update, ["status", "waiting_order", "registered_by", "registered_at", "updated_at"]
    )
    saved = {
        (er.registration_id, er.event_id): er
        for er in EventRegistration.objects.filter(registration_id__in=reg_ids, event__in=events)
    }
    registrations_by_id = {r.pk: r for r in registrations}
    history.record(
        history.entry(
            registration=registrations_by_id[er.registration_id],
            event_registration=saved[(er.registration_id, er.event_id)],
            action=HistoryAction.REGISTERED,
            old_value=previous.get((er.registration_id, er.event_id), ""),
            new_value=RegistrationStatus.CONFIRMED,
            actor=actor,
            reason=reason,
            when=now,
        )
        for er in changed
    )


def _register_to_event(registration, event, current, actor, reason, now):
    session = registration.session

    def outcome(result, **kwargs):
        return RegistrationOutcome(
            user=registration.user, session=session, event=event, registration=registration, result=result, **kwargs
        )

    if current is not None and current.status in ACTIVE_STATUSES:
        return outcome(Result.ALREADY_REGISTERED, event_registration=current, position=_event_position(current))
    if event.session_id != registration.session_id:
        return outcome(Result.REFUSED, refusal=Refusal.NOT_IN_SESSION, message=Refusal.NOT_IN_SESSION.label)
    if registration.status != RegistrationStatus.CONFIRMED:
        return outcome(Result.REFUSED, refusal=Refusal.NOT_CONFIRMED, message=Refusal.NOT_CONFIRMED.label)
    refusal = session_refusal(session, now) or (Refusal.EVENT_ENDED if event.end <= now else "")
    if refusal:
        return outcome(Result.REFUSED, refusal=refusal, message=Refusal(refusal).label)

    status, order = RegistrationStatus.CONFIRMED, None
    limited = event.capacity is not None and registration.role == Role.LEARNER
    if limited:
        counts = EventRegistration.objects.filter(event=event).aggregate(
            taken=Count("pk", filter=Q(status=RegistrationStatus.CONFIRMED, registration__role=Role.LEARNER)),
            last_order=Max("waiting_order"),
        )
        if counts["taken"] >= event.capacity:
            if not session.waiting_list_enabled:
                return outcome(Result.REFUSED, refusal=Refusal.EVENT_FULL, message=Refusal.EVENT_FULL.label)
            status, order = RegistrationStatus.WAITING, (counts["last_order"] or 0) + 1
    old = ""
    if current is None:
        current = EventRegistration(registration=registration, event=event)
    else:
        old = current.status
    current.status, current.waiting_order = status, order
    current.registered_by, current.registered_at = actor, now
    current.save()
    history.record(
        [
            history.entry(
                registration=registration,
                event_registration=current,
                action=HistoryAction.REGISTERED,
                old_value=old,
                new_value=status,
                actor=actor,
                reason=reason,
                when=now,
            )
        ]
    )
    return outcome(_RESULT_OF_STATUS[status], event_registration=current, position=_event_position(current))


def _event_position(event_registration):
    if event_registration.status != RegistrationStatus.WAITING:
        return None
    return (
        EventRegistration.objects.filter(
            event_id=event_registration.event_id,
            status=RegistrationStatus.WAITING,
            waiting_order__lt=event_registration.waiting_order,
        ).count()
        + 1
    )


def _set_event_status(event_registrations, status, action, actor, reason, now):
    old = {er.pk: er.status for er in event_registrations}
    for er in event_registrations:
        er.status, er.waiting_order = status, None
        er.updated_at = now
    EventRegistration.objects.bulk_update(event_registrations, ["status", "waiting_order", "updated_at"])
    history.record(
        history.entry(
            registration=er.registration,
            event_registration=er,
            action=action,
            old_value=old[er.pk],
            new_value=status,
            actor=actor,
            reason=reason,
            when=now,
        )
        for er in event_registrations
    )


def cancel_event_registrations(registration, actor, reason, now):
    active = list(
        EventRegistration.objects.select_related("event").filter(registration=registration, status__in=ACTIVE_STATUSES)
    )
    for er in active:
        er.registration = registration
    freed = [er.event for er in active if er.status == RegistrationStatus.CONFIRMED and er.event.capacity is not None]
    _set_event_status(active, RegistrationStatus.CANCELLED, HistoryAction.CANCELLED, actor, reason, now)
    for event in sorted(freed, key=lambda e: e.pk):
        locked = Event.objects.select_for_update().get(pk=event.pk)
        _promote_event_waiting(locked, actor, now)


def _promote_event_waiting(event, actor, now):
    if event.capacity is None or event.start <= now:
        return []
    taken = EventRegistration.objects.filter(
        event=event, status=RegistrationStatus.CONFIRMED, registration__role=Role.LEARNER
    ).count()
    free = event.capacity - taken
    if free <= 0:
        return []
    waiting = list(
        EventRegistration.objects.select_related("registration")
        .filter(event=event, status=RegistrationStatus.WAITING)
        .order_by("waiting_order", "pk")[:free]
    )
    _set_event_status(waiting, RegistrationStatus.CONFIRMED, HistoryAction.PROMOTED, actor, "", now)
    return waiting
