"""Issue 14, item 1: one person (or a group) into many sessions in a bounded number of queries.

``register`` and ``register_users_in_sessions`` batch across sessions as ``register_users``
batches across people: the same rules and outcomes, a number of queries that does not grow with
the sessions.
"""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cursus_xblock.models import (
    EventRegistration,
    Registration,
    RegistrationHistory,
    RegistrationStatus,
    Role,
    SessionStatus,
)
from cursus_xblock.services import registration as service
from cursus_xblock.services.outcomes import Refusal, Result

from ..factories import EventFactory, SessionFactory, UserFactory
from ..roundtrips import measure

pytestmark = pytest.mark.django_db

#: The issue's goal for a 50-session call, whatever the number of people.
MAX_QUERIES = 25


def realistic_sessions(count):
    """Sessions as they are: a séance each, other learners already in, some of them full with a waiting list."""
    sessions = []
    for index in range(count):
        session = SessionFactory(capacity=3, waiting_list_enabled=True)
        EventFactory(session=session)
        others = UserFactory.create_batch(3 if index % 5 == 4 else 1)
        service.register_users(session=session, users=others, role=Role.LEARNER)
        sessions.append(session)
    return sessions


def queries(work):
    with CaptureQueriesContext(connection) as ctx:
        work()
    return len(ctx.captured_queries)


def test_item1_register_into_50_sessions_costs_the_queries_of_one():
    one, fifty = realistic_sessions(1), realistic_sessions(50)
    learner_a, learner_b = UserFactory(), UserFactory()

    single = queries(lambda: service.register(user=learner_a, sessions=one, role=Role.LEARNER))
    many = queries(lambda: service.register(user=learner_b, sessions=fifty, role=Role.LEARNER))

    assert many <= MAX_QUERIES, many
    assert many <= single + 3, (single, many)
    assert Registration.objects.filter(user=learner_b).count() == 50
    assert RegistrationHistory.objects.filter(registration__user=learner_b, event_registration=None).count() == 50
    # The full sessions (every fifth) put them on the waiting list; the others confirmed, with their séance.
    assert Registration.objects.filter(user=learner_b, status=RegistrationStatus.WAITING).count() == 10
    assert EventRegistration.objects.filter(registration__user=learner_b).count() == 40


def test_item1_a_group_into_50_sessions_costs_the_queries_of_one_session():
    one, fifty = realistic_sessions(1), realistic_sessions(50)
    # Four people: 200 rows of each kind, which SQLite inserts in several statements (999 parameters at
    # most each): the comparison with one session counts them as one round trip (``tests/roundtrips.py``).
    group_a, group_b = UserFactory.create_batch(4), UserFactory.create_batch(4)

    _, single = measure(lambda: service.register_users_in_sessions(sessions=one, users=group_a, role=Role.LEARNER))
    many, many_trips = measure(
        lambda: service.register_users_in_sessions(sessions=fifty, users=group_b, role=Role.LEARNER)
    )

    assert many <= MAX_QUERIES, many
    assert many_trips <= single + 1, (single, many_trips)
    assert Registration.objects.filter(user__in=group_b).count() == 200


def test_item1_outcomes_in_the_order_given_with_each_sessions_rule(in_group):
    now = timezone.now()
    plain, full, waiting, cancelled, ended, pending = (
        SessionFactory(),
        SessionFactory(capacity=1, waiting_list_enabled=False),
        SessionFactory(capacity=1, waiting_list_enabled=True),
        SessionFactory(status=SessionStatus.CANCELLED),
        SessionFactory(start=now - datetime.timedelta(days=3), end=now - datetime.timedelta(days=1)),
        SessionFactory(validation_required=True),
    )
    EventFactory(session=plain)
    someone_else = UserFactory()
    service.register(user=someone_else, sessions=[full, waiting], role=Role.LEARNER)
    already = UserFactory()
    service.register(user=already, sessions=[waiting], role=Role.LEARNER)
    learner = UserFactory()
    service.register(user=learner, sessions=[waiting], role=Role.LEARNER)  # second in the queue

    given = [pending, ended, waiting, plain, cancelled, full, plain]
    outcomes = service.register(user=learner, sessions=given, role=Role.LEARNER, reason="plan de formation")

    assert [(o.session.pk, o.result) for o in outcomes] == [
        (pending.pk, Result.PENDING),
        (ended.pk, Result.REFUSED),
        (waiting.pk, Result.ALREADY_REGISTERED),
        (plain.pk, Result.REGISTERED),
        (cancelled.pk, Result.REFUSED),
        (full.pk, Result.REFUSED),
    ]
    assert [o.refusal for o in outcomes if o.result == Result.REFUSED] == [
        Refusal.ENDED,
        Refusal.CANCELLED,
        Refusal.FULL,
    ]
    assert outcomes[2].position == 2
    assert outcomes[3].registration.status == RegistrationStatus.CONFIRMED
    assert in_group(learner, plain.workspace_key, "collaborator")
    assert not in_group(learner, pending.workspace_key, "collaborator")
    assert EventRegistration.objects.filter(registration=outcomes[3].registration).count() == 1
    history = RegistrationHistory.objects.filter(
        registration__user=learner, reason="plan de formation", event_registration=None
    )
    assert sorted(h.registration.session_id for h in history) == sorted([pending.pk, plain.pk])


def test_item1_waiting_positions_of_newcomers_follow_each_queue():
    first, second = (SessionFactory(capacity=1, waiting_list_enabled=True) for _ in range(2))
    service.register_users_in_sessions(sessions=[first, second], users=UserFactory.create_batch(2), role=Role.LEARNER)
    group = UserFactory.create_batch(2)

    results = service.register_users_in_sessions(sessions=[second, first], users=group, role=Role.LEARNER)

    assert [(s.pk, [o.position for o in outcomes]) for s, outcomes in results] == [
        (second.pk, [2, 3]),
        (first.pk, [2, 3]),
    ]
