"""Workspace backends: where a registration's role takes effect.

A backend gives or takes a *workspace role* (``collaborator``, ``manager`` …) to a user on a
workspace (a key: in Open edX a course run). The registration service calls it inside its
transaction, so a backend that raises rolls the registration back.

Modelled on ``django.contrib.auth.backends.BaseBackend``: a tiny interface with safe defaults,
loaded from a dotted path read lazily from ``CURSUS_WORKSPACE_BACKEND``.
"""

import importlib.util
from functools import lru_cache

from django.core.exceptions import ImproperlyConfigured
from django.core.signals import setting_changed
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _

GROUPS_BACKEND = "cursus_xblock.backends.groups.GroupsWorkspaceBackend"
#: Where the Open edX backend lives; operators' settings name it by its older, still working path
#: ``cursus_xblock.backends.openedx.OpenEdxWorkspaceBackend`` (that module re-exports it).
OPENEDX_BACKEND = "cursus_xblock.openedx.backend.OpenEdxWorkspaceBackend"


class WorkspaceRefused(Exception):
    """The workspace refused the role for this user (unknown workspace, inactive user …).

    The service turns it into a *refused* outcome for that one session and rolls back only that
    session's changes. Any other exception rolls back the whole call.
    """

    def __init__(self, message, *, code="workspace_refused"):
        super().__init__(message)
        self.message = message
        self.code = code


class BaseWorkspaceBackend:
    """The interface. Every method may be called with an empty ``workspace_key``: it is ignored."""

    #: What the admin calls a workspace (the Open edX backend: « course run »).
    workspace_label = _("workspace")

    def grant(self, *, user, workspace_key, role):
        """Give ``role`` on ``workspace_key`` to ``user``. Must be idempotent."""

    def revoke(self, *, user, workspace_key, role):
        """Take ``role`` on ``workspace_key`` from ``user``. Must be idempotent."""

    def grant_many(self, *, users, workspace_key, role):
        """Give ``role`` to many users at once; override when the workspace can do it in bulk."""
        for user in users:
            self.grant(user=user, workspace_key=workspace_key, role=role)

    def grant_each(self, grants):
        """Give roles on several workspaces: ``grants`` maps (workspace key, role) to users.

        A refusal must come before anything is written, on any workspace: the caller rolls the
        whole batch back and tries each session alone, and a rollback cannot call back what a
        workspace already announced. So with more than one workspace, every one is asked first
        (``check_grant``). Override when the host can grant on many workspaces at once.
        """
        grants = {key: list(users) for key, users in grants.items() if key[0] and users}
        if len(grants) > 1:
            for (workspace_key, role), users in grants.items():
                self.check_grant(users=users, workspace_key=workspace_key, role=role)
        for (workspace_key, role), users in grants.items():
            self.grant_many(users=users, workspace_key=workspace_key, role=role)

    def check_grant(self, *, users, workspace_key, role):
        """Raise ``WorkspaceRefused`` if ``grant_many`` would refuse one of ``users``, writing nothing.

        ``grant_many`` must itself refuse before it writes anything (a refused batch is rolled back
        and tried again person by person, and a rollback cannot call back what the workspace may
        already have announced); this lets a caller ask first, e.g. a dry run.
        """

    def has_role(self, *, user, workspace_key, role):
        """Whether ``user`` holds ``role`` on ``workspace_key``; None when this backend cannot tell.

        None (the default) makes a sync report « unknown » and change nothing.
        """
        return None

    def role_holders(self, *, users, workspace_key, role):
        """The ids of those ``users`` who hold ``role`` on ``workspace_key``, or None when unknown.

        Calls ``has_role`` per user; override to answer with one query.
        """
        held = set()
        for user in users:
            answer = self.has_role(user=user, workspace_key=workspace_key, role=role)
            if answer is None:
                return None
            if answer:
                held.add(user.pk)
        return held

    def validate_workspace_key(self, workspace_key):
        """Raise ``django.core.exceptions.ValidationError`` for a key this workspace cannot use."""

    def workspace_organization(self, workspace_key):
        """``(short name, name)`` of the organization that owns the workspace, or None when it has none.

        Plain data, read without writing: the caller creates the ``Organization`` row.
        """
        return None

    def preferred_language(self, user):
        """The language ``user`` chose on the platform, or None: the site's language is used."""
        return None

    def workspace_url(self, workspace_key):
        """A page showing the workspace (the Open edX backend: the course run's about page), or ''."""
        return ""


def edx_platform_available():
    """Whether edx-platform's student app can be imported (we run inside the LMS or Studio)."""
    try:
        return importlib.util.find_spec("common.djangoapps.student") is not None
    except (ImportError, ValueError):
        return False


def backend_path():
    """The configured path; empty means Open edX's backend inside edx-platform, the groups one elsewhere."""
    from ..conf import settings

    if settings.WORKSPACE_BACKEND:
        return settings.WORKSPACE_BACKEND
    return OPENEDX_BACKEND if edx_platform_available() else GROUPS_BACKEND


@lru_cache(maxsize=None)
def _load(path):
    try:
        backend_class = import_string(path)
    except ImportError as exc:
        raise ImproperlyConfigured(f"CURSUS_WORKSPACE_BACKEND: cannot import {path!r} ({exc}).") from exc
    return backend_class()


def get_backend():
    """The configured backend instance (one per path, created on first use)."""
    return _load(backend_path())


def _reset(*, setting, **kwargs):
    if setting == "CURSUS_WORKSPACE_BACKEND":
        _load.cache_clear()


setting_changed.connect(_reset)
