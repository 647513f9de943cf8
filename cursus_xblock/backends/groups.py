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

    def grant_each(self, grants):
        """All the groups' memberships in a few queries, whatever the number of workspaces.

        A subclass that overrides ``grant_many`` (a host adding its own step) is called through it,
        one workspace at a time.
        """
        if type(self).grant_many is not GroupsWorkspaceBackend.grant_many:
            return super().grant_each(grants)
        names = {group_name(key, role): users for (key, role), users in grants.items() if key and users}
        if not names:
            return
        groups = {g.name: g for g in Group.objects.filter(name__in=names)}
        missing = [Group(name=name) for name in names if name not in groups]
        if missing:
            Group.objects.bulk_create(missing, ignore_conflicts=True)
            groups = {g.name: g for g in Group.objects.filter(name__in=names)}
        membership = Group.user_set.through
        membership.objects.bulk_create(
            [
                membership(group_id=groups[name].pk, user_id=user.pk)
                for name, users in names.items()
                for user in dict.fromkeys(users)
            ],
            ignore_conflicts=True,
        )

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
