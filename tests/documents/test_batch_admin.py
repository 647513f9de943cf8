"""With Celery, the session ZIP actions queue a batch whose page shows progress, then the download."""

import datetime
import io
import zipfile

import pytest
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from cursus_xblock.models import BatchStatus, DocumentBatch, Role
from cursus_xblock.services import registration as registration_service

from ..factories import SessionFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def eager_celery():
    from celery import current_app

    current_app.conf.task_always_eager = True
    yield
    current_app.conf.task_always_eager = False


@override_settings(CURSUS_USE_CELERY=True)
def test_queued_batch_page_refreshes_then_offers_the_zip(
    admin_client, templates, eager_celery, django_capture_on_commit_callbacks
):
    now = timezone.now()
    session = SessionFactory(
        code="MGT-7", start=now - datetime.timedelta(hours=1), end=now + datetime.timedelta(days=1)
    )
    registration_service.register_users(session=session, users=UserFactory.create_batch(2), role=Role.LEARNER)

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = admin_client.post(
            reverse("admin:cursus_xblock_session_changelist"),
            {"action": "issue_certificates_zip", "_selected_action": [session.pk]},
        )
    batch = DocumentBatch.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:cursus_xblock_documentbatch_change", args=[batch.pk])
    queued = admin_client.get(response["Location"]).content.decode()
    assert 'http-equiv="refresh"' in queued and "Queued" in queued

    for callback in callbacks:  # the worker picks the task up after the commit
        callback()

    batch.refresh_from_db()
    assert (batch.status, batch.done, batch.total) == (BatchStatus.DONE, 2, 2)
    page = admin_client.get(response["Location"]).content.decode()
    assert 'http-equiv="refresh"' not in page
    download = admin_client.get(reverse("admin:cursus_xblock_documentbatch_download", args=[batch.pk]))
    names = zipfile.ZipFile(io.BytesIO(b"".join(download.streaming_content))).namelist()
    assert len(names) == 2 and all(n.startswith("MGT-7/") for n in names)


def test_a_batch_that_is_not_ready_has_no_download(admin_client, templates):
    batch = DocumentBatch.objects.create(session=SessionFactory(), kind="session_invitation")
    assert admin_client.get(reverse("admin:cursus_xblock_documentbatch_download", args=[batch.pk])).status_code == 404
    assert admin_client.get(reverse("admin:cursus_xblock_documentbatch_download", args=[9999])).status_code == 404


def _abandoned_batch(count=3):
    """A batch whose worker died after its first document, an hour ago."""
    from cursus_xblock.services import documents
    from cursus_xblock.services.documents import batches

    now = timezone.now()
    session = SessionFactory(start=now - datetime.timedelta(hours=1), end=now + datetime.timedelta(days=1))
    registration_service.register_users(session=session, users=UserFactory.create_batch(count), role=Role.LEARNER)
    batch = DocumentBatch.objects.create(
        session=session,
        kind="session_invitation",
        status=BatchStatus.RUNNING,
        done=1,
        total=count,
        progress_at=now - datetime.timedelta(hours=1),
    )
    documents.issue(kind="session_invitation", registration=batches._learners(session)[0], batch=batch)
    return batch


@override_settings(CURSUS_USE_CELERY=False)
def test_a_stale_batch_offers_resume_and_resuming_finishes_it(admin_client, templates):
    """Item 11: the page says the worker stopped and offers resume (POST); resume makes only the rest."""
    from cursus_xblock.models import IssuedDocument

    batch = _abandoned_batch()
    url = reverse("admin:cursus_xblock_documentbatch_resume", args=[batch.pk])
    page = admin_client.get(reverse("admin:cursus_xblock_documentbatch_change", args=[batch.pk])).content.decode()
    assert "its worker has probably stopped" in page and url in page and 'http-equiv="refresh"' not in page
    assert admin_client.get(url).status_code == 405  # no state change on GET

    response = admin_client.post(url, follow=True)

    batch.refresh_from_db()
    assert (batch.status, batch.done, batch.issued) == (BatchStatus.DONE, 3, 3)
    assert IssuedDocument.objects.count() == 3
    page = response.content.decode()
    assert "The batch is resumed: only the documents it lacks will be made." in page
    assert "Report, person by person" in page and page.count("Issued") >= 3  # the per-person report
    again = admin_client.post(url, follow=True).content.decode()
    assert "there is nothing to resume" in again and IssuedDocument.objects.count() == 3


def test_resume_needs_the_manage_registrations_permission(client, templates):
    from django.contrib.auth.models import Permission

    batch = _abandoned_batch()
    viewer = UserFactory(is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_documentbatch"))
    client.force_login(viewer)
    url = reverse("admin:cursus_xblock_documentbatch_resume", args=[batch.pk])

    page = client.get(reverse("admin:cursus_xblock_documentbatch_change", args=[batch.pk])).content.decode()
    assert url not in page
    assert client.post(url).status_code == 403
    batch.refresh_from_db()
    assert batch.status == BatchStatus.RUNNING
