"""Automatic notifications (issue 17): each trigger sends one message, once, in the person's language.

The registration service queues each change's message in the transaction that records it; the
messages are sent by the command (no Celery in these tests). Django's locmem
outbox shows what people got.
"""

import datetime

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings
from django.utils import timezone

from cursus_xblock.models import (
    Notification,
    NotificationStatus,
    NotificationSwitch,
    NotificationTemplate,
    NotificationTrigger,
    Registration,
    RegistrationHistory,
    Role,
)
from cursus_xblock.services import notifications
from cursus_xblock.services import registration as service

from .. import backends
from ..factories import SessionFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Run a service call and its after-commit callbacks, as a real request would."""

    def run(function, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return function(**kwargs)

    return run


def send():
    mail.outbox.clear()
    call_command("cursus_send_notifications", verbosity=0)
    return list(mail.outbox)


def test_registered_confirmed_sends_one_message_once(committed, admin_user):
    session = SessionFactory(name="Gestes et postures", capacity=5)
    learner = UserFactory(first_name="Agnès")
    committed(service.register, user=learner, sessions=[session], role=Role.LEARNER, actor=admin_user)

    (message,) = send()
    assert message.to == [learner.email]
    assert message.subject == "Registration confirmed: Gestes et postures"
    assert "Hello Agnès," in message.body
    assert "is confirmed" in message.body
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html" and "Gestes et postures" in html
    row = Notification.objects.get()
    assert (row.trigger, row.status, row.recipient) == (
        NotificationTrigger.REGISTERED,
        NotificationStatus.SENT,
        learner.email,
    )
    # The command run again (cron, every minute) sends nothing more.
    assert send() == []


def test_waiting_list_message_gives_the_position(committed, admin_user):
    session = SessionFactory(capacity=1, waiting_list_enabled=True)
    first, second, third = UserFactory(), UserFactory(), UserFactory()
    committed(
        service.register_users, session=session, users=[first, second, third], role=Role.LEARNER, actor=admin_user
    )

    messages = {m.to[0]: m for m in send()}
    assert messages[first.email].subject.startswith("Registration confirmed")
    assert "in position 1" in messages[second.email].body
    assert "in position 2" in messages[third.email].body


def test_promotion_validation_refusal_and_unregistrations_each_send_theirs(committed, admin_user):
    session = SessionFactory(capacity=1, waiting_list_enabled=True, validation_required=True)
    first, second = UserFactory(), UserFactory()
    (outcome,) = committed(service.register, user=first, sessions=[session], role=Role.LEARNER, actor=admin_user)
    committed(service.register, user=second, sessions=[session], role=Role.LEARNER, actor=admin_user)
    subjects = sorted((m.to[0], m.subject.split(":")[0]) for m in send())
    assert subjects == sorted([(first.email, "Registration awaiting validation"), (second.email, "Waiting list")])

    committed(service.refuse, registration=outcome.registration, actor=admin_user, reason="Prérequis manquants")
    by_person = {m.to[0]: m for m in send()}
    assert by_person[first.email].subject.startswith("Registration refused")
    assert "Reason: Prérequis manquants" in by_person[first.email].body
    assert by_person[second.email].subject.startswith("A seat is yours")
    assert "awaits validation" in by_person[second.email].body  # promoted into a seat that needs validating

    promoted = second.cursus_registrations.get()
    committed(service.validate, registration=promoted, actor=admin_user)
    (message,) = send()
    assert message.subject.startswith("Registration validated")

    committed(service.unregister, registration=promoted, actor=admin_user)
    (message,) = send()
    assert message.subject.startswith("Unregistered:")


def test_a_learner_leaving_themself_is_told_so(committed):
    session = SessionFactory(self_unregistration=True, self_registration=True)
    learner = UserFactory()
    outcome = committed(service.self_register, user=learner, session=session)
    send()
    committed(service.self_unregister, registration=outcome.registration)
    (message,) = send()
    assert message.subject.startswith("Unregistration recorded")
    assert Notification.objects.filter(trigger=NotificationTrigger.UNREGISTERED_SELF).count() == 1


def test_the_message_is_written_with_the_change_not_after_it(django_capture_on_commit_callbacks, admin_user):
    """Issue 12 (CI on MariaDB): queued after the commit, the message's insert took shared locks on the
    registration and session rows in the other order from a registration call holding them, and the
    server aborted one of the two (a lost message, or a failed registration). It is now written in the
    registration's own transaction: there before any after-commit step runs."""
    session = SessionFactory()
    learner = UserFactory()
    with django_capture_on_commit_callbacks(execute=False):
        service.register(user=learner, sessions=[session], role=Role.LEARNER, actor=admin_user)
        assert Notification.objects.filter(user=learner, trigger=NotificationTrigger.REGISTERED).count() == 1


def test_the_same_change_queued_twice_is_one_message(committed, admin_user):
    session = SessionFactory()
    learner = UserFactory()
    committed(service.register, user=learner, sessions=[session], role=Role.LEARNER, actor=admin_user)
    notifications.queue_recorded(list(RegistrationHistory.objects.all()))  # the same history entry once more
    assert Notification.objects.count() == 1
    assert len(send()) == 1


def test_nothing_is_queued_when_the_transaction_rolls_back(admin_user):
    session = SessionFactory()
    learner = UserFactory()
    with pytest.raises(RuntimeError), transaction.atomic():
        service.register(user=learner, sessions=[session], role=Role.LEARNER, actor=admin_user)
        assert Notification.objects.count() == 1
        raise RuntimeError("the caller's transaction fails after the registration")
    assert Notification.objects.count() == 0
    assert not Registration.objects.filter(user=learner).exists()
    assert send() == []


def test_do_not_notify_sends_nothing(committed, admin_user):
    session = SessionFactory()
    learner = UserFactory()
    (outcome,) = committed(
        service.register, user=learner, sessions=[session], role=Role.LEARNER, actor=admin_user, notify=False
    )
    committed(service.unregister, registration=outcome.registration, actor=admin_user, notify=False)
    assert Notification.objects.count() == 0
    assert send() == []


def test_an_inactive_account_gets_nothing(committed, admin_user):
    session = SessionFactory()
    learner = UserFactory(is_active=False)
    committed(service.register, user=learner, sessions=[session], role=Role.LEARNER, actor=admin_user)
    assert send() == []
    row = Notification.objects.get()
    assert row.status == NotificationStatus.SKIPPED
    assert "inactive" in row.error


def test_a_retired_account_gets_nothing(committed, admin_user):
    session = SessionFactory()
    learner = UserFactory(email="retired__user_3f2a@retired.invalid")
    committed(service.register, user=learner, sessions=[session], role=Role.LEARNER, actor=admin_user)
    assert send() == []
    assert Notification.objects.get().status == NotificationStatus.SKIPPED


@override_settings(LANGUAGE_CODE="fr")
def test_the_site_language_is_used_without_a_preference(committed, admin_user):
    session = SessionFactory(name="Gestes et postures")
    learner = UserFactory(first_name="Agnès")
    committed(service.register, user=learner, sessions=[session], role=Role.LEARNER, actor=admin_user)
    (message,) = send()
    assert message.subject == "Inscription confirmée : Gestes et postures"
    assert "Bonjour Agnès," in message.body
    assert NotificationTemplate.objects.get().language == "fr"


@override_settings(CURSUS_WORKSPACE_BACKEND="tests.backends.LanguageBackend")
def test_each_person_gets_the_language_of_their_preference(committed, admin_user):
    session = SessionFactory(capacity=5)
    french, english = UserFactory(username="agnes"), UserFactory(username="john")
    backends.LANGUAGES.clear()
    backends.LANGUAGES.update({"agnes": "fr", "john": "en"})
    try:
        committed(service.register_users, session=session, users=[french, english], role=Role.LEARNER, actor=admin_user)
        by_person = {m.to[0]: m.subject for m in send()}
    finally:
        backends.LANGUAGES.clear()
    assert by_person[french.email].startswith("Inscription confirmée")
    assert by_person[english.email].startswith("Registration confirmed")
    assert set(Notification.objects.values_list("language", flat=True)) == {"fr", "en"}


def test_an_edited_template_is_used(committed, admin_user):
    NotificationTemplate.objects.create(
        trigger=NotificationTrigger.REGISTERED,
        language="en",
        subject="Welcome to {{ course.title }}",
        body_text="See you on {{ session.start.date }}, {{ person.first_name }}.",
        body_html="",
    )
    session = SessionFactory(course__title="Premiers secours")
    learner = UserFactory(first_name="Zoé")
    committed(service.register, user=learner, sessions=[session], role=Role.LEARNER, actor=admin_user)
    (message,) = send()
    assert message.subject == "Welcome to Premiers secours"
    assert message.body.endswith(", Zoé.")
    assert message.alternatives == []


def test_switches_session_over_course_over_site(committed, admin_user):
    session = SessionFactory()
    other = SessionFactory(course=session.course)
    NotificationSwitch.objects.create(course=session.course, trigger=NotificationTrigger.REGISTERED, enabled=False)
    NotificationSwitch.objects.create(session=other, trigger=NotificationTrigger.REGISTERED, enabled=True)
    learner = UserFactory()
    committed(service.register, user=learner, sessions=[session, other], role=Role.LEARNER, actor=admin_user)
    assert [row.session_id for row in Notification.objects.all()] == [other.pk]
    with override_settings(CURSUS_NOTIFICATIONS={"registered": False}):
        third = SessionFactory()
        committed(service.register, user=UserFactory(), sessions=[third], role=Role.LEARNER, actor=admin_user)
    assert not Notification.objects.filter(session=third).exists()


def test_a_failure_is_retried_later_with_a_growing_delay(committed, admin_user, settings):
    session = SessionFactory()
    learner = UserFactory()
    committed(service.register, user=learner, sessions=[session], role=Role.LEARNER, actor=admin_user)
    settings.EMAIL_BACKEND = "tests.test_mail_backends.FailingBackend"
    start = timezone.now()
    counts = notifications.send_due(now=start)
    row = Notification.objects.get()
    assert counts == {NotificationStatus.FAILED: 1}
    assert row.status == NotificationStatus.FAILED and row.attempts == 1 and "SMTP is down" in row.error
    assert row.next_attempt_at == start + datetime.timedelta(minutes=1)
    assert notifications.send_due(now=start + datetime.timedelta(seconds=30)) == {}  # not yet
    notifications.send_due(now=start + datetime.timedelta(minutes=1))
    row.refresh_from_db()
    assert row.attempts == 2 and row.next_attempt_at == start + datetime.timedelta(minutes=3)

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    mail.outbox.clear()
    notifications.send_due(now=start + datetime.timedelta(minutes=3))
    row.refresh_from_db()
    assert row.status == NotificationStatus.SENT and len(mail.outbox) == 1


def test_a_message_claimed_by_another_sender_is_not_sent_again(committed, admin_user):
    session = SessionFactory()
    committed(service.register, user=UserFactory(), sessions=[session], role=Role.LEARNER, actor=admin_user)
    row = Notification.objects.get()
    now = timezone.now()
    # Another process (a Celery worker, an overlapping cron run) claimed it a moment ago.
    Notification.objects.filter(pk=row.pk).update(attempts=1, next_attempt_at=now + notifications.CLAIM)
    assert notifications.deliver(row.pk, now=now) is None
    assert send() == []
    # Its process died before writing "sent": once the claim expires, the message goes out.
    assert notifications.deliver(row.pk, now=now + notifications.CLAIM).status == NotificationStatus.SENT


def test_resend_sends_again(committed, admin_user):
    session = SessionFactory()
    committed(service.register, user=UserFactory(), sessions=[session], role=Role.LEARNER, actor=admin_user)
    assert len(send()) == 1
    notifications.resend(Notification.objects.all())
    assert len(send()) == 1


def test_a_cancelled_session_tells_each_registered_learner_once(committed, admin_user):
    session = SessionFactory(name="Gestes et postures", capacity=1, waiting_list_enabled=True)
    confirmed, waiting, gone = UserFactory(), UserFactory(), UserFactory()
    committed(service.register_users, session=session, users=[confirmed, waiting], role=Role.LEARNER, actor=admin_user)
    committed(service.register, user=gone, sessions=[SessionFactory()], role=Role.LEARNER, actor=admin_user)
    send()

    committed(service.session_update, session=session, actor=admin_user, status="cancelled")
    messages = send()
    assert sorted(m.to[0] for m in messages) == sorted([confirmed.email, waiting.email])
    assert all(m.subject == "Session cancelled: Gestes et postures" for m in messages)
    # Saved again while cancelled (a description corrected): nobody is told twice.
    committed(service.session_update, session=session, actor=admin_user, description="Annulée faute de formateur")
    assert send() == []


def test_a_session_cancelled_without_notifying_tells_nobody(committed, admin_user):
    session = SessionFactory()
    committed(service.register, user=UserFactory(), sessions=[session], role=Role.LEARNER, actor=admin_user)
    send()
    committed(service.session_update, session=session, actor=admin_user, status="cancelled", notify=False)
    assert send() == []


@override_settings(CURSUS_USE_CELERY=True)
def test_with_celery_each_message_goes_to_a_task_after_commit(committed, admin_user):
    from celery import current_app

    session = SessionFactory(capacity=5)
    people = [UserFactory() for _ in range(3)]
    current_app.conf.task_always_eager = True
    mail.outbox.clear()
    try:
        committed(service.register_users, session=session, users=people, role=Role.LEARNER, actor=admin_user)
    finally:
        current_app.conf.task_always_eager = False
    assert sorted(m.to[0] for m in mail.outbox) == sorted(p.email for p in people)
    assert set(Notification.objects.values_list("status", flat=True)) == {NotificationStatus.SENT}
    # The cron command beside the workers finds nothing left to send.
    assert send() == []


def test_retirement_drops_unsent_messages_and_erases_the_address(committed, admin_user):
    from cursus_xblock.services.retirement import retire

    learner = UserFactory()
    committed(service.register, user=learner, sessions=[SessionFactory()], role=Role.LEARNER, actor=admin_user)
    send()
    committed(service.register, user=learner, sessions=[SessionFactory()], role=Role.LEARNER, actor=admin_user)
    committed(retire, user=learner)  # its own unregistrations notify nobody
    assert send() == []
    assert list(Notification.objects.order_by("pk").values_list("status", "recipient")) == [
        (NotificationStatus.SENT, ""),
        (NotificationStatus.SKIPPED, ""),
    ]
