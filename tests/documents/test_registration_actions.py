"""The registration list's document actions: e-mail invitations, download invitations or certificates."""

import io
import zipfile

import pytest
from django.contrib.messages import get_messages
from django.core import mail
from django.urls import reverse

from cursus_xblock.models import IssuedDocument, Role
from cursus_xblock.services import registration as registration_service

from ..factories import SessionFactory, UserFactory

pytestmark = pytest.mark.django_db
URL = "admin:cursus_xblock_registration_changelist"


def _registrations(count, **session):
    outcomes = registration_service.register_users(
        session=SessionFactory(**session), users=UserFactory.create_batch(count), role=Role.LEARNER
    )
    return [o.registration for o in outcomes]


def test_email_invitations_sends_one_mail_each_and_records_them(admin_client, templates):
    regs = _registrations(2)
    response = admin_client.post(
        reverse(URL), {"action": "email_invitations", "_selected_action": [r.pk for r in regs]}
    )

    assert response.status_code == 302
    assert sorted(m.to[0] for m in mail.outbox) == sorted(r.user.email for r in regs)
    assert IssuedDocument.objects.filter(emailed_at__isnull=False).count() == 2
    assert "2 invitations e-mailed." in [str(m) for m in get_messages(response.wsgi_request)]


def test_download_one_invitation_gives_the_pdf_and_several_give_a_zip(admin_client, templates):
    regs = _registrations(3)

    one = admin_client.post(reverse(URL), {"action": "download_invitations", "_selected_action": [regs[0].pk]})
    many = admin_client.post(reverse(URL), {"action": "download_invitations", "_selected_action": [r.pk for r in regs]})

    assert one["Content-Type"] == "application/pdf"
    assert b"".join(one.streaming_content).startswith(b"%PDF")
    names = zipfile.ZipFile(io.BytesIO(b"".join(many.streaming_content))).namelist()
    assert len(names) == 3 and all(n.endswith(".pdf") for n in names)


def test_refused_certificates_are_reported_not_crashed(admin_client, templates):
    regs = _registrations(1)  # the session has not started: no certificate yet
    response = admin_client.post(reverse(URL), {"action": "download_certificates", "_selected_action": [regs[0].pk]})

    assert response.status_code == 302
    (message,) = [str(m) for m in get_messages(response.wsgi_request)]
    assert "once the session or event has started" in message
    assert not IssuedDocument.objects.exists()
