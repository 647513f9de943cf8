"""Every call is atomic: a failing workspace leaves no trace; a refusing one refuses only its user."""

import pytest
from django.contrib.auth.models import Group
from django.test import override_settings

from cursus_xblock.models import Registration, RegistrationHistory, RegistrationStatus, Role
from cursus_xblock.services import registration as service
from cursus_xblock.services.outcomes import Refusal, Result

from .. import backends
from ..counts import seats_taken
from ..factories import EventFactory, SessionFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def fail_on():
    backends.FAIL_ON.clear()
    yield backends.FAIL_ON
    backends.FAIL_ON.clear()


def _nothing_written():
    return (
        Registration.objects.count(),
        RegistrationHistory.objects.count(),
        Group.objects.filter(user__isnull=False).count(),
    ) == (0, 0, 0)


@override_settings(CURSUS_WORKSPACE_BACKEND="tests.backends.CrashingBackend")
def test_backend_error_mid_batch_rolls_back_everything(fail_on):
    session = SessionFactory()
    EventFactory(session=session)
    users = UserFactory.create_batch(5)
    fail_on.add(users[2].username)

    with pytest.raises(RuntimeError):
        service.register_users(session=session, users=users, role=Role.LEARNER)

    assert _nothing_written()


@override_settings(CURSUS_WORKSPACE_BACKEND="tests.backends.CrashingBackend")
def test_backend_error_in_the_second_session_undoes_the_first(fail_on):
    first, second = SessionFactory(), SessionFactory()
    fail_on.add(second.workspace_key)

    with pytest.raises(RuntimeError):
        service.register(user=UserFactory(), sessions=[first, second], role=Role.LEARNER)

    assert _nothing_written()


@override_settings(CURSUS_WORKSPACE_BACKEND="tests.backends.CrashingBackend")
def test_backend_error_on_unregister_keeps_the_registration(fail_on):
    session = SessionFactory()
    registration = service.register(user=UserFactory(), sessions=[session], role=Role.LEARNER)[0].registration
    fail_on.add(session.workspace_key)

    with pytest.raises(RuntimeError):
        service.unregister(registration=registration, reason="x")

    registration.refresh_from_db()
    assert registration.status == RegistrationStatus.CONFIRMED
    assert RegistrationHistory.objects.count() == 1
    assert Group.objects.get(user=registration.user)


@override_settings(CURSUS_WORKSPACE_BACKEND="tests.backends.RefusingBackend")
def test_workspace_refusal_refuses_only_that_user(fail_on):
    session = SessionFactory(capacity=10)
    users = UserFactory.create_batch(4)
    fail_on.add(users[1].username)

    outcomes = service.register_users(session=session, users=users, role=Role.LEARNER)

    assert [o.result for o in outcomes] == [Result.REGISTERED, Result.REFUSED, Result.REGISTERED, Result.REGISTERED]
    assert outcomes[1].refusal == Refusal.WORKSPACE
    assert "inactive" in outcomes[1].message
    assert set(Registration.objects.values_list("user", flat=True)) == {users[0].pk, users[2].pk, users[3].pk}
    assert not Group.objects.filter(user=users[1]).exists()
    assert seats_taken(session) == 3


@override_settings(CURSUS_WORKSPACE_BACKEND="tests.backends.RefusingBackend")
def test_workspace_refusal_in_one_session_keeps_the_others(fail_on):
    first, second = SessionFactory(), SessionFactory(workspace_key="")
    user = UserFactory()
    fail_on.add(user.username)

    outcomes = service.register(user=user, sessions=[first, second], role=Role.LEARNER)

    assert [o.result for o in outcomes] == [Result.REFUSED, Result.REGISTERED]
    assert list(Registration.objects.values_list("session", flat=True)) == [second.pk]
