"""Registering people in sessions: capacity, waiting list, validation, workspace roles.

The rules are the session's here; events have their own module (``event_registration``), seats
and dates theirs (``capacity``), the locks theirs (``locks``), status changes and the waiting
list moving theirs (``transitions``).

Every public function runs in one transaction. Sessions are locked (``SELECT … FOR UPDATE``, in
id order so two calls never deadlock) before seats are counted, so concurrent calls on
PostgreSQL or MySQL cannot overbook. The workspace roles a call may give or take are locked
next, one row per (person, workspace, role), because sessions sharing a workspace do not share a
lock (``lock_workspace_roles``). The time is read after the locks, so the dates written follow
the order in which calls got them. All sessions and people of a call go in one batch, in one
savepoint, with a number of queries that grows with neither. A workspace that refuses a user
(``WorkspaceRefused``) rolls that batch back, and each session is tried again in its own
savepoint: the refusal turns into a refused outcome for that session (and person) alone, while
any other error rolls the whole call back.
"""

from django.db import IntegrityError, transaction
from django.utils import timezone

from ..backends import WorkspaceRefused
from ..models import (
    ACTIVE_STATUSES,
    SEAT_STATUSES,
    HistoryAction,
    Registration,
    RegistrationStatus,
    Role,
    Session,
    SessionStatus,
)
from . import history, schedule
from .capacity import admission, has_room, seat_counts_of, session_refusal, waiting_positions_of
from .deadlocks import retry_deadlock
from .event_registration import cancel_event_registrations
from .locks import lock_roles_of, lock_sessions, lock_workspace_roles, role_key
from .notification_groups import grouped
from .outcomes import (
    NO_SELF_REGISTRATION,
    NO_SELF_UNREGISTRATION,
    NOT_PENDING,
    SESSION_STARTED,
    TRAINER_OF_SESSION,
    TRAINERS_BY_MANAGERS,
    Refusal,
    RegistrationError,
    RegistrationOutcome,
    Result,
    UnregisterOutcome,
)
from .transitions import on_confirmed, promote_waiting_list, revoke_if_last, set_status

_RESULT_OF_STATUS = {
    RegistrationStatus.CONFIRMED: Result.REGISTERED,
    RegistrationStatus.PENDING: Result.PENDING,
    RegistrationStatus.WAITING: Result.WAITING,
}


# --- public API ---------------------------------------------------------------------------


@history.notify_keyword
@retry_deadlock
@transaction.atomic
@grouped
def register(*, user, sessions, role, actor=None, reason=""):
    """Register one user in several sessions; one outcome per session, in the order given."""
    sessions = _ordered_unique(sessions, lock_sessions(sessions))
    lock_roles_of([user], sessions, role)
    now = timezone.now()
    return [o for outcomes in _register_in_sessions(sessions, [user], role, actor, reason, now) for o in outcomes]


@history.notify_keyword
@retry_deadlock
@transaction.atomic
def register_users(*, session, users, role, actor=None, reason=""):
    """Register many users in one session with a bounded number of queries; one outcome per user."""
    (locked,) = lock_sessions([session]).values()
    users = _unique_users(users)
    lock_roles_of(users, [locked], role)
    now = timezone.now()
    (outcomes,) = _register_in_sessions([locked], users, role, actor, reason, now)
    return outcomes


def self_register(*, user, session):
    """A learner registering themselves (API, XBlock): only where the session allows it.

    Capacity, waiting list and validation then apply as for anyone; the outcome says which.
    """
    roles = Registration.objects.filter(user=user, session=session, status__in=ACTIVE_STATUSES).values_list(
        "role", flat=True
    )
    error = self_registration_error(session, active_roles=set(roles))
    if error is not None:
        raise error
    (outcome,) = register(user=user, sessions=[session], role=Role.LEARNER, actor=user)
    return outcome


def self_unregister(*, registration, reason=""):
    """A learner leaving a session themselves: where the session allows it, and before it starts."""
    error = self_unregistration_error(registration)
    if error is not None:
        raise error
    return unregister(registration=registration, actor=registration.user, reason=reason)


def self_registration_error(session, *, active_roles):
    """Why ``self_register`` refuses this person before counting seats (a ``RegistrationError``), or None.

    ``active_roles``: the roles the person already holds in the session.
    """
    if not session.self_registration:
        return RegistrationError(NO_SELF_REGISTRATION, code="not_allowed")
    if Role.TRAINER in active_roles:
        return RegistrationError(TRAINER_OF_SESSION, code="not_allowed")
    return None


def self_unregistration_error(registration, now=None):
    """Why ``self_unregister`` refuses this registration (a ``RegistrationError``), or None."""
    session = registration.session
    if registration.role != Role.LEARNER:
        return RegistrationError(TRAINERS_BY_MANAGERS, code="not_allowed")
    if not session.self_unregistration:
        return RegistrationError(NO_SELF_UNREGISTRATION, code="not_allowed")
    if registration.status != RegistrationStatus.CANCELLED and session.has_started(now):
        return RegistrationError(SESSION_STARTED, code="session_started")
    return None


def offers_self_registration(session, *, seats_taken, active_roles, now=None):
    """Whether a Register button belongs beside the session: what ``self_register`` would take now.

    Read without a lock, for display; ``self_register`` decides again under it.
    """
    if active_roles or self_registration_error(session, active_roles=active_roles) or session_refusal(session, now):
        return False
    return has_room(session, Role.LEARNER, seats_taken)


@history.notify_keyword
@retry_deadlock
@transaction.atomic
@grouped
def register_users_in_sessions(*, sessions, users, role, actor=None, reason=""):
    """Register many users (a group's members) in several sessions: [(session, outcomes per user)].

    Sessions are locked in id order up front, like ``register``; all of it or, on an error, none.
    """
    sessions = _ordered_unique(sessions, lock_sessions(sessions))
    users = _unique_users(users)
    lock_roles_of(users, sessions, role)
    now = timezone.now()
    return list(zip(sessions, _register_in_sessions(sessions, users, role, actor, reason, now), strict=True))


@history.notify_keyword
@retry_deadlock
@transaction.atomic
def unregister(*, registration, actor=None, reason=""):
    """Cancel a registration (the row stays), its events, its workspace role; promote the waiting list."""
    (session,) = lock_sessions([registration.session_id]).values()
    now = timezone.now()
    registration = Registration.objects.select_related("user").get(pk=registration.pk)
    registration.session = session
    previous = registration.status
    if previous == RegistrationStatus.CANCELLED:
        return UnregisterOutcome(registration=registration, previous_status=previous, changed=False)
    set_status(registration, RegistrationStatus.CANCELLED, HistoryAction.CANCELLED, actor, reason, now)
    cancel_event_registrations(registration, actor, reason, now)
    # Whether to keep the role is decided under its lock, taken in one statement with those of the
    # people promoted into the freed seat (one order for all: see ``lock_workspace_roles``).
    own_role = [role_key(registration.user_id, session, registration.role)]
    if previous != RegistrationStatus.CONFIRMED:
        own_role = []
    promoted = []
    if registration.role == Role.LEARNER and previous in SEAT_STATUSES:
        promoted = promote_waiting_list(session, actor, now, lock_too=own_role)
    else:
        lock_workspace_roles(own_role)
    if own_role:
        revoke_if_last(registration)
    return UnregisterOutcome(registration=registration, previous_status=previous, changed=True, promoted=promoted)


@history.notify_keyword
@retry_deadlock
@transaction.atomic
def validate(*, registration, actor=None, reason=""):
    """Confirm a registration pending validation: it gets its workspace role and its events."""
    (session,) = lock_sessions([registration.session_id]).values()
    registration = _pending(registration)
    registration.session = session
    lock_workspace_roles([role_key(registration.user_id, session, registration.role)])
    now = timezone.now()
    set_status(registration, RegistrationStatus.CONFIRMED, HistoryAction.VALIDATED, actor, reason, now)
    try:
        on_confirmed([registration], actor, now, reason)
    except WorkspaceRefused as exc:
        raise RegistrationError(exc.message, code=exc.code) from exc
    return registration


@history.notify_keyword
@retry_deadlock
@transaction.atomic
def refuse(*, registration, actor=None, reason=""):
    """Refuse a registration pending validation; its seat goes to the waiting list."""
    (session,) = lock_sessions([registration.session_id]).values()
    now = timezone.now()
    registration = _pending(registration)
    set_status(registration, RegistrationStatus.CANCELLED, HistoryAction.REFUSED, actor, reason, now)
    promote_waiting_list(session, actor, now)
    return registration


@history.notify_keyword
@retry_deadlock
@transaction.atomic
def promote_waiting(*, session, actor=None):
    """Fill free seats from the waiting list; the promoted rows. ``session_update`` calls it for a changed session."""
    (session,) = lock_sessions([session]).values()
    return promote_waiting_list(session, actor, timezone.now())


#: What ``session_update`` may change: the fields an administrator edits.
SESSION_FIELDS = frozenset(
    field.name
    for field in Session._meta.concrete_fields
    if field.editable and not field.primary_key and field.name not in ("created_at", "updated_at")
)


@history.notify_keyword
@retry_deadlock
@transaction.atomic
def session_update(*, session, actor=None, **changes):
    """Save a session under its lock, then give the seats that are free to the waiting list.

    A raised or removed capacity, a reopened session, later dates: many changes free seats, and
    rather than guess which, the waiting list is offered whatever is free after the save, as when
    someone leaves (nothing happens when nothing is free). Every interface that changes a session
    goes through here, or a newcomer would find the seat before the people waiting for it.

    ``changes`` are set on ``session`` and validated as the admin's form would; without them the
    caller has set and validated the fields (the admin's form has). The promoted registrations.
    """
    unknown = set(changes) - SESSION_FIELDS
    if unknown:
        raise TypeError(f"session_update() cannot change {sorted(unknown)}")
    stored = lock_sessions([session])[session.pk]
    previous_status = stored.status
    # The caller's copy may predate registrations made since: the locked row's counters are current.
    session.seats_taken, session.waiting_count = stored.seats_taken, stored.waiting_count
    for name, value in changes.items():
        setattr(session, name, value)
    if changes:
        session.full_clean(exclude=SESSION_FIELDS - set(changes), validate_unique=False)
    moved = schedule.save_scheduled(session, stored)
    if session.status == SessionStatus.CANCELLED and previous_status != SessionStatus.CANCELLED:
        history.announce_session_cancelled(session, actor)
    elif moved:
        history.announce_details_changed(session)
    return promote_waiting_list(session, actor, timezone.now())


def _ordered_unique(sessions, locked):
    return [locked[session_id] for session_id in dict.fromkeys(getattr(s, "pk", s) for s in sessions)]


def _unique_users(users):
    return list({user.pk: user for user in users}.values())


def _register_in_sessions(sessions, users, role, actor, reason, now):
    """[outcomes per session]: every session in one savepoint and one set of queries.

    Only when a workspace refuses someone (or a row appears that the lock did not keep out) is
    the batch rolled back and each session tried again in its own savepoint.
    """
    if len(sessions) > 1:
        try:
            with transaction.atomic():
                return _register_batch(sessions, users, role, actor, reason, now)
        except (WorkspaceRefused, IntegrityError):
            pass
    return [_register_in_session(session, users, role, actor, reason, now) for session in sessions]


def _register_in_session(session, users, role, actor, reason, now):
    """One session's batch in a savepoint; a workspace refusal is isolated to the users it names."""
    try:
        with transaction.atomic():
            (outcomes,) = _register_batch([session], users, role, actor, reason, now)
            return outcomes
    except WorkspaceRefused as exc:
        if len(users) == 1:
            return [_refused(users[0], session, Refusal.WORKSPACE, message=exc.message)]
        return [o for user in users for o in _register_in_session(session, [user], role, actor, reason, now)]
    except IntegrityError:
        # Someone inserted the same (user, session, role) without taking the session lock: the
        # batch was rolled back; once more now sees their row and reports it as already there.
        with transaction.atomic():
            (outcomes,) = _register_batch([session], users, role, actor, reason, now)
            return outcomes


def _refused(user, session, refusal, message=None):
    return RegistrationOutcome(
        user=user,
        session=session,
        result=Result.REFUSED,
        refusal=refusal,
        message=message or Refusal(refusal).label,
    )


def _register_batch(sessions, users, role, actor, reason, now):
    """[outcomes per session] for ``users`` in the locked ``sessions``, in queries that do not grow with either."""
    existing = {
        (r.session_id, r.user_id): r
        for r in Registration.objects.filter(session__in=sessions, role=role, user__in=[u.pk for u in users])
    }
    refusals = {session.pk: session_refusal(session, now) for session in sessions}
    open_sessions = [s for s in sessions if not refusals[s.pk]]
    counts = seat_counts_of(open_sessions, newcomers=len(users)) if role == Role.LEARNER else {}
    positions = waiting_positions_of(
        r for r in existing.values() if r.status == RegistrationStatus.WAITING and r.waiting_order is not None
    )
    by_session, to_create, to_update, previous = [], [], [], {}
    for session in sessions:
        outcomes, refusal = [], refusals[session.pk]
        by_session.append(outcomes)
        for user in users:
            current = existing.get((session.pk, user.pk))
            if current is not None and current.status in ACTIVE_STATUSES:
                current.session, current.user = session, user
                outcomes.append(
                    RegistrationOutcome(
                        user=user,
                        session=session,
                        result=Result.ALREADY_REGISTERED,
                        registration=current,
                        position=positions.get(current.pk),
                    )
                )
                continue
            if refusal:
                outcomes.append(_refused(user, session, refusal))
                continue
            status, waiting_order, position = admission(session, role, counts.get(session.pk))
            if status is None:
                outcomes.append(_refused(user, session, Refusal.FULL))
                continue
            if current is None:
                current = Registration(user=user, session=session, role=role)
                to_create.append(current)
            else:
                previous[(session.pk, user.pk)] = current.status
                to_update.append(current)
            current.status, current.waiting_order = status, waiting_order
            current.registered_by, current.registered_at, current.updated_at = actor, now, now
            outcomes.append(
                RegistrationOutcome(user=user, session=session, result=_RESULT_OF_STATUS[status], position=position)
            )

    changed = to_create + to_update
    if not changed:
        return by_session
    Registration.objects.bulk_create(to_create)
    Registration.objects.bulk_update(
        to_update, ["status", "waiting_order", "registered_by", "registered_at", "updated_at"]
    )
    # Re-read: bulk_create does not return primary keys on every database.
    saved = {
        (r.session_id, r.user_id): r
        for r in Registration.objects.filter(
            session__in={r.session_id for r in changed}, role=role, user__in={r.user_id for r in changed}
        )
    }
    confirmed, positions = [], {}
    for outcome in (o for outcomes in by_session for o in outcomes):
        if outcome.result in (Result.ALREADY_REGISTERED, Result.REFUSED):
            continue
        saved_row = saved[(outcome.session.pk, outcome.user.pk)]
        saved_row.session, saved_row.user = outcome.session, outcome.user
        outcome.registration = saved_row
        positions[saved_row.pk] = outcome.position
        if saved_row.status == RegistrationStatus.CONFIRMED:
            confirmed.append(saved_row)
    history.record(
        history.entry(
            registration=saved[(r.session_id, r.user_id)],
            action=HistoryAction.REGISTERED,
            old_value=previous.get((r.session_id, r.user_id), ""),
            new_value=r.status,
            actor=actor,
            reason=reason,
            when=now,
            position=positions.get(saved[(r.session_id, r.user_id)].pk),
        )
        for r in changed
    )
    on_confirmed(confirmed, actor, now, reason)
    return by_session


def _pending(registration):
    registration = Registration.objects.select_related("user").get(pk=registration.pk)
    if registration.status != RegistrationStatus.PENDING:
        raise RegistrationError(NOT_PENDING, code="not_pending")
    return registration
