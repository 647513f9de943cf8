"""The registration rules, one by one, on the service (the only code that writes registrations)."""

import datetime

import pytest
from django.utils import timezone

from cursus_xblock.models import (
    EventRegistration,
    EventRegistrationType,
    HistoryAction,
    Registration,
    RegistrationHistory,
    RegistrationStatus,
    Role,
    SessionStatus,
)
from cursus_xblock.services import event_registration as event_service
from cursus_xblock.services import registration as service
from cursus_xblock.services.outcomes import Refusal, Result
from cursus_xblock.signals import registration_changed

from ..counts import seats_taken, waiting_position
from ..factories import EventFactory, SessionFactory, UserFactory
from ..roundtrips import measure

pytestmark = pytest.mark.django_db


def _register(user, session, role=Role.LEARNER, actor=None, reason=""):
    (outcome,) = service.register(user=user, sessions=[session], role=role, actor=actor, reason=reason)
    return outcome


def test_learner_is_confirmed_recorded_and_made_collaborator(admin_user, in_group):
    session = SessionFactory(capacity=10)
    learner = UserFactory()

    outcome = _register(learner, session, actor=admin_user, reason="Plan de formation 2026")

    assert outcome.result == Result.REGISTERED
    row = Registration.objects.get(user=learner, session=session)
    assert (row.role, row.status, row.registered_by) == (Role.LEARNER, RegistrationStatus.CONFIRMED, admin_user)
    (entry,) = RegistrationHistory.objects.filter(registration=row)
    assert (entry.action, entry.old_value, entry.new_value) == (HistoryAction.REGISTERED, "", "confirmed")
    assert (entry.actor, entry.reason) == (admin_user, "Plan de formation 2026")
    assert in_group(learner, session.workspace_key, "collaborator")
    assert not in_group(learner, session.workspace_key, "manager")


def test_trainer_becomes_manager_and_is_never_capacity_limited(in_group):
    session = SessionFactory(capacity=1, waiting_list_enabled=False)
    _register(UserFactory(), session)
    trainers = UserFactory.create_batch(3)

    outcomes = service.register_users(session=session, users=trainers, role=Role.TRAINER)

    assert [o.result for o in outcomes] == [Result.REGISTERED] * 3
    assert all(in_group(t, session.workspace_key, "manager") for t in trainers)
    assert seats_taken(session) == 1


def test_full_session_puts_learners_on_the_waiting_list_in_arrival_order():
    session = SessionFactory(capacity=2)
    users = UserFactory.create_batch(5)

    outcomes = service.register_users(session=session, users=users, role=Role.LEARNER)

    assert [o.result for o in outcomes] == [Result.REGISTERED] * 2 + [Result.WAITING] * 3
    assert [o.position for o in outcomes[2:]] == [1, 2, 3]
    waiting = Registration.objects.filter(session=session, status=RegistrationStatus.WAITING).order_by("waiting_order")
    assert [r.user for r in waiting] == users[2:]
    later = _register(UserFactory(), session)
    assert (later.result, later.position) == (Result.WAITING, 4)


def test_full_session_without_waiting_list_refuses_and_writes_nothing():
    session = SessionFactory(capacity=1, waiting_list_enabled=False)
    _register(UserFactory(), session)
    late = UserFactory()

    outcome = _register(late, session)

    assert (outcome.result, outcome.refusal) == (Result.REFUSED, Refusal.FULL)
    assert str(outcome.message) == str(Refusal.FULL.label)
    assert not Registration.objects.filter(user=late).exists()
    assert RegistrationHistory.objects.count() == 1


@pytest.mark.parametrize(
    "changes, refusal",
    [
        ({"status": SessionStatus.CLOSED}, Refusal.CLOSED),
        ({"status": SessionStatus.CANCELLED}, Refusal.CANCELLED),
        (
            {
                "start": timezone.now() - datetime.timedelta(days=3),
                "end": timezone.now() - datetime.timedelta(days=1),
            },
            Refusal.ENDED,
        ),
    ],
)
def test_closed_cancelled_and_ended_sessions_refuse(changes, refusal):
    session = SessionFactory(**changes)
    user = UserFactory()

    outcome = _register(user, session)

    assert (outcome.result, outcome.refusal) == (Result.REFUSED, refusal)
    assert not Registration.objects.exists()
    assert not RegistrationHistory.objects.exists()


def test_registering_twice_keeps_one_row_and_reports_it():
    session = SessionFactory()
    user = UserFactory()
    _register(user, session)

    again = _register(user, session)
    batch = service.register_users(session=session, users=[user, user], role=Role.LEARNER)

    assert again.result == Result.ALREADY_REGISTERED
    assert [o.result for o in batch] == [Result.ALREADY_REGISTERED]
    assert Registration.objects.filter(user=user, session=session).count() == 1
    assert RegistrationHistory.objects.count() == 1


def test_registering_again_after_unregistering_reuses_the_row_and_keeps_the_past(admin_user):
    session = SessionFactory()
    user = UserFactory()
    first = _register(user, session).registration
    service.unregister(registration=first, actor=admin_user, reason="Conflit d'agenda")

    again = _register(user, session)

    assert again.result == Result.REGISTERED
    assert again.registration.pk == first.pk
    history = list(RegistrationHistory.objects.filter(registration=first).order_by("pk"))
    assert [(h.action, h.old_value, h.new_value) for h in history] == [
        (HistoryAction.REGISTERED, "", "confirmed"),
        (HistoryAction.CANCELLED, "confirmed", "cancelled"),
        (HistoryAction.REGISTERED, "cancelled", "confirmed"),
    ]
    assert history[1].reason == "Conflit d'agenda"


def test_one_user_in_many_sessions_gets_one_outcome_per_session_in_the_order_given():
    full = SessionFactory(capacity=0, waiting_list_enabled=False)
    open_, closed = SessionFactory(), SessionFactory(status=SessionStatus.CLOSED)
    user = UserFactory()

    outcomes = service.register(user=user, sessions=[closed, open_, full], role=Role.LEARNER)

    assert [(o.session, o.result, o.refusal) for o in outcomes] == [
        (closed, Result.REFUSED, Refusal.CLOSED),
        (open_, Result.REGISTERED, ""),
        (full, Result.REFUSED, Refusal.FULL),
    ]


def test_unknown_session_raises_before_anything_is_written():
    session = SessionFactory()
    with pytest.raises(type(session).DoesNotExist):
        service.register(user=UserFactory(), sessions=[session, 987654], role=Role.LEARNER)
    assert not Registration.objects.exists()


def test_validation_required_makes_pending_which_holds_a_seat(in_group, admin_user):
    session = SessionFactory(capacity=1, validation_required=True)
    first, second = UserFactory(), UserFactory()

    pending = _register(first, session)
    waiting = _register(second, session)

    assert pending.result == Result.PENDING
    assert waiting.result == Result.WAITING
    assert not in_group(first, session.workspace_key, "collaborator")

    service.validate(registration=pending.registration, actor=admin_user, reason="Accord du manager")

    pending.registration.refresh_from_db()
    assert pending.registration.status == RegistrationStatus.CONFIRMED
    assert in_group(first, session.workspace_key, "collaborator")
    last = RegistrationHistory.objects.filter(registration=pending.registration).first()
    assert (last.action, last.old_value, last.new_value) == (HistoryAction.VALIDATED, "pending", "confirmed")


def test_refusing_a_pending_registration_frees_its_seat_for_the_waiting_list():
    session = SessionFactory(capacity=1, validation_required=True)
    first, second = UserFactory(), UserFactory()
    pending = _register(first, session).registration
    _register(second, session)

    service.refuse(registration=pending, reason="Prérequis manquants")

    assert Registration.objects.get(user=first).status == RegistrationStatus.CANCELLED
    # Promotion keeps the rule of the session: it still needs validation.
    assert Registration.objects.get(user=second).status == RegistrationStatus.PENDING
    assert RegistrationHistory.objects.filter(action=HistoryAction.REFUSED, reason="Prérequis manquants").count() == 1


def test_validate_and_refuse_only_apply_to_pending_registrations():
    session = SessionFactory()
    confirmed = _register(UserFactory(), session).registration
    from cursus_xblock.services.outcomes import RegistrationError

    with pytest.raises(RegistrationError) as exc:
        service.validate(registration=confirmed)
    assert exc.value.code == "not_pending"
    with pytest.raises(RegistrationError):
        service.refuse(registration=confirmed)
    confirmed.refresh_from_db()
    assert confirmed.status == RegistrationStatus.CONFIRMED


def test_unregister_promotes_the_first_waiting_learner(admin_user, in_group):
    session = SessionFactory(capacity=1)
    seated, first_waiting, second_waiting = UserFactory.create_batch(3)
    outcomes = service.register_users(session=session, users=[seated, first_waiting, second_waiting], role=Role.LEARNER)

    result = service.unregister(registration=outcomes[0].registration, actor=admin_user, reason="Malade")

    assert result.changed and result.previous_status == RegistrationStatus.CONFIRMED
    assert [r.user for r in result.promoted] == [first_waiting]
    statuses = dict(Registration.objects.values_list("user__username", "status"))
    assert statuses == {
        seated.username: "cancelled",
        first_waiting.username: "confirmed",
        second_waiting.username: "waiting",
    }
    assert not in_group(seated, session.workspace_key, "collaborator")
    assert in_group(first_waiting, session.workspace_key, "collaborator")
    promoted = RegistrationHistory.objects.get(action=HistoryAction.PROMOTED)
    assert (promoted.registration.user, promoted.old_value, promoted.new_value) == (
        first_waiting,
        "waiting",
        "confirmed",
    )
    assert waiting_position(Registration.objects.get(user=second_waiting)) == 1


def test_no_promotion_once_the_session_has_started():
    session = SessionFactory(capacity=1)
    seated, waiting = UserFactory.create_batch(2)
    outcomes = service.register_users(session=session, users=[seated, waiting], role=Role.LEARNER)
    type(session).objects.filter(pk=session.pk).update(start=timezone.now() - datetime.timedelta(hours=1))

    result = service.unregister(registration=outcomes[0].registration)

    assert result.promoted == []
    assert Registration.objects.get(user=waiting).status == RegistrationStatus.WAITING


def test_unregister_twice_changes_nothing_the_second_time():
    registration = _register(UserFactory(), SessionFactory()).registration
    service.unregister(registration=registration)

    again = service.unregister(registration=registration)

    assert not again.changed
    assert RegistrationHistory.objects.filter(action=HistoryAction.CANCELLED).count() == 1


def test_role_is_revoked_only_when_the_last_registration_on_the_workspace_ends(in_group):
    shared = "course-v1:Org+Shared+2026"
    first, second = SessionFactory(workspace_key=shared), SessionFactory(workspace_key=shared)
    user = UserFactory()
    regs = [o.registration for o in service.register(user=user, sessions=[first, second], role=Role.LEARNER)]
    trainer_reg = _register(user, SessionFactory(workspace_key=shared), role=Role.TRAINER).registration

    service.unregister(registration=regs[0])
    assert in_group(user, shared, "collaborator")

    service.unregister(registration=regs[1])
    assert not in_group(user, shared, "collaborator")
    assert in_group(user, shared, "manager")  # the trainer registration grants another role

    service.unregister(registration=trainer_reg)
    assert not in_group(user, shared, "manager")


def test_lowering_capacity_never_unregisters_anyone_and_new_learners_wait():
    session = SessionFactory(capacity=3)
    service.register_users(session=session, users=UserFactory.create_batch(3), role=Role.LEARNER)
    session.capacity = 1
    session.save()

    outcome = _register(UserFactory(), session)

    assert Registration.objects.filter(status=RegistrationStatus.CONFIRMED).count() == 3
    assert (outcome.result, outcome.position) == (Result.WAITING, 1)


def test_raising_capacity_promotes_from_the_waiting_list():
    session = SessionFactory(capacity=1)
    service.register_users(session=session, users=UserFactory.create_batch(3), role=Role.LEARNER)
    session.capacity = 2
    session.save()

    promoted = service.promote_waiting(session=session)

    assert len(promoted) == 1
    assert seats_taken(session) == 2


def test_auto_events_follow_the_session_registration_and_manual_ones_do_not():
    session = SessionFactory(capacity=1)
    auto = EventFactory(session=session, registration_type=EventRegistrationType.AUTO)
    EventFactory(session=session, registration_type=EventRegistrationType.MANUAL, capacity=5)
    seated, waiting = UserFactory.create_batch(2)
    outcomes = service.register_users(session=session, users=[seated, waiting], role=Role.LEARNER)

    assert list(EventRegistration.objects.values_list("registration__user", "event", "status")) == [
        (seated.pk, auto.pk, "confirmed")
    ]

    service.unregister(registration=outcomes[0].registration)

    states = dict(EventRegistration.objects.values_list("registration__user", "status"))
    assert states == {seated.pk: "cancelled", waiting.pk: "confirmed"}
    cancelled = RegistrationHistory.objects.get(event_registration__registration__user=seated, action="cancelled")
    assert cancelled.old_value == "confirmed"


def test_manual_events_have_their_own_capacity_and_waiting_list():
    session = SessionFactory()
    workshop = EventFactory(session=session, registration_type=EventRegistrationType.MANUAL, capacity=1)
    regs = [
        o.registration
        for o in service.register_users(session=session, users=UserFactory.create_batch(2), role=Role.LEARNER)
    ]

    (first,) = event_service.register_to_events(registration=regs[0], events=[workshop])
    (second,) = event_service.register_to_events(registration=regs[1], events=[workshop])
    (again,) = event_service.register_to_events(registration=regs[1], events=[workshop])

    assert (first.result, second.result, second.position) == (Result.REGISTERED, Result.WAITING, 1)
    assert again.result == Result.ALREADY_REGISTERED

    event_service.unregister_from_event(event_registration=first.event_registration, reason="Empêché")

    assert EventRegistration.objects.get(registration=regs[1]).status == RegistrationStatus.CONFIRMED


def test_events_of_another_session_or_for_unconfirmed_people_are_refused():
    session = SessionFactory(capacity=1)
    foreign = EventFactory(registration_type=EventRegistrationType.MANUAL)
    mine = EventFactory(session=session, registration_type=EventRegistrationType.MANUAL)
    seated, waiting = [
        o.registration
        for o in service.register_users(session=session, users=UserFactory.create_batch(2), role=Role.LEARNER)
    ]

    (other,) = event_service.register_to_events(registration=seated, events=[foreign])
    (queued,) = event_service.register_to_events(registration=waiting, events=[mine])

    assert (other.result, other.refusal) == (Result.REFUSED, Refusal.NOT_IN_SESSION)
    assert (queued.result, queued.refusal) == (Result.REFUSED, Refusal.NOT_CONFIRMED)
    assert not EventRegistration.objects.exists()


def test_signal_is_sent_once_per_change_and_only_after_commit(django_capture_on_commit_callbacks):
    received = []

    def receiver(**kwargs):
        received.append((kwargs["registration"].user.username, kwargs["action"], kwargs["new_value"]))

    registration_changed.connect(receiver)
    try:
        user = UserFactory()
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            _register(user, SessionFactory())
        assert received == []
        for callback in callbacks:
            callback()
    finally:
        registration_changed.disconnect(receiver)
    assert received == [(user.username, HistoryAction.REGISTERED, "confirmed")]


def test_batch_registration_uses_the_same_number_of_queries_for_10_and_100_users():
    """The same statements for 10 and 100 people (a bulk insert SQLite cuts at 999 parameters counts once)."""
    counts = []
    for size in (10, 100):
        session = SessionFactory(capacity=size // 2)
        EventFactory(session=session)
        users = UserFactory.create_batch(size)
        counts.append(
            measure(
                lambda session=session, users=users: service.register_users(
                    session=session, users=users, role=Role.LEARNER
                )
            )[1]
        )
    assert counts[0] == counts[1], counts


def test_already_waiting_people_are_told_their_current_position_in_one_query(django_assert_max_num_queries):
    session = SessionFactory(capacity=1)
    users = UserFactory.create_batch(6)
    service.register_users(session=session, users=users, role=Role.LEARNER)

    with django_assert_max_num_queries(9):  # savepoints, locks (session, roles), rows, ranks, seats: not one per person
        again = service.register_users(session=session, users=users, role=Role.LEARNER)

    assert [o.result for o in again] == [Result.ALREADY_REGISTERED] * 6
    assert [o.position for o in again] == [None, 1, 2, 3, 4, 5]


def test_many_users_in_many_sessions_reports_per_session_and_person():
    first, full = SessionFactory(), SessionFactory(capacity=1, waiting_list_enabled=False)
    members = UserFactory.create_batch(3)

    results = service.register_users_in_sessions(sessions=[full, first], users=members, role=Role.LEARNER)

    assert [session.pk for session, _ in results] == [full.pk, first.pk]
    assert [o.result for o in results[0][1]] == [Result.REGISTERED, Result.REFUSED, Result.REFUSED]
    assert [o.result for o in results[1][1]] == [Result.REGISTERED] * 3
    assert Registration.objects.count() == 4
