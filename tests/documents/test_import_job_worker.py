"""Issue 18 item 1: a large import through a real broker (Redis) and a `celery worker` subprocess.

Here with the document batches' worker harness (``test_batch_worker.Worker``): the same broker,
worker settings and transactional database the worker process can see.
"""

import pytest
from django.contrib.auth import get_user_model
from django.test import override_settings

from cursus_xblock.models import ImportJob, ImportJobStatus, ImportKind, Registration
from cursus_xblock.services.imports import jobs

from ..factories import CourseFactory, SessionFactory, UserFactory
from .test_batch_worker import Worker, _wait

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_large_import_is_applied_by_a_celery_worker(redis_server, celery_app, media, tmp_path):
    course = CourseFactory()
    for n in range(3):
        SessionFactory(code=f"W-{n}", course=course, capacity=400)
    User = get_user_model()
    User.objects.bulk_create(User(username=f"w{n:04d}") for n in range(1200))
    content = ("username;session;role\n" + "".join(f"w{n:04d};W-{n % 3};learner\n" for n in range(1200))).encode()
    manager = UserFactory(username="site.manager", is_superuser=True, is_staff=True)
    celery_app(redis_server.url)
    worker = Worker(redis_server.url, media, tmp_path / "worker.log")
    try:
        with override_settings(CURSUS_USE_CELERY=True, CURSUS_IMPORT_BACKGROUND_ROWS=100):
            job = jobs.start(
                kind=ImportKind.REGISTRATIONS, content=content, file_name="hr.csv", rows_total=1200, actor=manager
            )
            assert job.status == ImportJobStatus.QUEUED  # handed over: the request does not run it
            _wait(lambda: ImportJob.objects.filter(status=ImportJobStatus.DONE).exists(), 120, [worker], "the job")
    finally:
        worker.kill()
    job.refresh_from_db()
    assert (job.rows_done, job.errors, job.counts) == (1200, 0, [["Registered", 1200]])
    assert Registration.objects.count() == 1200
    assert job.chunks.count() == 3  # one session a chunk: 400 rows each, the chunks of 500 never split one
