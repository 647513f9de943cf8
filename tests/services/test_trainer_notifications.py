"""Trainers' messages, « session ended », the course's copy (issue 17, items 1 and 6).

Trainers are told when they are assigned and unassigned, get one digest per session and day of
the changes to its learners (sent once the day is over) and a roll-call reminder the day before
each event. Learners are told the day after their session ended. The moments are passed as
``now`` to ``reminders.queue_due`` and ``send_due`` (what the command runs); the locmem outbox
shows what people got.
"""

import datetime

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from cursus_xblock.models import (
    Notification,
    NotificationStatus,
    NotificationSwitch,
    NotificationTrigger,
    Role,
)
from cursus_xblock.services import notifications, reminders
from cursus_xblock.services import registration as service

from ..factories import EventFactory, SessionFactory, UserFactory

pytestmark = pytest.mark.django_db

DAY, MINUTE = datetime.timedelta(days=1), datetime.timedelta(minutes=1)


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    def run(function, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return function(**kwargs)

    return run


def send():
    mail.outbox.clear()
    call_command("cursus_send_notifications", verbosity=0)
    return list(mail.outbox)


def send_at(now):
    mail.outbox.clear()
    reminders.queue_due(now=now)
    notifications.send_due(now=now)
    return list(mail.outbox)


def to(messages, user):
    return [m for m in messages if m.to == [user.email]]


def roll_calls(messages, user):
    """The roll-call reminders among ``user``'s messages (their digest of the day may come too)."""
    return [m for m in to(messages, user) if m.subject.startswith("Tomorrow")]


def test_a_trainer_is_told_once_when_assigned_and_when_unassigned(committed, admin_user):
    session = SessionFactory(name="Gestes et postures")
    trainer = UserFactory(first_name="Paul")
    committed(service.register, user=trainer, sessions=[session], role=Role.TRAINER, actor=admin_user)

    (message,) = send()
    assert message.to == [trainer.email]
    assert message.subject == "You train in: Gestes et postures"
    assert "Hello Paul," in message.body and "assigned as a trainer" in message.body
    assert send() == []  # the command run again: nothing more

    committed(service.unregister, registration=trainer.cursus_registrations.get(), actor=admin_user)
    (message,) = send()
    assert message.subject == "You no longer train in: Gestes et postures"
    assert send() == []
    assert Notification.objects.filter(user=trainer).count() == 2


def test_the_trainers_digest_gathers_the_days_learner_changes_into_one_message(committed, admin_user):
    session = SessionFactory(name="Gestes et postures", capacity=5)
    trainer, other_trainer = UserFactory(), UserFactory()
    committed(
        service.register_users, session=session, users=[trainer, other_trainer], role=Role.TRAINER, actor=admin_user
    )
    send()
    agnes = UserFactory(first_name="Agnès", last_name="Martin")
    bruno = UserFactory(first_name="Bruno", last_name="Petit")
    committed(service.register_users, session=session, users=[agnes, bruno], role=Role.LEARNER, actor=admin_user)
    committed(service.unregister, registration=bruno.cursus_registrations.get(), actor=admin_user)

    # The learners are told now; the trainers once the day is over, in one message each.
    messages = send()
    assert sorted(m.to[0] for m in messages) == sorted([agnes.email, bruno.email, bruno.email])
    assert Notification.objects.filter(trigger=NotificationTrigger.TRAINER_LEARNERS).count() == 2
    _day, _start, next_day = notifications.digest_day(session, timezone.now())
    assert send_at(next_day - MINUTE) == []

    messages = send_at(next_day + MINUTE)
    assert sorted(m.to[0] for m in messages) == sorted([trainer.email, other_trainer.email])
    message = to(messages, trainer)[0]
    assert message.subject == "Learners of Gestes et postures: 3 changes"
    assert "Agnès Martin: registered" in message.body
    assert "Bruno Petit: registered" in message.body
    assert "Bruno Petit: unregistered" in message.body
    assert "Confirmed learners now: 1." in message.body
    assert send_at(next_day + 2 * MINUTE) == [] and send() == []  # once


def test_no_digest_when_nothing_changed_for_the_learners_nor_when_it_is_off(committed, admin_user):
    session = SessionFactory(capacity=5)
    quiet = SessionFactory(capacity=5)
    trainer = UserFactory()
    committed(service.register, user=trainer, sessions=[session, quiet], role=Role.TRAINER, actor=admin_user)
    NotificationSwitch.objects.create(session=session, trigger=NotificationTrigger.TRAINER_LEARNERS, enabled=False)
    committed(service.register, user=UserFactory(), sessions=[session], role=Role.LEARNER, actor=admin_user)
    send()
    assert send_at(timezone.now() + 2 * DAY) == []
    assert not Notification.objects.filter(trigger=NotificationTrigger.TRAINER_LEARNERS).exists()


def test_the_roll_call_reminder_goes_the_day_before_each_event_to_the_trainers_only(committed, admin_user):
    session = SessionFactory(name="Gestes et postures", capacity=5)
    event = EventFactory(session=session, name="Séance 1", start=session.start + 2 * DAY)
    trainer, learner = UserFactory(), UserFactory()
    committed(service.register, user=trainer, sessions=[session], role=Role.TRAINER, actor=admin_user)
    committed(service.register, user=learner, sessions=[session], role=Role.LEARNER, actor=admin_user)
    send()

    assert roll_calls(send_at(event.start - DAY - MINUTE), trainer) == []  # not yet
    messages = send_at(event.start - DAY + MINUTE)
    assert roll_calls(messages, learner) == []  # the learners get their own reminders, not this one
    (message,) = roll_calls(messages, trainer)
    assert message.subject.startswith("Tomorrow: Séance 1, ")
    assert "Learners expected: 1" in message.body
    assert f"/admin/cursus_xblock/session/{session.pk}/attendance/" in message.body
    row = Notification.objects.get(trigger=NotificationTrigger.TRAINER_ROLL_CALL)
    assert (row.user, row.version) == (trainer, event.start.isoformat())
    assert roll_calls(send_at(event.start - 2 * MINUTE), trainer) == []  # once
    assert Notification.objects.filter(trigger=NotificationTrigger.TRAINER_ROLL_CALL).count() == 1


def test_session_ended_is_sent_once_the_day_after_to_confirmed_learners(committed, admin_user):
    session = SessionFactory(name="Gestes et postures", capacity=1, waiting_list_enabled=True)
    learner, waiting, trainer = UserFactory(first_name="Agnès"), UserFactory(), UserFactory()
    committed(service.register_users, session=session, users=[learner, waiting], role=Role.LEARNER, actor=admin_user)
    committed(service.register, user=trainer, sessions=[session], role=Role.TRAINER, actor=admin_user)
    send()

    assert send_at(session.end + DAY - MINUTE) == []  # not yet
    (message,) = send_at(session.end + DAY + MINUTE)
    assert message.to == [learner.email]
    assert message.subject == "Session ended: Gestes et postures"
    assert "Your session has ended." in message.body and "Hello Agnès," in message.body
    assert send_at(session.end + 2 * DAY) == [] and send() == []  # once
    assert Notification.objects.filter(trigger=NotificationTrigger.SESSION_ENDED).count() == 1


def test_session_ended_is_never_sent_for_a_cancelled_session(committed, admin_user):
    session = SessionFactory()
    committed(service.register, user=UserFactory(), sessions=[session], role=Role.LEARNER, actor=admin_user)
    committed(service.session_update, session=session, actor=admin_user, status="cancelled")
    send()
    assert send_at(session.end + DAY + MINUTE) == []
    assert not Notification.objects.filter(trigger=NotificationTrigger.SESSION_ENDED).exists()


def test_a_session_ended_long_ago_gets_no_message(committed, admin_user):
    """The first run after an upgrade does not write to the learners of every past session."""
    session = SessionFactory()
    committed(service.register, user=UserFactory(), sessions=[session], role=Role.LEARNER, actor=admin_user)
    send()
    assert send_at(session.end + 30 * DAY) == []


def test_the_courses_copy_goes_as_cc_of_each_learner_message_once(committed, admin_user):
    session = SessionFactory(name="Gestes et postures")
    session.course.notification_copy_to = "formation@example.org"
    session.course.save()
    learner, trainer = UserFactory(), UserFactory()
    committed(service.register, user=learner, sessions=[session], role=Role.LEARNER, actor=admin_user)
    committed(service.register, user=trainer, sessions=[session], role=Role.TRAINER, actor=admin_user)

    messages = send()
    (learners,) = to(messages, learner)
    assert learners.cc == ["formation@example.org"]
    assert "formation@example.org" in learners.recipients()
    (trainers,) = to(messages, trainer)
    assert trainers.cc == []  # the trainers' messages are not the learners'
    row = Notification.objects.get(user=learner)
    assert (row.status, row.copied_to) == (NotificationStatus.SENT, "formation@example.org")
    assert send() == [] and send() == []  # a second run sends neither the message nor its copy
    notifications.deliver(row.pk)  # a retry of a message already sent
    assert mail.outbox == []


def test_trainers_messages_are_switched_off_like_the_others(committed, admin_user):
    session = SessionFactory()
    NotificationSwitch.objects.create(
        course=session.course, trigger=NotificationTrigger.TRAINER_ASSIGNED, enabled=False
    )
    committed(service.register, user=UserFactory(), sessions=[session], role=Role.TRAINER, actor=admin_user)
    assert send() == []


@pytest.mark.parametrize(
    "trigger, language, expected",
    [
        (NotificationTrigger.SESSION_ENDED, "fr", "Votre attestation est disponible : https://"),
        (NotificationTrigger.TRAINER_ASSIGNED, "fr", "Vous avez été affecté comme formateur"),
        (NotificationTrigger.TRAINER_UNASSIGNED, "en", "You are no longer a trainer of this session."),
        (NotificationTrigger.TRAINER_LEARNERS, "fr", "- 09:12 Agnès Martin : inscrit (confirmé)"),
        (NotificationTrigger.TRAINER_ROLL_CALL, "fr", "Apprenants attendus : 11\nÉmargement : https://"),
    ],
)
def test_each_new_triggers_default_text_previews_in_english_and_french(trigger, language, expected):
    subject, text, html = notifications.preview(notifications.template_for(trigger, language))
    assert subject and "{{" not in subject
    assert expected in text and "<p>" in html


def test_a_trainers_digest_is_in_their_language(committed, admin_user, settings):
    settings.LANGUAGE_CODE = "fr"
    session = SessionFactory(name="Gestes et postures", capacity=5)
    trainer = UserFactory()
    committed(service.register, user=trainer, sessions=[session], role=Role.TRAINER, actor=admin_user)
    committed(
        service.register,
        user=UserFactory(first_name="Agnès", last_name="Martin"),
        sessions=[session],
        role=Role.LEARNER,
        actor=admin_user,
    )
    send()
    _day, _start, next_day = notifications.digest_day(session, timezone.now())
    (message,) = to(send_at(next_day + MINUTE), trainer)
    assert message.subject == "Apprenants de Gestes et postures : 1 changements"
    assert "Agnès Martin : inscrit (confirmé)" in message.body
    assert "Apprenants confirmés à présent : 1." in message.body
