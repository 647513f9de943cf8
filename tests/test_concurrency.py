"""Races on a real server (PostgreSQL, MariaDB): the session lock must make overbooking impossible.

Each thread has its own database connection, as concurrent web requests would.
"""

import threading

import pytest
from django.db import connections

from cursus_xblock.models import Registration, RegistrationHistory, RegistrationStatus, Role
from cursus_xblock.services import registration as service
from cursus_xblock.services.outcomes import Refusal, Result

from .factories import SessionFactory, UserFactory

pytestmark = [pytest.mark.db_server, pytest.mark.django_db(transaction=True)]


def race(count, work):
    """Run ``work(i)`` in ``count`` threads released at the same instant; their results in order."""
    barrier = threading.Barrier(count)
    results, errors = [None] * count, []

    def run(index):
        try:
            barrier.wait(timeout=30)
            results[index] = work(index)
        except Exception as exc:  # noqa: BLE001 — reported by the assertion below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    return results


def test_twenty_threads_race_for_the_last_five_seats():
    session = SessionFactory(capacity=10)
    service.register_users(session=session, users=UserFactory.create_batch(5), role=Role.LEARNER)
    racers = UserFactory.create_batch(20)

    outcomes = race(20, lambda i: service.register(user=racers[i], sessions=[session.pk], role=Role.LEARNER)[0])

    assert sorted(o.result for o in outcomes).count(Result.REGISTERED) == 5
    assert Registration.objects.filter(session=session, status=RegistrationStatus.CONFIRMED).count() == 10
    waiting = list(
        Registration.objects.filter(session=session, status=RegistrationStatus.WAITING).order_by("waiting_order")
    )
    assert len(waiting) == 15
    reported = {o.user.pk: o.position for o in outcomes if o.result == Result.WAITING}
    assert sorted(reported.values()) == list(range(1, 16))
    # Arrival order: the rank each caller was told is the rank the database keeps…
    assert [r.user_id for r in waiting] == sorted(reported, key=reported.get)
    # …and rows were written in that same order (ids are assigned under the lock).
    assert [r.pk for r in waiting] == sorted(r.pk for r in waiting)
    assert Registration.objects.filter(session=session).count() == 25
    assert RegistrationHistory.objects.count() == 25


def test_without_waiting_list_the_losers_are_refused_and_leave_no_row():
    session = SessionFactory(capacity=5, waiting_list_enabled=False)
    racers = UserFactory.create_batch(20)

    outcomes = race(20, lambda i: service.register(user=racers[i], sessions=[session.pk], role=Role.LEARNER)[0])

    assert [o.result for o in outcomes].count(Result.REGISTERED) == 5
    assert {o.refusal for o in outcomes if o.result == Result.REFUSED} == {Refusal.FULL}
    assert Registration.objects.filter(session=session).count() == 5


def test_two_admins_registering_the_same_user_at_once_make_one_row():
    session = SessionFactory()
    user = UserFactory()
    admins = UserFactory.create_batch(2, is_staff=True)

    outcomes = race(
        2, lambda i: service.register(user=user, sessions=[session.pk], role=Role.LEARNER, actor=admins[i])[0]
    )

    assert sorted(o.result for o in outcomes) == sorted([Result.REGISTERED, Result.ALREADY_REGISTERED])
    assert Registration.objects.filter(user=user, session=session).count() == 1
    assert RegistrationHistory.objects.count() == 1


def test_sessions_locked_in_id_order_so_opposite_orders_do_not_deadlock():
    first, second = SessionFactory(capacity=4), SessionFactory(capacity=4)
    racers = UserFactory.create_batch(10)

    def work(i):
        order = [first.pk, second.pk] if i % 2 else [second.pk, first.pk]
        return service.register(user=racers[i], sessions=order, role=Role.LEARNER)

    race(10, work)

    for session in (first, second):
        assert Registration.objects.filter(session=session, status=RegistrationStatus.CONFIRMED).count() == 4
        assert Registration.objects.filter(session=session, status=RegistrationStatus.WAITING).count() == 6


def test_concurrent_unregisters_promote_each_waiting_learner_once():
    session = SessionFactory(capacity=3)
    outcomes = service.register_users(session=session, users=UserFactory.create_batch(8), role=Role.LEARNER)
    seated = [o.registration for o in outcomes[:3]]

    race(3, lambda i: service.unregister(registration=seated[i], reason="course annulée pour eux"))

    assert Registration.objects.filter(session=session, status=RegistrationStatus.CONFIRMED).count() == 3
    promoted = Registration.objects.filter(session=session, status=RegistrationStatus.CONFIRMED)
    assert set(promoted.values_list("user", flat=True)) == {o.user.pk for o in outcomes[3:6]}
    assert RegistrationHistory.objects.filter(action="promoted").count() == 3
