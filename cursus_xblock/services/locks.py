"""The locks every registration call takes first: sessions, then the workspace roles it may touch.

One order for all (sessions by id, then role rows sorted), so two calls never wait for each
other in a circle; session and event registration share them.
"""

from django.db import connections, router

from ..conf import settings
from ..models import Session, WorkspaceRoleLock


def workspace_role(role):
    return settings.WORKSPACE_ROLES[role]


def lock_sessions(sessions):
    """Lock the sessions, in id order; {id: locked session}. Unknown ids raise DoesNotExist."""
    ids = {getattr(session, "pk", session) for session in sessions}
    rows = Session.objects.select_for_update().filter(pk__in=ids).order_by("pk")
    locked = {s.pk: s for s in rows}
    missing = ids - set(locked)
    if missing:
        raise Session.DoesNotExist(f"Unknown sessions: {sorted(missing)}")
    return locked


def role_key(user_id, session, role):
    """What ``lock_workspace_roles`` locks for a registration of ``user_id`` in ``session`` as ``role``."""
    return (user_id, session.workspace_key, workspace_role(role))


def lock_roles_of(users, sessions, role):
    lock_workspace_roles(role_key(user.pk, session, role) for session in sessions for user in users)


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
