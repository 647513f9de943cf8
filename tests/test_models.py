"""The data model's own guarantees: database constraints (on every backend) and form validation."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from cursus_xblock.models import (
    Course,
    EventRegistrationType,
    Registration,
    RegistrationHistory,
    RegistrationStatus,
    Role,
    Session,
)
from cursus_xblock.selectors import sessions as selectors
from cursus_xblock.services import registration as service

from .factories import CourseFactory, EventFactory, SessionFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_database_refuses_a_second_row_for_the_same_user_session_and_role():
    session, user = SessionFactory(), UserFactory()
    Registration.objects.create(user=user, session=session, role=Role.LEARNER, status=RegistrationStatus.CANCELLED)

    with pytest.raises(IntegrityError), transaction.atomic():
        Registration.objects.create(user=user, session=session, role=Role.LEARNER, status=RegistrationStatus.CONFIRMED)

    Registration.objects.create(user=user, session=session, role=Role.TRAINER, status=RegistrationStatus.CONFIRMED)
    assert Registration.objects.filter(user=user).count() == 2


def test_database_refuses_a_second_row_for_the_same_event_registration():
    session = SessionFactory()
    event = EventFactory(session=session)
    (outcome,) = service.register(user=UserFactory(), sessions=[session], role=Role.LEARNER)
    from cursus_xblock.models import EventRegistration

    with pytest.raises(IntegrityError), transaction.atomic():
        EventRegistration.objects.create(registration=outcome.registration, event=event, status="confirmed")


@pytest.mark.parametrize("factory", [SessionFactory, EventFactory])
def test_database_refuses_an_end_before_the_start(factory):
    obj = factory()
    obj.end = obj.start - datetime.timedelta(minutes=1)
    with pytest.raises(IntegrityError), transaction.atomic():
        obj.save()


def test_form_validation_end_after_start_and_known_time_zone():
    session = SessionFactory.build(course=CourseFactory(), time_zone="Mars/Olympus")
    session.end = session.start
    with pytest.raises(ValidationError) as exc:
        session.full_clean()
    assert exc.value.message_dict["end"] == ["The end must be after the start."]
    assert "is not a known time zone" in exc.value.message_dict["time_zone"][0]


def test_capacity_cannot_be_negative():
    session = SessionFactory.build(course=CourseFactory(), capacity=-1)
    with pytest.raises(ValidationError) as exc:
        session.full_clean()
    assert "capacity" in exc.value.message_dict


def test_codes_are_unique_with_a_clear_message():
    CourseFactory(code="SST")
    SessionFactory(code="SST-2026-01")
    with pytest.raises(ValidationError) as exc:
        CourseFactory.build(code="SST").full_clean()
    assert exc.value.message_dict["code"] == ["A course with this code already exists."]
    with pytest.raises(ValidationError) as exc:
        SessionFactory.build(code="SST-2026-01", course=CourseFactory()).full_clean()
    assert exc.value.message_dict["code"] == ["A session with this code already exists."]


def test_events_must_fit_in_their_session_and_capacity_is_for_manual_events():
    session = SessionFactory()
    early = EventFactory.build(session=session, start=session.start - datetime.timedelta(hours=1))
    with pytest.raises(ValidationError) as exc:
        early.full_clean()
    assert exc.value.message_dict["start"] == ["The event must take place within its session's dates."]

    auto_with_capacity = EventFactory.build(session=session, registration_type=EventRegistrationType.AUTO, capacity=3)
    with pytest.raises(ValidationError) as exc:
        auto_with_capacity.full_clean()
    assert "capacity" in exc.value.message_dict

    EventFactory.build(session=session, registration_type=EventRegistrationType.MANUAL, capacity=3).full_clean()


def test_history_is_append_only():
    (outcome,) = service.register(user=UserFactory(), sessions=[SessionFactory()], role=Role.LEARNER)
    entry = RegistrationHistory.objects.get()

    entry.reason = "rewritten"
    with pytest.raises(TypeError):
        entry.save()
    with pytest.raises(TypeError):
        entry.delete()
    with pytest.raises(TypeError):
        RegistrationHistory.objects.update(reason="rewritten")
    with pytest.raises(TypeError):
        RegistrationHistory.objects.all().delete()
    assert RegistrationHistory.objects.get().reason == ""


def test_registrations_protect_their_user_and_session_from_deletion():
    from django.db.models import ProtectedError

    (outcome,) = service.register(user=UserFactory(), sessions=[SessionFactory()], role=Role.LEARNER)
    with pytest.raises(ProtectedError):
        outcome.user.delete()
    with pytest.raises(ProtectedError):
        outcome.session.delete()


def test_course_defaults_prefill_a_new_session():
    course = CourseFactory(
        default_capacity=12, default_validation_required=True, default_workspace_key="course-v1:O+C+R"
    )
    assert course.session_defaults()["capacity"] == 12
    assert course.session_defaults()["validation_required"] is True
    assert str(course) == f"{course.title} [{course.code}]"


def test_seats_taken_annotation_counts_confirmed_and_pending_learners_only():
    session = SessionFactory(capacity=2, validation_required=True)
    service.register_users(session=session, users=UserFactory.create_batch(3), role=Role.LEARNER)
    service.register_users(session=session, users=UserFactory.create_batch(2), role=Role.TRAINER)

    annotated = selectors.with_seats_taken(Session.objects.all()).get(pk=session.pk)

    assert annotated.seats_taken == 2
    assert Session.objects.upcoming().filter(pk=session.pk).exists()
    Session.objects.filter(pk=session.pk).update(
        start=timezone.now() - datetime.timedelta(days=1), end=timezone.now() + datetime.timedelta(days=1)
    )
    assert not Session.objects.upcoming().filter(pk=session.pk).exists()
    assert Course.objects.count() == 1
