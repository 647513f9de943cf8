"""Issue 14, item 6: seats taken and people waiting are columns of the session, kept exact.

Every change of a registration moves them (the services, under the session's lock; the model for
any other write), so the catalogue reads them instead of counting registrations. These tests
compare them with the registrations themselves after random series of every kind of change.
"""

import random
from io import StringIO

import pytest
from django.core.management import call_command
from django.db.models import Count, Q

from cursus_xblock.models import SEAT_STATUSES, Registration, RegistrationStatus, Role, Session, recount_seats
from cursus_xblock.services import registration as service
from cursus_xblock.services.outcomes import RegistrationError
from cursus_xblock.services.retirement import retire

from ..factories import SessionFactory, UserFactory

pytestmark = pytest.mark.django_db


def real_counts():
    """{session id: (seats taken, people waiting)} counted from the registrations."""
    rows = Session.objects.annotate(
        taken=Count(
            "registrations", filter=Q(registrations__role=Role.LEARNER, registrations__status__in=SEAT_STATUSES)
        ),
        waiting=Count(
            "registrations",
            filter=Q(registrations__role=Role.LEARNER, registrations__status=RegistrationStatus.WAITING),
        ),
    )
    return {pk: (taken, waiting) for pk, taken, waiting in rows.values_list("pk", "taken", "waiting")}


def stored_counts():
    return {
        pk: (taken, waiting) for pk, taken, waiting in Session.objects.values_list("pk", "seats_taken", "waiting_count")
    }


def test_issue14_item6_counters_equal_the_real_counts_through_random_changes():
    rng = random.Random(14)
    sessions = [
        SessionFactory(capacity=rng.choice([1, 2, 3, None]), validation_required=rng.random() < 0.3) for _ in range(6)
    ]
    sessions[0].waiting_list_enabled = False
    sessions[0].save()
    people = UserFactory.create_batch(12)
    kinds = []
    for step in range(150):
        kind = rng.choice(
            ["register", "register_many", "group", "trainer", "unregister", "validate", "refuse", "capacity"]
        )
        if step == 120:
            kind = "retire"
        kinds.append(kind)
        if kind == "register":
            service.register(user=rng.choice(people), sessions=rng.sample(sessions, 3), role=Role.LEARNER)
        elif kind == "register_many":
            service.register_users(session=rng.choice(sessions), users=rng.sample(people, 4), role=Role.LEARNER)
        elif kind == "group":
            service.register_users_in_sessions(
                sessions=rng.sample(sessions, 2), users=rng.sample(people, 3), role=Role.LEARNER
            )
        elif kind == "trainer":
            service.register(user=rng.choice(people), sessions=[rng.choice(sessions)], role=Role.TRAINER)
        elif kind == "capacity":
            session = Session.objects.get(pk=rng.choice(sessions).pk)
            service.session_update(session=session, capacity=rng.choice([1, 2, 4, None]))
        elif kind == "retire":
            retire(user=people.pop())
        else:
            wanted = {"unregister": RegistrationStatus.CONFIRMED, "validate": RegistrationStatus.PENDING}
            status = wanted.get(kind, RegistrationStatus.PENDING)
            statuses = [status, RegistrationStatus.WAITING] if kind == "unregister" else [status]
            candidates = list(Registration.objects.filter(status__in=statuses).order_by("pk"))
            if not candidates:
                continue
            registration = rng.choice(candidates)
            try:
                getattr(service, kind)(registration=registration)
            except RegistrationError:
                pass
        assert stored_counts() == real_counts(), (step, kind)
    # The series went through every kind of change, and left every status behind it.
    assert set(kinds) >= {
        "register",
        "register_many",
        "group",
        "trainer",
        "unregister",
        "validate",
        "refuse",
        "capacity",
        "retire",
    }
    statuses = set(Registration.objects.values_list("status", flat=True))
    assert statuses >= {RegistrationStatus.CONFIRMED, RegistrationStatus.WAITING, RegistrationStatus.CANCELLED}
    assert recount_seats(fix=False) == {}


def test_issue14_item6_writes_outside_the_services_keep_the_counters_too():
    session = SessionFactory(capacity=5)
    people = UserFactory.create_batch(4)
    Registration.objects.create(user=people[0], session=session, role=Role.LEARNER, status=RegistrationStatus.CONFIRMED)
    Registration.objects.bulk_create(
        Registration(user=user, session=session, role=Role.LEARNER, status=RegistrationStatus.WAITING, waiting_order=n)
        for n, user in enumerate(people[1:3], start=1)
    )
    Registration.objects.create(user=people[3], session=session, role=Role.TRAINER, status=RegistrationStatus.CONFIRMED)
    assert stored_counts()[session.pk] == (1, 2)

    waiting = Registration.objects.filter(session=session, status=RegistrationStatus.WAITING).order_by("pk")
    first = waiting[0]
    first.status = RegistrationStatus.PENDING
    first.save()
    assert stored_counts()[session.pk] == (2, 1)
    Registration.objects.filter(session=session, role=Role.LEARNER).update(status=RegistrationStatus.CANCELLED)
    assert stored_counts()[session.pk] == (0, 0)
    # An admin's save of a copy read before all this does not write its stale counters back.
    stale = Session.objects.get(pk=session.pk)
    Registration.objects.filter(user=people[0], session=session).update(status=RegistrationStatus.CONFIRMED)
    stale.place = "Salle 2"
    stale.save()
    assert stored_counts()[session.pk] == (1, 0) == real_counts()[session.pk]


def test_issue14_item6_recount_command_reports_then_fixes():
    session, other = SessionFactory(code="RC-1"), SessionFactory(code="RC-2")
    service.register_users(session=session, users=UserFactory.create_batch(3), role=Role.LEARNER)
    # Raw SQL, a restored table…: the counters no longer say what the registrations do.
    Session.objects.filter(pk=session.pk).update(seats_taken=7, waiting_count=2)

    dry = StringIO()
    call_command("cursus_recount_seats", stdout=dry)
    assert "RC-1: seats taken 7 (counted 3), waiting 2 (counted 0)" in dry.getvalue()
    assert "1 wrong of all sessions." in dry.getvalue()
    assert stored_counts()[session.pk] == (7, 2)  # a dry run changes nothing

    fixed = StringIO()
    call_command("cursus_recount_seats", "--fix", "--session", "RC-1", stdout=fixed)
    assert "1 fixed of 1 session(s)." in fixed.getvalue()
    assert stored_counts() == real_counts() == {session.pk: (3, 0), other.pk: (0, 0)}

    again = StringIO()
    call_command("cursus_recount_seats", stdout=again)
    assert "0 wrong of all sessions." in again.getvalue()
