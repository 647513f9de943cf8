"""Issue 14 item 4: the generator registry reads the installed packages' entry points once."""

import datetime

import pytest
from django.test import override_settings
from django.utils import timezone

from cursus_xblock.documents import registry
from cursus_xblock.documents.generators import SessionCertificateGenerator
from cursus_xblock.models import DocumentKind, IssuedDocument, Role
from cursus_xblock.services import documents
from cursus_xblock.services import registration as registration_service

from ..factories import SessionFactory, UserFactory
from .generators import CRASHING, CrashingCertificateGenerator

pytestmark = pytest.mark.django_db


@pytest.fixture
def entry_point_reads(monkeypatch):
    """How many times the registry scans the installed packages' metadata (the real scan, counted)."""
    reads = []
    real = registry.entry_points

    def counting(**kwargs):
        reads.append(kwargs)
        return real(**kwargs)

    monkeypatch.setattr(registry, "entry_points", counting)
    clear = getattr(registry.generator_classes, "cache_clear", lambda: None)
    clear()
    yield reads
    clear()


def test_issue14_item4_two_certificates_read_the_entry_points_once(templates, entry_point_reads):
    now = timezone.now()
    session = SessionFactory(start=now - datetime.timedelta(hours=1), end=now + datetime.timedelta(hours=7))
    for name in ("Lefèvre", "Dupré"):
        user = UserFactory(last_name=name)
        (outcome,) = registration_service.register(user=user, sessions=[session], role=Role.LEARNER)
        documents.issue(kind=DocumentKind.SESSION_CERTIFICATE, registration=outcome.registration)

    assert IssuedDocument.objects.filter(registration__session=session).count() == 2
    assert len(entry_point_reads) == 1


def test_issue14_item4_overriding_the_generators_setting_takes_effect(entry_point_reads):
    assert type(registry.get_generator(DocumentKind.SESSION_CERTIFICATE)) is SessionCertificateGenerator
    with override_settings(CURSUS_DOCUMENT_GENERATORS=CRASHING):
        assert type(registry.get_generator(DocumentKind.SESSION_CERTIFICATE)) is CrashingCertificateGenerator
    assert type(registry.get_generator(DocumentKind.SESSION_CERTIFICATE)) is SessionCertificateGenerator
