"""Bulk documents: one ZIP per session, built at once without Celery, by a task with it."""

import datetime
import zipfile

import pytest
from django.db.models import Count
from django.test import override_settings
from django.utils import timezone

from cursus_xblock.models import BatchStatus, DocumentBatch, IssuedDocument, Role
from cursus_xblock.services import documents
from cursus_xblock.services import registration as registration_service
from cursus_xblock.services.documents import batches

from ..factories import SessionFactory, UserFactory
from .generators import CRASHING

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


def _twenty_learners_one_crashing():
    now = timezone.now()
    session = SessionFactory(
        code="INC-20", start=now - datetime.timedelta(hours=2), end=now + datetime.timedelta(days=1)
    )
    users = [UserFactory(last_name=f"Learner{n:02d}", first_name="Ana") for n in range(1, 20)]
    users.insert(6, UserFactory(last_name="Crash", first_name="Carl"))
    registration_service.register_users(session=session, users=users, role=Role.LEARNER)
    return session


def _pdf_names(batch):
    return sorted(n for n in _zip_names(batch) if n.endswith(".pdf"))


@override_settings(CURSUS_USE_CELERY=False, CURSUS_DOCUMENT_GENERATORS=CRASHING)
def test_one_failing_document_does_not_sink_the_batch(templates, admin_user):
    """Item 2: the learner whose PDF fails is reported; the 19 others are issued and zipped."""
    session = _twenty_learners_one_crashing()

    try:
        batch = documents.batch_start(session=session, kind="session_certificate", actor=admin_user)
    except RuntimeError as exc:  # before: the whole batch failed at the crashing learner
        batch = DocumentBatch.objects.get()
        pytest.fail(f"the batch sank: {exc!r}; {batch.status} {batch.done}/{batch.total}")

    assert (batch.status, batch.done, batch.total) == (BatchStatus.DONE, 20, 20)
    assert (batch.issued, batch.refused, batch.failed) == (19, 0, 1)
    report = {item.registration.user.last_name: (item.outcome, item.message) for item in batch.items.all()}
    assert report["Crash"] == ("failed", "RuntimeError: WeasyPrint could not lay out this document")
    assert {outcome for name, (outcome, _) in report.items() if name != "Crash"} == {"issued"}
    assert len(_pdf_names(batch)) == 19
    with batch.file.open("rb") as handle, zipfile.ZipFile(handle) as archive:
        not_issued = archive.read("INC-20/not_issued.txt").decode()
    assert "Carl Crash: RuntimeError: WeasyPrint could not lay out this document" in not_issued
    assert IssuedDocument.objects.filter(batch=batch).count() == 19


@override_settings(CURSUS_USE_CELERY=False)
def test_retry_issues_only_missing(templates, admin_user, settings):
    """Item 2: once the cause is fixed, resuming issues the one missing certificate, not 20 more."""
    session = _twenty_learners_one_crashing()
    settings.CURSUS_DOCUMENT_GENERATORS = CRASHING
    first = documents.batch_start(session=session, kind="session_certificate", actor=admin_user)
    assert first.failed == 1
    settings.CURSUS_DOCUMENT_GENERATORS = {}  # the picture is fixed

    batch = documents.batch_resume(batch=first)

    assert (batch.status, batch.issued, batch.refused, batch.failed) == (BatchStatus.DONE, 20, 0, 0)
    per_registration = IssuedDocument.objects.values("registration").annotate(n=Count("pk"))
    assert IssuedDocument.objects.count() == 20 and {row["n"] for row in per_registration} == {1}
    assert len(_pdf_names(batch)) == 20 and "INC-20/not_issued.txt" not in _zip_names(batch)
    with pytest.raises(documents.BatchNotResumable):
        documents.batch_resume(batch=batch)  # nothing is missing any more


def test_asking_again_for_an_abandoned_batch_resumes_it(templates, admin_user):
    """Item 11: the session action on a batch whose worker died issues only the missing ones."""
    session = _started_session_with_learners(5)
    registrations = list(batches._learners(session))
    stale = timezone.now() - datetime.timedelta(hours=1)
    batch = DocumentBatch.objects.create(
        session=session, kind="session_invitation", status=BatchStatus.RUNNING, done=2, total=5, progress_at=stale
    )
    for registration in registrations[:2]:  # what the dead worker had issued
        documents.issue(kind="session_invitation", registration=registration, batch=batch)

    with override_settings(CURSUS_USE_CELERY=False):
        again = documents.batch_start(session=session, kind="session_invitation", actor=admin_user)

    assert again.pk == batch.pk and (again.status, again.done, again.issued) == (BatchStatus.DONE, 5, 5)
    assert IssuedDocument.objects.count() == 5 and len(_zip_names(again)) == 5


def test_the_batch_task_keeps_its_registered_name():
    """Queued messages carry the task's name: the service publishes by it, and the app knows it once Django is up."""
    from celery import current_app

    assert batches.BUILD_TASK == "cursus_xblock.build_document_batch"
    assert batches.BUILD_TASK in current_app.tasks  # apps.ready registered it; the service never imports tasks.py
    from cursus_xblock import tasks

    assert tasks.build_document_batch.name == batches.BUILD_TASK
