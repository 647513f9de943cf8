"""Notification senders running at once (cron runs overlapping, a worker beside cron) send each message once.

On a database server (``CURSUS_TEST_DB=postgresql`` or ``mariadb``): each delivery claims its row
with a conditional update, and only the sender whose update changed the row sends.
"""

import pytest
from django.core import mail

from cursus_xblock.models import Notification, NotificationStatus, Role
from cursus_xblock.services import notifications
from cursus_xblock.services import registration as service

from .factories import SessionFactory, UserFactory
from .test_concurrency import race

pytestmark = [pytest.mark.db_server, pytest.mark.django_db(transaction=True)]


def test_four_senders_at_once_send_each_message_once():
    session = SessionFactory(capacity=30)
    people = [UserFactory() for _ in range(12)]
    service.register_users(session=session, users=people, role=Role.LEARNER)  # committed: queued
    assert Notification.objects.count() == 12
    mail.outbox.clear()

    race(4, lambda index: notifications.send_due())

    assert sorted(m.to[0] for m in mail.outbox) == sorted(p.email for p in people)
    assert set(Notification.objects.values_list("status", "attempts")) == {(NotificationStatus.SENT, 1)}
