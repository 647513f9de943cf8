"""Races on a real server (PostgreSQL, MariaDB): the session lock must make overbooking impossible,
and the workspace-role lock must keep roles and registrations in step across sessions.

Each thread has its own database connection, as concurrent web requests would.
"""

import random
import threading

import pytest
from django.contrib.auth.models import Group
from django.db import connections, transaction

from cursus_xblock.backends.groups import group_name
from cursus_xblock.models import Notification, Registration, RegistrationHistory, RegistrationStatus, Role, Session
from cursus_xblock.services import notifications
from cursus_xblock.services import registration as service
from cursus_xblock.services.deadlocks import retry_deadlock
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


# --- one person's workspace role across sessions that share the workspace ----------------------


def overlap(*works, linger=3):
    """Run the works one after the other, each in its own thread and transaction, none committing
    until the last has run: each decides without seeing the others' writes, as two requests
    arriving a few milliseconds apart would.

    A work blocked by an earlier one's lock never returns: the others stop waiting after
    ``linger`` seconds and commit, which releases it. So the outcome is deterministic either way:
    without a lock the transactions overlap in this order; with one they run one after the other.
    """
    returned = [threading.Event() for _ in works]
    all_returned = threading.Barrier(len(works))
    errors = []

    def run(index, work):
        try:
            if index:
                assert returned[index - 1].wait(timeout=30), "the previous work never returned"
            with transaction.atomic():
                work()
                returned[index].set()
                try:
                    all_returned.wait(timeout=linger)
                except threading.BrokenBarrierError:
                    pass  # a later work is waiting for a lock this transaction holds
        except Exception as exc:  # noqa: BLE001 — reported by the assertion below
            errors.append(exc)
        finally:
            returned[index].set()
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, work)) for i, work in enumerate(works)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors


def _two_sessions_sharing_a_workspace():
    first = SessionFactory(workspace_key="course-v1:Org+Shared+2026")
    second = SessionFactory(workspace_key="course-v1:Org+Shared+2026")
    return first, second


def _holds_role_iff_confirmed(user, workspace_key):
    """(holds the collaborator role, has a confirmed learner registration) on the workspace."""
    holds = Group.objects.filter(name=group_name(workspace_key, "collaborator"), user=user).exists()
    confirmed = Registration.objects.filter(
        user=user, role=Role.LEARNER, status=RegistrationStatus.CONFIRMED, session__workspace_key=workspace_key
    ).exists()
    return holds, confirmed


def test_write_skew_two_unregisters_keep_no_role():
    first, second = _two_sessions_sharing_a_workspace()
    user = UserFactory()
    (in_first,) = service.register(user=user, sessions=[first], role=Role.LEARNER)
    (in_second,) = service.register(user=user, sessions=[second], role=Role.LEARNER)

    overlap(
        lambda: service.unregister(registration=in_first.registration),
        lambda: service.unregister(registration=in_second.registration),
    )

    assert _holds_role_iff_confirmed(user, first.workspace_key) == (False, False)


def test_write_skew_register_while_unregistering_keeps_the_role():
    first, second = _two_sessions_sharing_a_workspace()
    user = UserFactory()
    (in_first,) = service.register(user=user, sessions=[first], role=Role.LEARNER)

    overlap(
        lambda: service.register(user=user, sessions=[second], role=Role.LEARNER),
        lambda: service.unregister(registration=in_first.registration),
    )

    assert _holds_role_iff_confirmed(user, first.workspace_key) == (True, True)


def test_write_skew_promotion_while_unregistering_keeps_the_role():
    first, second = _two_sessions_sharing_a_workspace()
    first.capacity = 1
    first.save()
    user, seated = UserFactory(), UserFactory()
    (seat,) = service.register(user=seated, sessions=[first], role=Role.LEARNER)
    (waiting,) = service.register(user=user, sessions=[first], role=Role.LEARNER)
    (in_second,) = service.register(user=user, sessions=[second], role=Role.LEARNER)
    assert waiting.result == Result.WAITING

    overlap(
        lambda: service.unregister(registration=seat.registration),  # promotes user in the first session
        lambda: service.unregister(registration=in_second.registration),
    )

    assert Registration.objects.get(pk=waiting.registration.pk).status == RegistrationStatus.CONFIRMED
    assert _holds_role_iff_confirmed(user, first.workspace_key) == (True, True)


def test_registered_at_follows_waiting_order():
    session = SessionFactory(capacity=1)
    service.register_users(session=session, users=[UserFactory()], role=Role.LEARNER)
    racers = UserFactory.create_batch(24)

    race(24, lambda i: service.register(user=racers[i], sessions=[session.pk], role=Role.LEARNER))

    waiting = list(
        Registration.objects.filter(session=session, status=RegistrationStatus.WAITING).order_by("waiting_order")
    )
    assert len(waiting) == 24
    disagreeing = [
        (a.pk, b.pk) for a, b in zip(waiting, waiting[1:], strict=False) if a.registered_at > b.registered_at
    ]
    assert disagreeing == []
    # The history tells the same story: its dates follow the waiting order too.
    written = dict(
        RegistrationHistory.objects.filter(registration__in=waiting).values_list("registration_id", "created_at")
    )
    assert [written[r.pk] for r in waiting] == sorted(written[r.pk] for r in waiting)


def test_roles_follow_registrations_through_random_concurrent_changes():
    """The same rule, statistically: eight threads registering and unregistering four people in three
    sessions of one workspace, twelve rounds; after each, role held ⇔ a confirmed registration, and
    no call lost to a deadlock. At the end every recorded change has its learner's message (queued
    after the commit, the message's insert met the registration calls in a lock cycle on MariaDB)."""
    key = "course-v1:Org+Shared+2026"
    sessions = [SessionFactory(workspace_key=key, capacity=2) for _ in range(3)]
    people = UserFactory.create_batch(4)

    for round_ in range(12):

        def work(i, round_=round_):
            rng = random.Random(round_ * 100 + i)
            for _ in range(4):
                user, session = rng.choice(people), rng.choice(sessions)
                registration = Registration.objects.filter(user=user, session=session, role=Role.LEARNER).first()
                if registration is not None and registration.is_active and rng.random() < 0.6:
                    service.unregister(registration=registration)
                else:
                    service.register_users(session=session, users=rng.sample(people, 2), role=Role.LEARNER)

        race(8, work)
        mismatched = [u.username for u in people if len(set(_holds_role_iff_confirmed(u, key))) != 1]
        assert mismatched == [], f"round {round_}: role held without a confirmed registration, or the reverse"

    changes = RegistrationHistory.objects.filter(event_registration=None).select_related("registration", "actor")
    told = [h for h in changes if notifications.trigger_of(**{f: getattr(h, f) for f in TRIGGER_FIELDS})]
    assert Notification.objects.count() == len(told) > 0


TRIGGER_FIELDS = ("registration", "action", "new_value", "actor")


def test_a_deadlock_victim_runs_again():
    """Two calls lock two sessions in opposite orders, each holding its first when it asks for its
    second: the server aborts one (a real deadlock), and ``retry_deadlock`` runs it again."""
    first, second = SessionFactory(), SessionFactory()
    both_hold_one = threading.Barrier(2)
    attempts = []

    def lock_both(order, index):
        @retry_deadlock
        @transaction.atomic
        def call():
            attempts.append(index)
            Session.objects.select_for_update().get(pk=order[0])
            if len(attempts) <= 2:  # the first attempts only: the victim's second goes straight on
                both_hold_one.wait(timeout=30)
            Session.objects.select_for_update().get(pk=order[1])
            Session.objects.filter(pk=order[0]).update(place=f"by {index}")
            return index

        return call()

    orders = [(first.pk, second.pk), (second.pk, first.pk)]
    results = race(2, lambda i: lock_both(orders[i], i))

    assert results == [0, 1]
    assert len(attempts) == 3 and sorted(set(attempts)) == [0, 1]  # one of the two ran twice


def test_issue14_item6_seat_counters_stay_exact_under_twenty_racing_threads():
    """Twenty threads registering, unregistering, validating and refusing in three small sessions
    at once: each session's seats taken and waiting count equal its registrations afterwards."""
    sessions = [
        SessionFactory(capacity=3),
        SessionFactory(capacity=2, validation_required=True),
        SessionFactory(capacity=None),
    ]
    people = UserFactory.create_batch(10)

    def work(i):
        rng = random.Random(i)
        for _ in range(5):
            session = rng.choice(sessions)
            choice = rng.random()
            if choice < 0.5:
                service.register(user=rng.choice(people), sessions=[session.pk], role=Role.LEARNER)
                continue
            status = RegistrationStatus.PENDING if choice < 0.7 else RegistrationStatus.CONFIRMED
            mine = Registration.objects.filter(session=session, status=status).order_by("?").first()
            if mine is None:
                continue
            try:
                if status == RegistrationStatus.CONFIRMED:
                    service.unregister(registration=mine)
                elif choice < 0.6:
                    service.validate(registration=mine)
                else:
                    service.refuse(registration=mine)
            except service.RegistrationError:
                pass  # another thread got there first

    race(20, work)

    for session in Session.objects.filter(pk__in=[s.pk for s in sessions]):
        learners = Registration.objects.filter(session=session, role=Role.LEARNER)
        taken = learners.filter(status__in=[RegistrationStatus.CONFIRMED, RegistrationStatus.PENDING]).count()
        waiting = learners.filter(status=RegistrationStatus.WAITING).count()
        assert (session.seats_taken, session.waiting_count) == (taken, waiting), session.code
        assert session.capacity is None or taken <= session.capacity
    assert Registration.objects.exclude(status=RegistrationStatus.CANCELLED).exists()
