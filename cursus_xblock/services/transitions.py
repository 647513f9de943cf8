"""A registration's status changing, and what it brings: the history line, the workspace role given
or taken, the automatic events, and the waiting list moving into the seats that are free.

Shared by every registration call; each runs here under the locks its caller took (``locks``).
"""

from django.db import transaction

from ..backends import WorkspaceRefused, get_backend
from ..models import HistoryAction, Registration, RegistrationStatus, Role
from . import history
from .capacity import free_seats
from .event_registration import register_auto_events
from .locks import lock_workspace_roles, role_key, workspace_role


def set_status(registration, status, action, actor, reason, now):
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


def on_confirmed(registrations, actor, now, reason=""):
    """What confirmed registrations bring, whatever their sessions: workspace roles, automatic events.

    Each registration's ``session`` is the locked one. The roles go in one backend call for all
    workspaces (``grant_each``), which refuses before it writes anything.
    """
    if not registrations:
        return
    grants = {}
    for registration in registrations:
        workspace_key = registration.session.workspace_key
        if workspace_key:
            key = (workspace_key, workspace_role(registration.role))
            grants.setdefault(key, []).append(registration.user)
    if grants:
        get_backend().grant_each(grants)
    register_auto_events(registrations, actor, now, reason)


def revoke_if_last(registration):
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


def promote_waiting_list(session, actor, now, *, lock_too=()):
    """Move waiting learners, first come first served, into the seats that are free.

    Someone the workspace refuses keeps their place in the queue, with the refusal in their
    history, and the next one is tried, until the seats are filled or nobody is left waiting: a
    seat left empty would go to the next newcomer, ahead of the queue. ``lock_too``: roles the
    caller decides on, locked in the same statement as those of the first people promoted.
    """
    free = free_seats(session, now)
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
        lock_workspace_roles([*lock_too, *(role_key(r.user_id, session, r.role) for r in granting)])
        lock_too = ()
        if not batch:
            break
        tried.extend(r.pk for r in batch)
        for registration in batch:
            registration.session = session
            order = registration.waiting_order
            try:
                with transaction.atomic():
                    set_status(registration, new_status, HistoryAction.PROMOTED, actor, "", now)
                    if new_status == RegistrationStatus.CONFIRMED:
                        on_confirmed([registration], actor, now)
            except WorkspaceRefused as exc:
                # Rolled back: they keep their place in the queue.
                registration.status, registration.waiting_order = RegistrationStatus.WAITING, order
                registration.rolled_back()
                record_refused_promotion(registration, exc, actor, now)
                continue
            promoted.append(registration)
    lock_workspace_roles(lock_too)
    return promoted


def record_refused_promotion(registration, refusal, actor, now):
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
