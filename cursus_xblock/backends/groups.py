"""The standalone workspace backend: one Django auth group per (workspace, role).

Outside Open edX this is what a role *is*: the host grants permissions to the groups
``cursus:<workspace>:collaborator`` and ``cursus:<workspace>:manager`` as it sees fit.
"""

import hashlib

from django.contrib.auth.models import Group

from . import BaseWorkspaceBackend

_GROUP_NAME_MAX = Group._meta.get_field("name").max_length


def group_name(workspace_key, role):
    """The group of (workspace, role); long keys are shortened with a hash so names stay unique."""
    from ..conf import settings

    name = settings.GROUP_NAME_TEMPLATE.format(workspace=workspace_key, role=role)
    if len(name) > _GROUP_NAME_MAX:
        digest = hashlib.sha256(name.encode()).hexdigest()[:12]
        name = f"{name[: _GROUP_NAME_MAX - 13]}~{digest}"
    return name


class GroupsWorkspaceBackend(BaseWorkspaceBackend):
    def _group(self, workspace_key, role):
        group, _created = Group.objects.get_or_create(name=group_name(workspace_key, role))
        return group

    def grant(self, *, user, workspace_key, role):
        self.grant_many(users=[user], workspace_key=workspace_key, role=role)

    def grant_many(self, *, users, workspace_key, role):
        users = list(users)
        if workspace_key and users:
            self._group(workspace_key, role).user_set.add(*users)

    def revoke(self, *, user, workspace_key, role):
        if not workspace_key:
            return
        group = Group.objects.filter(name=group_name(workspace_key, role)).first()
        if group is not None:
            group.user_set.remove(user)

    def has_role(self, *, user, workspace_key, role):
        return user.pk in self.role_holders(users=[user], workspace_key=workspace_key, role=role)

    def role_holders(self, *, users, workspace_key, role):
        ids = [user.pk for user in users]
        if not workspace_key or not ids:
            return set()
        group = Group.objects.filter(name=group_name(workspace_key, role)).first()
        if group is None:
            return set()
        return set(group.user_set.filter(pk__in=ids).values_list("pk", flat=True))
