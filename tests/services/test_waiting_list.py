"""The waiting list moves whenever seats open: after a refusal by the workspace, and after any
change to the session, whichever interface makes it."""

import pytest
from django.core.exceptions import ValidationError
from django.test import override_settings
from django.urls import reverse

from cursus_xblock.models import (
    HistoryAction,
    Registration,
    RegistrationHistory,
    RegistrationStatus,
    Role,
    Session,
    SessionStatus,
)
from cursus_xblock.services import registration as service

from .. import backends
from ..counts import waiting_position
from ..factories import SessionFactory, UserFactory
from ..test_admin import _session_form_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def fail_on():
    backends.FAIL_ON.clear()
    yield backends.FAIL_ON
    backends.FAIL_ON.clear()


def _status(user, session):
    return Registration.objects.get(user=user, session=session).status


@override_settings(CURSUS_WORKSPACE_BACKEND="tests.backends.RefusingBackend")
def test_promotion_skips_refused_person(fail_on, admin_user, in_group):
    session = SessionFactory(capacity=1)
    seated, refused, next_in_line, last = UserFactory.create_batch(4)
    outcomes = service.register_users(session=session, users=[seated, refused, next_in_line, last], role=Role.LEARNER)
    fail_on.add(refused.username)

    result = service.unregister(registration=outcomes[0].registration, actor=admin_user)

    assert [r.user for r in result.promoted] == [next_in_line]
    assert _status(next_in_line, session) == RegistrationStatus.CONFIRMED
    assert in_group(next_in_line, session.workspace_key, "collaborator")
    # The refused person keeps their place at the head of the queue, and the history says why.
    assert _status(refused, session) == RegistrationStatus.WAITING
    assert waiting_position(Registration.objects.get(user=refused, session=session)) == 1
    assert not in_group(refused, session.workspace_key, "collaborator")
    entry = RegistrationHistory.objects.get(registration__user=refused, action=HistoryAction.NOT_PROMOTED)
    assert (entry.old_value, entry.new_value, entry.actor) == ("waiting", "waiting", admin_user)
    assert entry.reason == f"{refused.username} is inactive"
    assert _status(last, session) == RegistrationStatus.WAITING


@override_settings(CURSUS_WORKSPACE_BACKEND="tests.backends.RefusingBackend")
def test_promotion_skips_refused_people_until_the_list_is_exhausted(fail_on):
    session = SessionFactory(capacity=2)
    users = UserFactory.create_batch(5)
    outcomes = service.register_users(session=session, users=users, role=Role.LEARNER)
    fail_on.update(u.username for u in users[2:4])

    result = service.unregister(registration=outcomes[0].registration)

    assert [r.user for r in result.promoted] == [users[4]]
    assert [_status(u, session) for u in users] == ["cancelled", "confirmed", "waiting", "waiting", "confirmed"]
    assert RegistrationHistory.objects.filter(action=HistoryAction.NOT_PROMOTED).count() == 2


def test_capacity_raised_by_service_promotes(admin_user):
    session = SessionFactory(capacity=1)
    users = UserFactory.create_batch(5)
    service.register_users(session=session, users=users, role=Role.LEARNER)

    promoted = service.session_update(session=session, actor=admin_user, capacity=3)

    assert [r.user for r in promoted] == users[1:3]
    assert Session.objects.get(pk=session.pk).capacity == 3
    assert [_status(u, session) for u in users] == ["confirmed"] * 3 + ["waiting"] * 2
    history = RegistrationHistory.objects.filter(action=HistoryAction.PROMOTED).order_by("pk")
    assert [(h.registration.user, h.actor) for h in history] == [(users[1], admin_user), (users[2], admin_user)]


def test_capacity_removed_by_service_promotes_everyone_waiting():
    session = SessionFactory(capacity=1)
    users = UserFactory.create_batch(4)
    service.register_users(session=session, users=users, role=Role.LEARNER)

    promoted = service.session_update(session=session, capacity=None)

    assert [r.user for r in promoted] == users[1:]


def test_reopening_a_cancelled_session_by_service_promotes():
    session = SessionFactory(capacity=1)
    users = UserFactory.create_batch(2)
    service.register_users(session=session, users=users, role=Role.LEARNER)
    service.session_update(session=session, status=SessionStatus.CANCELLED, capacity=2)
    assert _status(users[1], session) == RegistrationStatus.WAITING  # a cancelled session promotes nobody

    promoted = service.session_update(session=session, status=SessionStatus.OPEN)

    assert [r.user for r in promoted] == [users[1]]


def test_session_update_validates_what_it_changes_and_changes_nothing_when_refused():
    session = SessionFactory(capacity=1)
    users = UserFactory.create_batch(2)
    service.register_users(session=session, users=users, role=Role.LEARNER)

    with pytest.raises(ValidationError) as refused:
        service.session_update(session=session, capacity=2, end=session.start)

    assert refused.value.message_dict == {"end": ["The end must be after the start."]}
    assert Session.objects.get(pk=session.pk).capacity == 1
    assert _status(users[1], session) == RegistrationStatus.WAITING


def test_session_update_refuses_unknown_fields():
    session = SessionFactory()

    with pytest.raises(TypeError):
        service.session_update(session=session, capacityy=3)


def test_capacity_raised_behind_the_services_back_is_repaired_by_the_admins_next_save(admin_client):
    """The admin saves through ``session_update``: any save gives free seats to the waiting list."""
    session = SessionFactory(capacity=1)
    users = UserFactory.create_batch(3)
    service.register_users(session=session, users=users, role=Role.LEARNER)
    Session.objects.filter(pk=session.pk).update(capacity=2)  # a shell, a data migration …
    session.refresh_from_db()
    url = reverse("admin:cursus_xblock_session_change", args=[session.pk])

    response = admin_client.post(url, _session_form_data(session, session.tzinfo, description="Salle changée"))

    assert response.status_code == 302, response.context["adminform"].form.errors
    assert [_status(u, session) for u in users] == ["confirmed", "confirmed", "waiting"]
    assert Session.objects.get(pk=session.pk).description == "Salle changée"


def _plans(work):
    """SQLite's query plan of each statement ``work`` runs that reads registrations."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        work()
    with connection.cursor() as cursor:
        for query in ctx.captured_queries:
            sql = query["sql"]
            reads_queue = "COUNT(" in sql or "DESC LIMIT 1" in sql
            if sql.startswith("SELECT") and '"cursus_xblock_registration"' in sql and reads_queue:
                cursor.execute(f"EXPLAIN QUERY PLAN {sql}")
                yield sql, " ".join(row[-1] for row in cursor.fetchall())


def test_issue14_item3_seats_and_ranks_are_counted_from_the_index_alone():
    """Seat counts and a waiting rank read the (session, role, status, waiting order) index only,
    never the registrations themselves: a session of 10,000 rows costs what an empty one does."""
    from django.db import connection

    if connection.vendor != "sqlite":
        pytest.skip("reads SQLite's query plans")
    session = SessionFactory(capacity=2, waiting_list_enabled=True)
    people = UserFactory.create_batch(5)
    service.register_users(session=session, users=people, role=Role.LEARNER)

    plans = list(_plans(lambda: service.register(user=people[3], sessions=[session], role=Role.LEARNER)))
    plans += list(_plans(lambda: service.register(user=UserFactory(), sessions=[session], role=Role.LEARNER)))

    # The rank of the one already waiting, then the last waiting-list order for each call (seats
    # taken and people waiting are the session's counters, read with its lock).
    assert len(plans) == 3
    for sql, plan in plans:
        assert "USING COVERING INDEX cursus_reg_seats" in plan, (sql, plan)


def test_issue14_item3_ranks_of_many_waiting_people_asked_again():
    """Beyond the people whose ranks are counted one by one, the queues are read up to the last one asked about."""
    session = SessionFactory(capacity=1, waiting_list_enabled=True)
    people = UserFactory.create_batch(26)
    service.register_users(session=session, users=people, role=Role.LEARNER)

    again = service.register_users(session=session, users=people[1:][::-1], role=Role.LEARNER)

    assert [o.position for o in again] == list(range(25, 0, -1))
