"""Bringing workspaces in line with confirmed registrations (the ``cursus_sync_workspaces`` command).

Registrations confirmed before a workspace backend was switched on (or while the LMS refused, or
by a hand-made database change) never got their workspace role. This compares, per workspace and
workspace role, who holds a confirmed registration granting it with who holds the role, through
the backend's ``role_holders``; it grants what is missing, through the backend's ``grant_many``,
as a confirmed registration would have.

The other direction is only reported by default: someone who holds a role we once granted
(their registration was confirmed, and is now cancelled) with no confirmed registration left may
also hold it by other means (enrolled themselves, added by course staff) that we cannot see, so
taking it away is only done when asked (``revoke_orphans``), through the backend's ``revoke``
(which in Open edX keeps a member of the course team enrolled).

Running it twice repairs nothing the second time: a granted role is held afterwards.
"""

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import transaction

from ..backends import WorkspaceRefused, get_backend
from ..conf import settings
from ..models import Registration, RegistrationHistory, RegistrationStatus
from .locks import lock_workspace_roles

#: What was found (``Row.found``).
HELD = "held"
MISSING = "missing"
UNKNOWN = "unknown"
HELD_WITHOUT_REGISTRATION = "held without registration"

#: What was done (``Row.action``).
NONE = "none"
GRANTED = "granted"
WOULD_GRANT = "would grant"
REFUSED = "refused"
WOULD_BE_REFUSED = "would be refused"
REPORTED = "reported"
REVOKED = "revoked"
KEPT = "kept by the workspace"  # revoked, but the backend keeps it (Open edX: a course-team member's enrollment)
WOULD_REVOKE = "would revoke"
GONE = "none: no longer confirmed"  # cancelled while the command ran

CHUNK = 500


@dataclass
class Row:
    user: object
    workspace_key: str
    role: str  # the workspace role (collaborator, manager …)
    found: str
    action: str
    message: str = ""


def sync(*, dry_run=False, sessions=(), workspaces=(), revoke_orphans=False):
    """Compare and (unless ``dry_run``) repair; one ``Row`` per (user, workspace, workspace role) looked at.

    ``sessions`` (ids) and ``workspaces`` (keys) narrow what is looked at; empty means all.
    """
    backend = get_backend()
    rows = []
    for workspace_key, by_role in _confirmed(sessions, workspaces):
        for ws_role, user_ids in by_role.items():
            for chunk in _chunks(sorted(user_ids)):
                rows.extend(_sync_confirmed(backend, workspace_key, ws_role, chunk, dry_run))
    for workspace_key, by_role in _once_confirmed(sessions, workspaces):
        for ws_role, user_ids in by_role.items():
            for chunk in _chunks(sorted(user_ids)):
                rows.extend(_sync_orphans(backend, workspace_key, ws_role, chunk, dry_run, revoke_orphans))
    return rows


# --- reads ------------------------------------------------------------------------------------


def _granting(registrations, sessions, workspaces):
    registrations = registrations.exclude(session__workspace_key="")
    if sessions:
        registrations = registrations.filter(session_id__in=list(sessions))
    if workspaces:
        registrations = registrations.filter(session__workspace_key__in=list(workspaces))
    return registrations


def _grouped(rows):
    """``(workspace, {workspace role: {user id}})`` per workspace, from ordered (workspace, role, user) rows."""
    current, by_role = None, {}
    for workspace_key, role, user_id in rows:
        if workspace_key != current:
            if by_role:
                yield current, by_role
            current, by_role = workspace_key, {}
        by_role.setdefault(settings.WORKSPACE_ROLES[role], set()).add(user_id)
    if by_role:
        yield current, by_role


def _triples(registrations):
    return (
        registrations.values_list("session__workspace_key", "role", "user_id")
        .distinct()
        .order_by("session__workspace_key", "role", "user_id")
        .iterator()
    )


def _confirmed(sessions, workspaces):
    confirmed = Registration.objects.filter(status=RegistrationStatus.CONFIRMED)
    return _grouped(_triples(_granting(confirmed, sessions, workspaces)))


def _once_confirmed(sessions, workspaces):
    """Cancelled registrations that were confirmed at some point: a role we granted may be left over."""
    was_confirmed = RegistrationHistory.objects.filter(
        event_registration__isnull=True, new_value=RegistrationStatus.CONFIRMED
    ).values("registration_id")
    cancelled = Registration.objects.filter(status=RegistrationStatus.CANCELLED, pk__in=was_confirmed)
    for workspace_key, by_role in _grouped(_triples(_granting(cancelled, sessions, workspaces))):
        for ws_role, user_ids in by_role.items():
            granting = [role for role, mapped in settings.WORKSPACE_ROLES.items() if mapped == ws_role]
            still = Registration.objects.filter(
                session__workspace_key=workspace_key,
                role__in=granting,
                status=RegistrationStatus.CONFIRMED,
                user_id__in=user_ids,
            ).values_list("user_id", flat=True)
            user_ids -= set(still)
        yield workspace_key, {ws_role: ids for ws_role, ids in by_role.items() if ids}


def _chunks(ids):
    for start in range(0, len(ids), CHUNK):
        users = get_user_model().objects.in_bulk(ids[start : start + CHUNK])
        yield [users[pk] for pk in ids[start : start + CHUNK] if pk in users]


# --- compare and repair -----------------------------------------------------------------------


def _sync_confirmed(backend, workspace_key, ws_role, users, dry_run):
    holders = backend.role_holders(users=users, workspace_key=workspace_key, role=ws_role)
    if holders is None:
        return [Row(user, workspace_key, ws_role, UNKNOWN, NONE) for user in users]
    missing = [user for user in users if user.pk not in holders]
    outcome = _grant(backend, workspace_key, ws_role, missing, dry_run)
    rows = []
    for user in users:
        if user.pk in holders:
            rows.append(Row(user, workspace_key, ws_role, HELD, NONE))
        else:
            action, message = outcome[user.pk]
            rows.append(Row(user, workspace_key, ws_role, MISSING, action, message))
    return rows


def _grant(backend, workspace_key, ws_role, users, dry_run):
    """{user id: (action, message)}: all at once, else (one refused) each alone, as the service does."""
    call = backend.check_grant if dry_run else backend.grant_many
    done, refused = (WOULD_GRANT, WOULD_BE_REFUSED) if dry_run else (GRANTED, REFUSED)
    outcome = {}
    batches = [users] if len(users) > 1 else []
    batches += [[user] for user in users]
    for batch in batches:
        if all(user.pk in outcome for user in batch):
            continue
        try:
            with transaction.atomic():
                if not dry_run:
                    still = _still_granting(batch, workspace_key, ws_role)
                    outcome.update((user.pk, (GONE, "")) for user in batch if user not in still)
                    batch = still
                call(users=batch, workspace_key=workspace_key, role=ws_role)
        except WorkspaceRefused as exc:
            if len(batch) == 1:
                outcome[batch[0].pk] = (refused, str(exc.message))
            continue
        outcome.update((user.pk, (done, "")) for user in batch)
    return outcome


def _sync_orphans(backend, workspace_key, ws_role, users, dry_run, revoke_orphans):
    holders = backend.role_holders(users=users, workspace_key=workspace_key, role=ws_role)
    if not holders:  # None (the backend cannot tell) or nobody: nothing to say
        return []
    orphans = [user for user in users if user.pk in holders]
    if not revoke_orphans or dry_run:
        action = WOULD_REVOKE if revoke_orphans else REPORTED
        return [Row(user, workspace_key, ws_role, HELD_WITHOUT_REGISTRATION, action) for user in orphans]
    for user in orphans:
        with transaction.atomic():
            if not _still_granting([user], workspace_key, ws_role):
                backend.revoke(user=user, workspace_key=workspace_key, role=ws_role)
    kept = backend.role_holders(users=orphans, workspace_key=workspace_key, role=ws_role)
    return [
        Row(user, workspace_key, ws_role, HELD_WITHOUT_REGISTRATION, KEPT if user.pk in kept else REVOKED)
        for user in orphans
    ]


def _still_granting(users, workspace_key, ws_role):
    """Those of ``users`` whose confirmed registration grants the role, read under the role locks.

    The registration service decides grants and revokes under the same (person, workspace, role)
    locks, so a registration cancelled while this command ran is seen here, not granted again, and
    a registration confirmed meanwhile keeps its role.
    """
    lock_workspace_roles((user.pk, workspace_key, ws_role) for user in users)
    granting = [role for role, mapped in settings.WORKSPACE_ROLES.items() if mapped == ws_role]
    confirmed = set(
        Registration.objects.filter(
            session__workspace_key=workspace_key,
            role__in=granting,
            status=RegistrationStatus.CONFIRMED,
            user__in=[user.pk for user in users],
        ).values_list("user_id", flat=True)
    )
    return [user for user in users if user.pk in confirmed]
