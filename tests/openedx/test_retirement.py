"""The LMS retires an account (``USER_RETIRE_LMS_MISC``): the person goes, counts and the register stay."""

import datetime
from pathlib import Path

import pytest
from django.core import mail
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone

from cursus_xblock.models import (
    DocumentBatch,
    DocumentKind,
    HistoryAction,
    IssuedDocument,
    Registration,
    RegistrationHistory,
    RegistrationStatus,
    Role,
)
from cursus_xblock.services import documents
from cursus_xblock.services import registration as service

from ..counts import seats_taken
from ..factories import SessionFactory, UserFactory
from .edx_platform_double.accounts_signals import USER_RETIRE_LMS_MISC
from .edx_platform_double.student_models import CourseEnrollment

pytestmark = pytest.mark.django_db


class LMSAccountRetirementView:
    """The sender the LMS uses (openedx/core/djangoapps/user_api/accounts/views.py)."""


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def retiring(openedx_backend, media, django_capture_on_commit_callbacks):
    """Anne Dupont: a seat in an upcoming session (someone waits for it), a past session with a
    certificate and an invitation e-mailed for the upcoming one; then the LMS retires her."""
    now = timezone.now()
    anne = UserFactory(first_name="Anne", last_name="Dupont")
    upcoming = SessionFactory(capacity=1)
    past = SessionFactory(start=now - datetime.timedelta(days=10), end=now - datetime.timedelta(days=9))
    for session in (upcoming, past):
        openedx_backend.add_course(session.workspace_key)
    seat = service.register(user=anne, sessions=[upcoming], role=Role.LEARNER)[0].registration
    attended = Registration.objects.create(user=anne, session=past, role=Role.LEARNER, status="confirmed")
    waiting = UserFactory()
    service.register(user=waiting, sessions=[upcoming], role=Role.LEARNER)
    with django_capture_on_commit_callbacks(execute=True):
        invitation = documents.issue(kind=DocumentKind.SESSION_INVITATION, registration=seat, send_email=True)
        certificate = documents.issue(kind=DocumentKind.SESSION_CERTIFICATE, registration=attended)
    batch = DocumentBatch.objects.create(session=past, kind=DocumentKind.SESSION_CERTIFICATE, status="done")
    batch.file.save("certificates.zip", ContentFile(b"PK\x05\x06" + b"\0" * 18))
    mail.outbox.clear()
    files = [invitation.file.path, certificate.file.path, batch.file.path]
    before = {"history": RegistrationHistory.objects.count()}

    with django_capture_on_commit_callbacks(execute=True):
        USER_RETIRE_LMS_MISC.send(sender=LMSAccountRetirementView, user=anne)

    return {
        "anne": anne,
        "waiting": waiting,
        "seat": seat,
        "attended": attended,
        "upcoming": upcoming,
        "invitation": invitation,
        "certificate": certificate,
        "batch": batch,
        "files": files,
        "before": before,
    }


def test_registrations_in_sessions_to_come_are_cancelled_through_the_service(retiring, enrollment):
    seat = Registration.objects.get(pk=retiring["seat"].pk)
    assert seat.status == RegistrationStatus.CANCELLED
    entry = RegistrationHistory.objects.filter(registration=seat).first()
    assert (entry.action, entry.reason, entry.actor) == (HistoryAction.CANCELLED, "Account retired", None)
    # The seat went to the waiting list, and enrollments followed.
    assert Registration.objects.get(user=retiring["waiting"]).status == RegistrationStatus.CONFIRMED
    assert seats_taken(retiring["upcoming"]) == 1
    assert enrollment(retiring["waiting"], retiring["upcoming"].workspace_key).is_active
    assert not enrollment(retiring["anne"], retiring["upcoming"].workspace_key).is_active


def test_the_past_and_the_history_stay(retiring):
    assert Registration.objects.get(pk=retiring["attended"].pk).status == RegistrationStatus.CONFIRMED
    # Nothing removed: the earlier entries are all there, and each cancellation added one.
    assert RegistrationHistory.objects.count() > retiring["before"]["history"]
    assert RegistrationHistory.objects.filter(registration__user=retiring["anne"]).count() == 2


def test_issued_documents_stay_verifiable_without_naming_her(retiring, client):
    for name in ("invitation", "certificate"):
        issued = retiring[name]
        stored = IssuedDocument.objects.get(pk=issued.pk)
        assert stored.holder_name == "Retired account"
        assert stored.filename == f"{issued.kind}_{issued.verification_code}.pdf"
        assert not stored.file
        assert (stored.sha256, stored.details, stored.verification_code) == (
            issued.sha256,
            issued.details,
            issued.verification_code,
        )
        page = client.get(reverse("cursus_xblock:verify", args=[issued.verification_code]))
        assert page.status_code == 200
        text = page.content.decode()
        assert "Retired account" in text and "Dupont" not in text
        assert issued.details["session"] in text


def test_the_files_that_name_her_are_deleted(retiring):
    assert [Path(path).exists() for path in retiring["files"]] == [False, False, False]
    assert not DocumentBatch.objects.get(pk=retiring["batch"].pk).file


def test_she_gets_no_mail_about_it(retiring):
    assert [m.subject for m in mail.outbox if retiring["anne"].email in m.to] == []


def test_retiring_twice_changes_nothing_more(retiring, django_capture_on_commit_callbacks):
    history = RegistrationHistory.objects.count()
    with django_capture_on_commit_callbacks(execute=True):
        USER_RETIRE_LMS_MISC.send(sender=LMSAccountRetirementView, user=retiring["anne"])
    assert RegistrationHistory.objects.count() == history
    assert CourseEnrollment.objects.filter(user_id=retiring["waiting"].pk, is_active=True).count() == 1
