"""Issue 11, item 5: ``cursus_sync_workspaces`` with the groups backend, and with a backend that cannot tell."""

import csv
import io

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command

from cursus_xblock.backends import BaseWorkspaceBackend
from cursus_xblock.backends.groups import GroupsWorkspaceBackend, group_name
from cursus_xblock.models import Registration, RegistrationStatus, Role
from cursus_xblock.services import registration as service

from .factories import SessionFactory, UserFactory

pytestmark = pytest.mark.django_db


class SilentBackend(BaseWorkspaceBackend):
    """A host backend that grants but cannot say who holds a role (the interface's defaults)."""


def sync(*args):
    out, err = io.StringIO(), io.StringIO()
    call_command("cursus_sync_workspaces", *args, stdout=out, stderr=err)
    _header, *rows = csv.reader(io.StringIO(out.getvalue()))
    return rows, err.getvalue().strip()


def members(workspace_key, role):
    group = Group.objects.filter(name=group_name(workspace_key, role)).first()
    return set(group.user_set.values_list("username", flat=True)) if group else set()


@pytest.fixture
def registered_before(settings):
    """Registrations confirmed while the host had no workspace backend that did anything."""
    settings.CURSUS_WORKSPACE_BACKEND = "tests.test_sync_workspaces.SilentBackend"
    session = SessionFactory()
    ann, tom = UserFactory(username="ann"), UserFactory(username="tom")
    service.register_users(session=session, users=[ann], role=Role.LEARNER)
    service.register_users(session=session, users=[tom], role=Role.TRAINER)
    return session


def test_item5_a_backend_that_cannot_tell_gets_unknown_and_no_change(registered_before):
    rows, summary = sync()

    assert sorted(rows) == [
        ["ann", registered_before.workspace_key, "collaborator", "unknown", "none", ""],
        ["tom", registered_before.workspace_key, "manager", "unknown", "none", ""],
    ]
    assert "2 unknown; 0 granted" in summary


def test_item5_the_groups_backend_gets_the_missing_memberships_once(registered_before, settings):
    settings.CURSUS_WORKSPACE_BACKEND = "cursus_xblock.backends.groups.GroupsWorkspaceBackend"
    key = registered_before.workspace_key

    dry, _summary = sync("--dry-run")
    assert {tuple(r[3:5]) for r in dry} == {("missing", "would grant")}
    assert members(key, "collaborator") == members(key, "manager") == set()

    rows, summary = sync()
    assert sorted(rows) == [
        ["ann", key, "collaborator", "missing", "granted", ""],
        ["tom", key, "manager", "missing", "granted", ""],
    ]
    assert (members(key, "collaborator"), members(key, "manager")) == ({"ann"}, {"tom"})

    rows, summary = sync()
    assert rows == []
    assert summary.startswith("2 looked at: 0 missing")


def test_item5_a_membership_left_over_is_reported_then_revoked_on_request(settings):
    settings.CURSUS_WORKSPACE_BACKEND = "cursus_xblock.backends.groups.GroupsWorkspaceBackend"
    session = SessionFactory()
    registration = service.register(user=UserFactory(username="ann"), sessions=[session], role=Role.LEARNER)[0]
    settings.CURSUS_WORKSPACE_BACKEND = "tests.test_sync_workspaces.SilentBackend"
    service.unregister(registration=registration.registration)  # the group was not told
    settings.CURSUS_WORKSPACE_BACKEND = "cursus_xblock.backends.groups.GroupsWorkspaceBackend"

    rows, _summary = sync()
    assert rows == [["ann", session.workspace_key, "collaborator", "held without registration", "reported", ""]]
    assert members(session.workspace_key, "collaborator") == {"ann"}

    rows, _summary = sync("--revoke-orphans")
    assert rows == [["ann", session.workspace_key, "collaborator", "held without registration", "revoked", ""]]
    assert members(session.workspace_key, "collaborator") == set()
    assert sync()[0] == []


class CancelWhileLookingBackend(GroupsWorkspaceBackend):
    """The groups backend, where a manager cancels ann's registration while the command looks."""

    def role_holders(self, *, users, workspace_key, role):
        holders = super().role_holders(users=users, workspace_key=workspace_key, role=role)
        for registration in Registration.objects.filter(user__username="ann", status=RegistrationStatus.CONFIRMED):
            service.unregister(registration=registration, reason="cancelled meanwhile")
        return holders


def test_item5_a_registration_cancelled_meanwhile_is_not_granted(registered_before, settings):
    settings.CURSUS_WORKSPACE_BACKEND = "tests.test_sync_workspaces.CancelWhileLookingBackend"
    key = registered_before.workspace_key

    sync()

    # ann was read as confirmed, then cancelled before the grant: the grant decides under the role
    # lock from what is confirmed then, as the registration service does, so she gets nothing.
    assert members(key, "collaborator") == set()
    assert members(key, "manager") == {"tom"}
