"""Reminders (issue 17 item 1) and one message per person for a multi-session registration (items 4–5).

Reminders are queued by ``cursus_send_notifications`` when they fall due: these tests run it (for
"now") or call ``reminders.queue_due(now=…)`` and ``send_due(now=…)`` for another moment. Django's
locmem outbox shows what people got.
"""

import datetime

import pytest
from django.core import mail
from django.core.management import call_command
from django.test import override_settings
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
from cursus_xblock.services.imports import registrations as imports

from ..factories import EventFactory, SessionFactory, UserFactory

pytestmark = pytest.mark.django_db

DAY, HOUR, MINUTE = datetime.timedelta(days=1), datetime.timedelta(hours=1), datetime.timedelta(minutes=1)


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


def registered(committed, admin_user, session, *users):
    committed(service.register_users, session=session, users=list(users), role=Role.LEARNER, actor=admin_user)
    notifications.send_due()  # the registration messages out of the way (no reminder queued)
    mail.outbox.clear()


# --- reminders before the session ----------------------------------------------------------


def test_session_reminder_is_sent_once_at_the_right_time(committed, admin_user):
    session = SessionFactory(name="Gestes et postures", start=timezone.now() + 10 * DAY)
    learner = UserFactory(first_name="Agnès")
    registered(committed, admin_user, session, learner)

    assert send_at(session.start - 2 * DAY - MINUTE) == []  # not yet
    (message,) = send_at(session.start - 2 * DAY + MINUTE)
    assert message.to == [learner.email]
    assert message.subject.startswith("Reminder: Gestes et postures starts on ")
    assert "Hello Agnès," in message.body and "your session starts soon" in message.body
    row = Notification.objects.get(trigger=NotificationTrigger.REMINDER_SESSION)
    assert (row.status, row.version) == (NotificationStatus.SENT, session.start.isoformat())
    # Every following minute until the start, and the command run twice: nothing more.
    assert send_at(session.start - DAY) == []
    assert send_at(session.start - MINUTE) == []
    assert send() == [] and send() == []
    assert send_at(session.start + MINUTE) == []  # past the start: never


def test_the_command_queues_and_sends_the_reminders_now_due(committed, admin_user):
    soon = SessionFactory(start=timezone.now() + DAY)
    later = SessionFactory(start=timezone.now() + 3 * DAY)
    learner = UserFactory()
    committed(service.register, user=learner, sessions=[soon], role=Role.LEARNER, actor=admin_user)
    committed(service.register, user=learner, sessions=[later], role=Role.LEARNER, actor=admin_user)
    send()
    assert Notification.objects.filter(trigger=NotificationTrigger.REMINDER_SESSION).get().session == soon
    assert send() == []  # run again: nothing twice


def test_no_reminder_for_a_cancelled_session_or_registration_nor_unconfirmed_learners(committed, admin_user):
    cancelled_session = SessionFactory(start=timezone.now() + DAY)
    registered(committed, admin_user, cancelled_session, UserFactory())
    committed(service.session_update, session=cancelled_session, actor=admin_user, status="cancelled")
    session = SessionFactory(start=timezone.now() + DAY, capacity=1, waiting_list_enabled=True)
    stays, leaves, waits = UserFactory(), UserFactory(), UserFactory()
    registered(committed, admin_user, session, leaves, waits)
    committed(service.unregister, registration=leaves.cursus_registrations.get(), actor=admin_user)
    registered(committed, admin_user, SessionFactory(start=timezone.now() + DAY, validation_required=True), stays)
    notifications.send_due()  # what the unregistration caused ("unregistered", the waiting learner promoted)

    # The promoted learner is confirmed now: theirs is the only reminder.
    assert [m.to for m in send()] == [[waits.email]]
    rows = Notification.objects.filter(trigger=NotificationTrigger.REMINDER_SESSION)
    assert [row.user for row in rows] == [waits]


def test_a_reminder_not_sent_is_dropped_when_the_session_is_cancelled(committed, admin_user):
    session = SessionFactory(start=timezone.now() + DAY)
    registered(committed, admin_user, session, UserFactory())
    reminders.queue_due()  # queued, not sent yet (the SMTP server was down, say)
    committed(service.session_update, session=session, actor=admin_user, status="cancelled")
    messages = send()
    assert [m.subject.split(":")[0] for m in messages] == ["Session cancelled"]
    row = Notification.objects.get(trigger=NotificationTrigger.REMINDER_SESSION)
    assert row.status == NotificationStatus.SKIPPED and "cancelled" in row.error


def test_reminders_are_re_armed_after_a_postponement(committed, admin_user):
    """Odoo's bug (PR 199588): a postponed event kept its old reminders. The old, unsent one is
    dropped; the new date gets its own, sent once."""
    session = SessionFactory(start=timezone.now() + DAY)
    learner = UserFactory()
    registered(committed, admin_user, session, learner)
    reminders.queue_due()  # the reminder for the first date, not sent yet
    old_start = session.start
    new_start = old_start + 7 * DAY
    committed(service.session_update, session=session, actor=admin_user, start=new_start, end=new_start + DAY)

    # The first date's reminder is not sent, the new date's is not due yet: only the news of the move.
    assert [m.subject.split(":")[0] for m in send()] == ["Dates or place changed"]
    old = Notification.objects.get(trigger=NotificationTrigger.REMINDER_SESSION, version=old_start.isoformat())
    assert old.status == NotificationStatus.SKIPPED and "date changed" in old.error

    (message,) = send_at(new_start - DAY)
    assert message.to == [learner.email]
    assert send_at(new_start - DAY + MINUTE) == []
    new = Notification.objects.get(trigger=NotificationTrigger.REMINDER_SESSION, status=NotificationStatus.SENT)
    assert new.version == session.start.isoformat()


def test_a_sent_reminder_is_sent_again_for_the_new_date(committed, admin_user):
    session = SessionFactory(start=timezone.now() + DAY)
    registered(committed, admin_user, session, UserFactory())
    assert len(send()) == 1
    later = session.start + 10 * DAY
    committed(service.session_update, session=session, actor=admin_user, start=later, end=later + DAY)
    assert [m.subject.split(":")[0] for m in send()] == ["Dates or place changed"]
    assert len(send_at(later - DAY)) == 1
    assert Notification.objects.filter(trigger=NotificationTrigger.REMINDER_SESSION).count() == 2


@override_settings(CURSUS_REMINDER_DAYS_BEFORE_SESSION=0)
def test_no_session_reminder_when_turned_off(committed, admin_user):
    registered(committed, admin_user, SessionFactory(start=timezone.now() + DAY), UserFactory())
    assert send() == []
    assert not Notification.objects.filter(trigger=NotificationTrigger.REMINDER_SESSION).exists()


def test_a_course_switch_turns_the_reminder_off(committed, admin_user):
    session = SessionFactory(start=timezone.now() + DAY)
    NotificationSwitch.objects.create(
        course=session.course, trigger=NotificationTrigger.REMINDER_SESSION, enabled=False
    )
    registered(committed, admin_user, session, UserFactory())
    assert send() == []


@override_settings(LANGUAGE_CODE="fr")
def test_the_reminder_in_french(committed, admin_user):
    session = SessionFactory(name="Gestes et postures", start=timezone.now() + DAY)
    registered(committed, admin_user, session, UserFactory(first_name="Agnès"))
    (message,) = send_at(timezone.now())
    assert message.subject.startswith("Rappel : Gestes et postures commence le ")
    assert "Bonjour Agnès," in message.body


# --- reminders before each event -----------------------------------------------------------


@override_settings(CURSUS_REMINDER_HOURS_BEFORE_EVENT=3, CURSUS_REMINDER_DAYS_BEFORE_SESSION=0)
def test_event_reminder_goes_to_those_registered_in_it_once(committed, admin_user):
    session = SessionFactory(start=timezone.now() + 5 * DAY, place="Lyon")
    first = EventFactory(session=session, name="Théorie", start=session.start + HOUR)
    second = EventFactory(session=session, name="Pratique", start=session.start + DAY)
    learner, gone = UserFactory(), UserFactory()
    registered(committed, admin_user, session, learner, gone)
    committed(service.unregister, registration=gone.cursus_registrations.get(), actor=admin_user)
    send()

    assert send_at(first.start - 3 * HOUR - MINUTE) == []
    (message,) = send_at(first.start - 3 * HOUR + MINUTE)
    assert message.to == [learner.email]
    assert message.subject.startswith("Reminder: Théorie, ")
    assert "Event: Théorie" in message.body and "Place: Lyon" in message.body
    assert send_at(first.start - HOUR) == []
    (message,) = send_at(second.start - 2 * HOUR)
    assert message.subject.startswith("Reminder: Pratique, ")
    assert send_at(second.start - HOUR) == []

    # A moved event gets a reminder for its new time.
    second.start, second.end = second.start + DAY, second.end + DAY
    second.save()
    assert len(send_at(second.start - HOUR)) == 1


# --- one message per person for a multi-session registration -------------------------------


def test_registering_in_three_sessions_sends_one_message_naming_them(committed, admin_user):
    """Items 4–5: three sessions at once were three e-mails; now one, listing each outcome."""
    alpha = SessionFactory(name="Alpha", capacity=5)
    beta = SessionFactory(name="Beta", capacity=1, waiting_list_enabled=True)
    gamma = SessionFactory(name="Gamma", validation_required=True)
    registered(committed, admin_user, beta, UserFactory())  # Beta is full now
    learner = UserFactory()
    committed(service.register, user=learner, sessions=[alpha, beta, gamma], role=Role.LEARNER, actor=admin_user)

    (message,) = send()
    assert message.to == [learner.email]
    assert message.subject == "Your registrations: 3 sessions"
    lines = [line for line in message.body.splitlines() if line.startswith("- ")]
    assert len(lines) == 3
    assert lines[0].startswith("- Alpha (") and lines[0].endswith(": confirmed")
    assert lines[1].startswith("- Beta (") and lines[1].endswith(": on the waiting list, in position 1")
    assert lines[2].startswith("- Gamma (") and lines[2].endswith(": awaiting validation")
    assert "Beta" in message.alternatives[0][0]
    (row,) = Notification.objects.filter(user=learner)
    assert row.trigger == NotificationTrigger.REGISTERED_MANY
    assert send() == []


def test_a_group_in_two_sessions_gets_one_message_each(committed, admin_user):
    sessions = [SessionFactory(name="Alpha"), SessionFactory(name="Beta")]
    people = [UserFactory(), UserFactory()]
    committed(service.register_users_in_sessions, sessions=sessions, users=people, role=Role.LEARNER, actor=admin_user)
    messages = send()
    assert sorted(m.to[0] for m in messages) == sorted(p.email for p in people)
    assert all(m.subject == "Your registrations: 2 sessions" for m in messages)


def test_an_import_registering_a_person_in_two_sessions_sends_one_message(committed, admin_user):
    SessionFactory(code="ALPHA", name="Alpha"), SessionFactory(code="BETA", name="Beta")
    learner, other = UserFactory(username="agnes"), UserFactory(username="john")
    content = "username;session;role\nagnes;ALPHA;learner\nagnes;BETA;learner\njohn;BETA;learner\n"
    committed(imports.apply, rows=imports.parse(content.encode()), actor=admin_user)
    by_person = {m.to[0]: m for m in send()}
    assert by_person[learner.email].subject == "Your registrations: 2 sessions"
    assert by_person[other.email].subject == "Registration confirmed: Beta"
    assert len(by_person) == 2


def test_one_session_keeps_its_own_message(committed, admin_user):
    learner = UserFactory()
    committed(service.register, user=learner, sessions=[SessionFactory(name="Alpha")], role=Role.LEARNER)
    (message,) = send()
    assert message.subject == "Registration confirmed: Alpha"
