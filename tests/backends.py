"""Workspace backends that fail on purpose: the host side is the one thing tests may fake.

They subclass the real groups backend and fail *after* writing, so a rollback is visible.
"""

from cursus_xblock.backends import WorkspaceRefused
from cursus_xblock.backends.groups import GroupsWorkspaceBackend

#: usernames (grant) or workspace keys the backends below fail on; tests fill and clear it.
FAIL_ON = set()


class CrashingBackend(GroupsWorkspaceBackend):
    """Raises an unexpected error, like a platform outage: the whole call must roll back."""

    def grant_many(self, *, users, workspace_key, role):
        users = list(users)
        super().grant_many(users=users, workspace_key=workspace_key, role=role)
        if workspace_key in FAIL_ON or any(u.username in FAIL_ON for u in users):
            raise RuntimeError("platform unavailable")

    def revoke(self, *, user, workspace_key, role):
        super().revoke(user=user, workspace_key=workspace_key, role=role)
        if workspace_key in FAIL_ON:
            raise RuntimeError("platform unavailable")


class RefusingBackend(GroupsWorkspaceBackend):
    """Refuses some users, like an LMS refusing an inactive account: only they are refused."""

    def grant_many(self, *, users, workspace_key, role):
        users = list(users)
        super().grant_many(users=users, workspace_key=workspace_key, role=role)
        for user in users:
            if user.username in FAIL_ON:
                raise WorkspaceRefused(f"{user.username} is inactive", code="inactive_user")


class RevokeRefusingBackend(GroupsWorkspaceBackend):
    """Grants, but will not take a role away on a workspace of ``FAIL_ON``: like an LMS whose
    unenrollment filter raised through instead of keeping the enrollment quietly."""

    def revoke(self, *, user, workspace_key, role):
        if workspace_key in FAIL_ON:
            raise WorkspaceRefused(f"{workspace_key} keeps its learners", code="unenrollment_not_allowed")
        super().revoke(user=user, workspace_key=workspace_key, role=role)


#: {username: language} the ``LanguageBackend`` answers, as the LMS's account preference would.
LANGUAGES = {}


class LanguageBackend(GroupsWorkspaceBackend):
    """A platform whose accounts carry a language preference (Open edX's ``pref-lang``)."""

    def preferred_language(self, user):
        return LANGUAGES.get(user.username)
