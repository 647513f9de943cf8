"""Bulk documents: one ZIP per session, built at once without Celery, by a task with it."""

import datetime
import zipfile

import pytest
from django.test import override_settings
from django.utils import timezone

from cursus_xblock.models import BatchStatus, DocumentBatch, IssuedDocument, Role
from cursus_xblock.services import documents
from cursus_xblock.services import registration as registration_service

from ..factories import SessionFactory, UserFactory

pytestmark = pytest.mark.django_db


def _started_session_with_learners(count):
    now = timezone.now()
    session = SessionFactory(
        code="INC-01", start=now - datetime.timedelta(hours=2), end=now + datetime.timedelta(days=1)
    )
    registration_service.register_users(session=session, users=UserFactory.create_batch(count), role=Role.LEARNER)
    return session


def _zip_names(batch):
    with batch.file.open("rb") as handle, zipfile.ZipFile(handle) as archive:
        return archive.namelist()


@override_settings(CURSUS_USE_CELERY=False)
def test_without_celery_the_batch_is_built_during_the_request(templates, admin_user):
    session = _started_session_with_learners(3)

    batch = documents.batch_start(session=session, kind="session_certificate", actor=admin_user)

    assert (batch.status, batch.done, batch.total, batch.issued, batch.refused) == (BatchStatus.DONE, 3, 3, 3, 0)
    assert len(_zip_names(batch)) == 3
    assert IssuedDocument.objects.filter(issued_by=admin_user).count() == 3


@override_settings(CURSUS_USE_CELERY=True)
def test_with_celery_a_task_builds_it_after_commit(templates, admin_user, django_capture_on_commit_callbacks):
    from celery import current_app

    current_app.conf.task_always_eager = True
    session = _started_session_with_learners(2)
    try:
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            batch = documents.batch_start(session=session, kind="session_invitation", actor=admin_user)
        assert DocumentBatch.objects.get(pk=batch.pk).status == BatchStatus.QUEUED
        for callback in callbacks:
            callback()
    finally:
        current_app.conf.task_always_eager = False

    batch.refresh_from_db()
    assert (batch.status, batch.done, batch.total) == (BatchStatus.DONE, 2, 2)
    assert sorted(n.split("/")[0] for n in _zip_names(batch)) == ["INC-01", "INC-01"]


@override_settings(CURSUS_USE_CELERY=False)
def test_refusals_are_listed_in_the_zip_not_lost(templates, settings):
    settings.CURSUS_CERTIFICATE_MIN_ATTENDANCE = 50  # nobody has attendance recorded
    session = _started_session_with_learners(2)

    batch = documents.batch_start(session=session, kind="session_certificate")

    assert (batch.issued, batch.refused) == (0, 2)
    assert _zip_names(batch) == ["INC-01/not_issued.txt"]


def test_a_task_delivered_twice_does_the_work_once(templates):
    session = _started_session_with_learners(1)
    with override_settings(CURSUS_USE_CELERY=False):
        batch = documents.batch_start(session=session, kind="session_invitation")

    again = documents.batch_run(batch_id=batch.pk)

    assert again.status == BatchStatus.DONE
    assert IssuedDocument.objects.count() == 1
