"""« Session ended » gives the learner's certificate, when one was issued (issue 17, item 1)."""

import datetime

import pytest
from django.core import mail
from django.utils import timezone

from cursus_xblock.models import DocumentKind, Role
from cursus_xblock.services import documents, notifications, reminders
from cursus_xblock.services import registration as registration_service

from ..factories import SessionFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_session_ended_links_to_the_certificates_verification_page(templates):
    now = timezone.now()
    session = SessionFactory(
        name="Gestes et postures", start=now - datetime.timedelta(hours=2), end=now + datetime.timedelta(hours=1)
    )
    certified, other = UserFactory(), UserFactory()
    registration_service.register_users(session=session, users=[certified, other], role=Role.LEARNER)
    issued = documents.issue(kind=DocumentKind.SESSION_CERTIFICATE, registration=certified.cursus_registrations.get())
    notifications.send_due()
    mail.outbox.clear()

    later = session.end + datetime.timedelta(days=1, minutes=1)
    reminders.queue_due(now=later)
    notifications.send_due(now=later)
    by_person = {m.to[0]: m.body for m in mail.outbox}
    assert (
        f"Your certificate is available: {documents.verification_url(issued.verification_code)}"
        in (by_person[certified.email])
    )
    assert "Your session has ended." in by_person[other.email]
    assert "certificate" not in by_person[other.email]
