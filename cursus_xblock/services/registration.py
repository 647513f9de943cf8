"""Registering people in sessions and events: capacity, waiting list, validation, workspace roles.

Every public function runs in one transaction. Sessions are locked (``SELECT … FOR UPDATE``, in
id order so two calls never deadlock) before seats are counted, so concurrent calls on
PostgreSQL or MySQL cannot overbook. The workspace roles a call may give or take are locked
next, one row per (person, workspace, role), because sessions sharing a workspace do not share a
lock (``lock_workspace_roles``). The time is read after the locks, so the dates written follow
the order in which calls got them. Each session is handled in its own savepoint: a workspace that
refuses a user (``WorkspaceRefused``) turns into a refused outcome for that session alone, while
any other error rolls the whole call back.
"""

from django.db import IntegrityError, connections, router, transaction
from django.db.models import Count, Max, Q
from django.utils import timezone

from ..backends import WorkspaceRefused, get_backend
from ..conf import settings
from ..models import (
    ACTIVE_STATUSES,
    SEAT_STATUSES,
    Event,
    EventRegistration,
    EventRegistrationType,
    HistoryAction,
    Registration,
    RegistrationStatus,
    Role,
    Session,
    SessionStatus,
    WorkspaceRoleLock,
    seats_left,
)
from . import history
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

_RESULT_OF_STATUS = {
    RegistrationStatus.CONFIRMED: Result.REGISTERED,
    RegistrationStatus.PENDING: Result.PENDING,
    RegistrationStatus.WAITING: Result.WAITING,
}


# --- public API ---------------------------------------------------------------------------


@transaction.atomic
def register(*, user, sessions, role, actor=None, reason=""):
    """Register one user in several sessions; one outcome per session, in the order given."""
    sessions = _ordered_unique(sessions, _lock_sessions(sessions))
    _lock_roles_of([user], sessions, role)
    now = timezone.now()
    outcomes = []
    for session in sessions:
        outcomes.extend(_register_in_session(session, [user], role, actor, reason, now))
    return outcomes


@transaction.atomic
def register_users(*, session, users, role, actor=None, reason=""):
    """Register many users in one session with a bounded number of queries; one outcome per user."""
    (locked,) = _lock_sessions([session]).values()
    users = _unique_users(users)
    _lock_roles_of(users, [locked], role)
    now = timezone.now()
    return _register_in_session(locked, users, role, actor, reason, now)


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


def has_room(session, role, seats_taken):
    """Whether one more person in ``role`` would be taken: a seat, or the waiting list (trainers need no seat).

    Read without a lock, for display; registering decides again under it (``_admission``).
    """
    if role == Role.TRAINER:
        return True
    return seats_left(session.capacity, seats_taken) != 0 or session.waiting_list_enabled


@transaction.atomic
def register_users_in_sessions(*, sessions, users, role, actor=None, reason=""):
    """Register many users (a group's members) in several sessions: [(session, outcomes per user)].

    Sessions are locked in id order up front, like ``register``; all of it or, on an error, none.
    """
    sessions = _ordered_unique(sessions, _lock_sessions(sessions))
    users = _unique_users(users)
    _lock_roles_of(users, sessions, role)
    now = timezone.now()
    return [(session, _register_in_session(session, users, role, actor, reason, now)) for session in sessions]


@transaction.atomic
def unregister(*, registration, actor=None, reason=""):
    """Cancel a registration (the row stays), its events, its workspace role; promote the waiting list."""
    (session,) = _lock_sessions([registration.session_id]).values()
    now = timezone.now()
    registration = Registration.objects.select_related("user").get(pk=registration.pk)
    registration.session = session
    previous = registration.status
    if previous == RegistrationStatus.CANCELLED:
        return UnregisterOutcome(registration=registration, previous_status=previous, changed=False)
    _set_status(registration, RegistrationStatus.CANCELLED, HistoryAction.CANCELLED, actor, reason, now)
    _cancel_event_registrations(registration, actor, reason, now)
    # Whether to keep the role is decided under its lock, taken in one statement with those of the
    # people promoted into the freed seat (one order for all: see ``lock_workspace_roles``).
    own_role = [_role_key(registration.user_id, session, registration.role)]
    if previous != RegistrationStatus.CONFIRMED:
        own_role = []
    promoted = []
    if registration.role == Role.LEARNER and previous in SEAT_STATUSES:
        promoted = _promote_waiting(session, actor, now, lock_too=own_role)
    else:
        lock_workspace_roles(own_role)
    if own_role:
        _revoke_if_last(registration)
    return UnregisterOutcome(registration=registration, previous_status=previous, changed=True, promoted=promoted)


@transaction.atomic
def validate(*, registration, actor=None, reason=""):
    """Confirm a registration pending validation: it gets its workspace role and its events."""
    (session,) = _lock_sessions([registration.session_id]).values()
    registration = _pending(registration)
    registration.session = session
    lock_workspace_roles([_role_key(registration.user_id, session, registration.role)])
    now = timezone.now()
    _set_status(registration, RegistrationStatus.CONFIRMED, HistoryAction.VALIDATED, actor, reason, now)
    try:
        _on_confirmed(session, [registration], actor, now, reason)
    except WorkspaceRefused as exc:
        raise RegistrationError(exc.message, code=exc.code) from exc
    return registration


@transaction.atomic
def refuse(*, registration, actor=None, reason=""):
    """Refuse a registration pending validation; its seat goes to the waiting list."""
    (session,) = _lock_sessions([registration.session_id]).values()
    now = timezone.now()
    registration = _pending(registration)
    _set_status(registration, RegistrationStatus.CANCELLED, HistoryAction.REFUSED, actor, reason, now)
    _promote_waiting(session, actor, now)
    return registration


@transaction.atomic
def promote_waiting(*, session, actor=None):
    """Fill free seats from the waiting list; the promoted rows. ``session_update`` calls it for a changed session."""
    (session,) = _lock_sessions([session]).values()
    return _promote_waiting(session, actor, timezone.now())


#: What ``session_update`` may change: the fields an administrator edits.
SESSION_FIELDS = frozenset(
    field.name
    for field in Session._meta.concrete_fields
    if field.editable and not field.primary_key and field.name not in ("created_at", "updated_at")
)


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
    _lock_sessions([session])
    for name, value in changes.items():
        setattr(session, name, value)
    if changes:
        session.full_clean(exclude=SESSION_FIELDS - set(changes), validate_unique=False)
    session.save()
    return _promote_waiting(session, actor, timezone.now())


@transaction.atomic
def register_to_events(*, registration, events, actor=None, reason=""):
    """Register a confirmed session participant to events of that session; one outcome per event."""
    (session,) = _lock_sessions([registration.session_id]).values()
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


def seats_taken(session):
    """Learners holding a seat (confirmed or pending validation)."""
    return Registration.objects.filter(session=session, role=Role.LEARNER, status__in=SEAT_STATUSES).count()


def waiting_position(registration):
    """1-based rank on the session's waiting list, or None when not waiting."""
    if registration.status != RegistrationStatus.WAITING:
        return None
    ahead = Registration.objects.filter(
        session_id=registration.session_id,
        role=registration.role,
        status=RegistrationStatus.WAITING,
        waiting_order__lt=registration.waiting_order,
    ).count()
    return ahead + 1


def workspace_role(role):
    return settings.WORKSPACE_ROLES[role]


# --- sessions -----------------------------------------------------------------------------


def _lock_sessions(sessions):
    """Lock the sessions, in id order; {id: locked session}. Unknown ids raise DoesNotExist."""
    ids = {getattr(session, "pk", session) for session in sessions}
    rows = Session.objects.select_for_update().filter(pk__in=ids).order_by("pk")
    locked = {s.pk: s for s in rows}
    missing = ids - set(locked)
    if missing:
        raise Session.DoesNotExist(f"Unknown sessions: {sorted(missing)}")
    return locked


def _ordered_unique(sessions, locked):
    return [locked[session_id] for session_id in dict.fromkeys(getattr(s, "pk", s) for s in sessions)]


def _unique_users(users):
    return list({user.pk: user for user in users}.values())


# --- workspace roles ----------------------------------------------------------------------


def _role_key(user_id, session, role):
    """What ``lock_workspace_roles`` locks for a registration of ``user_id`` in ``session`` as ``role``."""
    return (user_id, session.workspace_key, workspace_role(role))


def _lock_roles_of(users, sessions, role):
    lock_workspace_roles(_role_key(user.pk, session, role) for session in sessions for user in users)


def lock_workspace_roles(keys):
    """Lock the rows of these (user id, workspace key, workspace role), creating the missing ones.

    Taken before a role is given or before deciding to take it away, so such decisions for one
    person on one workspace happen one after the other even from sessions locked by different
    calls. One statement for any number of rows: an upsert, which on PostgreSQL (``ON CONFLICT …
    DO UPDATE``) and MySQL/MariaDB (``ON DUPLICATE KEY UPDATE``) creates a missing row or takes
    an exclusive lock on the existing one, waiting for a caller creating or holding it. (``INSERT
    IGNORE`` then ``SELECT … FOR UPDATE`` would first take a shared lock on MariaDB, and two
    callers upgrading theirs deadlock.) Rows go in one sorted order, after the sessions, so two
    calls never wait for each other in a circle. Without a workspace there is nothing to lock.
    """
    keys = sorted({(workspace_key, role, user_id) for user_id, workspace_key, role in keys if workspace_key})
    if not keys:
        return
    features = connections[router.db_for_write(WorkspaceRoleLock)].features
    WorkspaceRoleLock.objects.bulk_create(
        [WorkspaceRoleLock(workspace_key=key, role=role, user_id=user_id) for key, role, user_id in keys],
        update_conflicts=True,
        update_fields=["role"],
        unique_fields=["workspace_key", "role", "user"] if features.supports_update_conflicts_with_target else None,
    )


def session_refusal(session, now=None):
    """Why nobody can register in this session now, or '' when registration is possible."""
    if session.status == SessionStatus.CANCELLED:
        return Refusal.CANCELLED
    if session.status == SessionStatus.CLOSED:
        return Refusal.CLOSED
    if session.has_ended(now):
        return Refusal.ENDED
    return ""


def _register_in_session(session, users, role, actor, reason, now):
    """One session's batch in a savepoint; a workspace refusal is isolated to the users it names."""
    try:
        with transaction.atomic():
            return _register_batch(session, users, role, actor, reason, now)
    except WorkspaceRefused as exc:
        if len(users) == 1:
            return [_refused(users[0], session, Refusal.WORKSPACE, message=exc.message)]
        return [o for user in users for o in _register_in_session(session, [user], role, actor, reason, now)]
    except IntegrityError:
        # Someone inserted the same (user, session, role) without taking the session lock: the
        # batch was rolled back; once more now sees their row and reports it as already there.
        with transaction.atomic():
            return _register_batch(session, users, role, actor, reason, now)


def _refused(user, session, refusal, message=None):
    return RegistrationOutcome(
        user=user,
        session=session,
        result=Result.REFUSED,
        refusal=refusal,
        message=message or Refusal(refusal).label,
    )


def _register_batch(session, users, role, actor, reason, now):
    existing = {
        r.user_id: r for r in Registration.objects.filter(session=session, role=role, user__in=[u.pk for u in users])
    }
    refusal = session_refusal(session, now)
    counts = _seat_counts(session) if role == Role.LEARNER and not refusal else None

    positions = (
        _waiting_positions(session, role)
        if any(r.status == RegistrationStatus.WAITING for r in existing.values())
        else {}
    )
    outcomes, to_create, to_update, previous = [], [], [], {}
    for user in users:
        current = existing.get(user.pk)
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
        status, waiting_order, position = _admission(session, role, counts)
        if status is None:
            outcomes.append(_refused(user, session, Refusal.FULL))
            continue
        if current is None:
            current = Registration(user=user, session=session, role=role)
            to_create.append(current)
        else:
            previous[user.pk] = current.status
            to_update.append(current)
        current.status, current.waiting_order = status, waiting_order
        current.registered_by, current.registered_at, current.updated_at = actor, now, now
        outcomes.append(
            RegistrationOutcome(user=user, session=session, result=_RESULT_OF_STATUS[status], position=position)
        )

    changed = to_create + to_update
    if not changed:
        return outcomes
    Registration.objects.bulk_create(to_create)
    Registration.objects.bulk_update(
        to_update, ["status", "waiting_order", "registered_by", "registered_at", "updated_at"]
    )
    # Re-read: bulk_create does not return primary keys on every database.
    saved = {
        r.user_id: r
        for r in Registration.objects.filter(session=session, role=role, user__in=[r.user_id for r in changed])
    }
    history.record(
        history.entry(
            registration=saved[r.user_id],
            action=HistoryAction.REGISTERED,
            old_value=previous.get(r.user_id, ""),
            new_value=r.status,
            actor=actor,
            reason=reason,
            when=now,
        )
        for r in changed
    )
    by_user = {u.pk: u for u in users}
    confirmed = []
    for outcome in outcomes:
        saved_row = saved.get(outcome.user.pk)
        if saved_row is None or outcome.result in (Result.ALREADY_REGISTERED, Result.REFUSED):
            continue
        saved_row.session, saved_row.user = session, by_user[saved_row.user_id]
        outcome.registration = saved_row
        if saved_row.status == RegistrationStatus.CONFIRMED:
            confirmed.append(saved_row)
    _on_confirmed(session, confirmed, actor, now, reason)
    return outcomes


def _waiting_positions(session, role):
    """{registration id: 1-based rank} for the whole waiting list of the session, in one query."""
    waiting = Registration.objects.filter(session=session, role=role, status=RegistrationStatus.WAITING)
    ordered = waiting.order_by("waiting_order", "pk").values_list("pk", flat=True)
    return {pk: rank for rank, pk in enumerate(ordered, start=1)}


def _seat_counts(session):
    """Seats taken, people waiting and the last waiting-list order, in one query."""
    counts = Registration.objects.filter(session=session).aggregate(
        taken=Count("pk", filter=Q(role=Role.LEARNER, status__in=SEAT_STATUSES)),
        waiting=Count("pk", filter=Q(role=Role.LEARNER, status=RegistrationStatus.WAITING)),
        last_order=Max("waiting_order"),
    )
    counts["next_order"] = (counts.pop("last_order") or 0) + 1
    return counts


def _admission(session, role, counts):
    """(status, waiting order, waiting position) for the next person, updating ``counts``.

    The status is None when the session is full and has no waiting list.
    """
    if role == Role.TRAINER:
        return RegistrationStatus.CONFIRMED, None, None
    if session.capacity is not None and counts["taken"] >= session.capacity:
        if not session.waiting_list_enabled:
            return None, None, None
        order = counts["next_order"]
        counts["next_order"] += 1
        counts["waiting"] += 1
        return RegistrationStatus.WAITING, order, counts["waiting"]
    counts["taken"] += 1
    if session.validation_required:
        return RegistrationStatus.PENDING, None, None
    return RegistrationStatus.CONFIRMED, None, None


def _set_status(registration, status, action, actor, reason, now):
    old = registration.status
    registration.status = status
    registration.waiting_order = None
    registration.save(update_fields=["status", "waiting_order", "updated_at"])
    history.record(
        [
            history.entry(
                registration=registration,
                action=action,
                old_value=old,
                new_value=status,
                actor=actor,
                reason=reason,
                when=now,
            )
        ]
    )


def _pending(registration):
    registration = Registration.objects.select_related("user").get(pk=registration.pk)
    if registration.status != RegistrationStatus.PENDING:
        raise RegistrationError(NOT_PENDING, code="not_pending")
    return registration


def _on_confirmed(session, registrations, actor, now, reason=""):
    """What a confirmed registration brings: the workspace role and the automatic events."""
    if not registrations:
        return
    if session.workspace_key:
        by_role = {}
        for registration in registrations:
            by_role.setdefault(registration.role, []).append(registration.user)
        for role, users in by_role.items():
            get_backend().grant_many(users=users, workspace_key=session.workspace_key, role=workspace_role(role))
    _register_auto_events(session, registrations, actor, now, reason)


def _revoke_if_last(registration):
    """Take the workspace role away unless another confirmed registration still grants it there.

    Called holding the person's role lock (``lock_workspace_roles``): the registrations read here
    cannot be confirmed or cancelled by another call until this one commits.
    """
    workspace_key = registration.session.workspace_key
    if not workspace_key:
        return
    ws_role = workspace_role(registration.role)
    granting_roles = [role for role in Role.values if workspace_role(role) == ws_role]
    still_granted = (
        Registration.objects.filter(
            user_id=registration.user_id,
            role__in=granting_roles,
            status=RegistrationStatus.CONFIRMED,
            session__workspace_key=workspace_key,
        )
        .exclude(pk=registration.pk)
        .exists()
    )
    if not still_granted:
        get_backend().revoke(user=registration.user, workspace_key=workspace_key, role=ws_role)


def _free_seats(session, now):
    """Seats the waiting list may take now: None for any number, 0 when it may not move."""
    if session.status == SessionStatus.CANCELLED or session.has_ended(now):
        return 0
    if session.has_started(now) and not settings.PROMOTE_AFTER_START:
        return 0
    if session.capacity is None:
        return None
    return max(session.capacity - _seat_counts(session)["taken"], 0)


def _promote_waiting(session, actor, now, *, lock_too=()):
    """Move waiting learners, first come first served, into the seats that are free.

    Someone the workspace refuses keeps their place in the queue, with the refusal in their
    history, and the next one is tried, until the seats are filled or nobody is left waiting: a
    seat left empty would go to the next newcomer, ahead of the queue. ``lock_too``: roles the
    caller decides on, locked in the same statement as those of the first people promoted.
    """
    free = _free_seats(session, now)
    new_status = RegistrationStatus.PENDING if session.validation_required else RegistrationStatus.CONFIRMED
    waiting = (
        Registration.objects.select_related("user")
        .filter(session=session, role=Role.LEARNER, status=RegistrationStatus.WAITING)
        .order_by("waiting_order", "pk")
    )
    promoted, tried = [], []
    while free != 0 and (free is None or len(promoted) < free):
        candidates = waiting.exclude(pk__in=tried) if tried else waiting
        batch = list(candidates if free is None else candidates[: free - len(promoted)])
        granting = batch if new_status == RegistrationStatus.CONFIRMED else []
        lock_workspace_roles([*lock_too, *(_role_key(r.user_id, session, r.role) for r in granting)])
        lock_too = ()
        if not batch:
            break
        tried.extend(r.pk for r in batch)
        for registration in batch:
            registration.session = session
            order = registration.waiting_order
            try:
                with transaction.atomic():
                    _set_status(registration, new_status, HistoryAction.PROMOTED, actor, "", now)
                    if new_status == RegistrationStatus.CONFIRMED:
                        _on_confirmed(session, [registration], actor, now)
            except WorkspaceRefused as exc:
                # Rolled back: they keep their place in the queue.
                registration.status, registration.waiting_order = RegistrationStatus.WAITING, order
                _record_refused_promotion(registration, exc, actor, now)
                continue
            promoted.append(registration)
    lock_workspace_roles(lock_too)
    return promoted


def _record_refused_promotion(registration, refusal, actor, now):
    """The workspace would not take this person: their history says why they are still waiting."""
    history.record(
        [
            history.entry(
                registration=registration,
                action=HistoryAction.NOT_PROMOTED,
                old_value=RegistrationStatus.WAITING,
                new_value=RegistrationStatus.WAITING,
                actor=actor,
                reason=str(refusal.message),
                when=now,
            )
        ]
    )


# --- events -------------------------------------------------------------------------------


def _register_auto_events(session, registrations, actor, now, reason=""):
    events = list(Event.objects.filter(session=session, registration_type=EventRegistrationType.AUTO, end__gt=now))
    if not events:
        return
    reg_ids = [r.pk for r in registrations]
    existing = {
        (er.registration_id, er.event_id): er
        for er in EventRegistration.objects.filter(registration_id__in=reg_ids, event__in=events)
    }
    to_create, to_update, previous = [], [], {}
    for registration in registrations:
        for event in events:
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


def _cancel_event_registrations(registration, actor, reason, now):
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
