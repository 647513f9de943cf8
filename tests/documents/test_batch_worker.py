"""Document batches with a real broker: Debian's redis-server and a `celery worker` subprocess.

The tests are transactional: the worker is another process, it must see the test's committed rows
(the SQLite file of the run, or the server's test database) and the test sees its writes.
"""

import datetime
import json
import os
import signal
import socket
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest
from django.db import connection
from django.db.models import Count
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from cursus_xblock.models import BatchStatus, DocumentBatch, DocumentTemplate, IssuedDocument, Role
from cursus_xblock.services import documents
from cursus_xblock.services import registration as registration_service

from ..factories import SessionFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

ROOT = Path(__file__).resolve().parents[2]
STALE_MINUTES = 0.05  # 3 s without progress: the batch of a killed worker may be taken over
# Two hundred paragraphs: a few tenths of a second per PDF, so that the kill lands mid-batch.
SLOW_BODY = "<h1>{{ person.full_name }}</h1>" + "".join(
    f"<p>Paragraphe {n} : l’assiduité de {{{{ person.full_name }}}} est attestée, séance après séance.</p>"
    for n in range(200)
)


def _session_with_learners(count):
    now = timezone.now()
    session = SessionFactory(
        code="KILL-20", start=now - datetime.timedelta(hours=1), end=now + datetime.timedelta(days=1)
    )
    registration_service.register_users(session=session, users=UserFactory.create_batch(count), role=Role.LEARNER)
    return session


def _slow_template():
    DocumentTemplate.objects.filter(kind="session_invitation").update(is_default=False, default_key=None)
    template = DocumentTemplate(kind="session_invitation", language="fr", name="Lente", body=SLOW_BODY, is_default=True)
    documents.template_save(template=template)


class Worker:
    """`celery -A tests.celery_worker worker` on the test's database, media folder and broker."""

    def __init__(self, broker_url, media_root, log_path):
        entry = {
            k: v
            for k, v in connection.settings_dict.items()
            if k in ("ENGINE", "NAME", "USER", "PASSWORD", "HOST", "PORT", "OPTIONS")
        }
        env = {
            **os.environ,
            "PYTHONPATH": str(ROOT),
            "CURSUS_WORKER_DATABASE": json.dumps(entry),
            "CURSUS_WORKER_MEDIA_ROOT": str(media_root),
            "CURSUS_WORKER_BROKER": broker_url,
            "CURSUS_WORKER_SETTINGS": json.dumps({"CURSUS_BATCH_STALE_MINUTES": STALE_MINUTES}),
        }
        self.log_path = log_path
        cmd = [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "tests.celery_worker",
            "worker",
            "--pool=prefork",
            "--concurrency=1",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "--loglevel=WARNING",
        ]
        with open(log_path, "ab") as log:
            self.process = subprocess.Popen(
                cmd,
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,  # its own process group: the kill takes the pool with it
            )

    def kill(self):
        """SIGKILL the worker and its pool: no shutdown, no acknowledgement, as when a machine dies."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def log(self):
        return Path(self.log_path).read_text(errors="replace")[-4000:]


def _wait(condition, timeout, workers, what):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if value := condition():
            return value
        time.sleep(0.05)
    batch = DocumentBatch.objects.first()
    state = f"{batch.status} {batch.done}/{batch.total}" if batch else "no batch"
    logs = "\n".join(w.log() for w in workers)
    pytest.fail(f"{what} not reached in {timeout}s: batch {state}\n{logs}")


def test_worker_killed_mid_batch_resumes(redis_server, celery_app, media, tmp_path, admin_client):
    """Item 11: a worker SIGKILLed at ≥ 8/20 loses nothing: another worker finishes, one PDF each."""
    _slow_template()
    session = _session_with_learners(20)
    celery_app(redis_server.url)
    first = Worker(redis_server.url, media, tmp_path / "worker-1.log")
    workers = [first]
    try:
        with override_settings(CURSUS_USE_CELERY=True, CURSUS_BATCH_STALE_MINUTES=STALE_MINUTES):
            response = admin_client.post(
                reverse("admin:cursus_xblock_session_changelist"),
                {"action": "issue_invitations_zip", "_selected_action": [session.pk]},
            )
            assert response.status_code == 302
            batch = DocumentBatch.objects.get()
            _wait(lambda: IssuedDocument.objects.count() >= 8, 120, workers, "8 documents")
            first.kill()
            killed_at = IssuedDocument.objects.count()
            batch.refresh_from_db()
            assert batch.status == BatchStatus.RUNNING and killed_at < 20, "the kill came too late to prove anything"

            workers.append(Worker(redis_server.url, media, tmp_path / "worker-2.log"))
            _wait(lambda: DocumentBatch.objects.filter(status=BatchStatus.DONE).exists(), 90, workers, "the batch done")
    finally:
        for worker in workers:
            worker.kill()

    batch.refresh_from_db()
    assert (batch.status, batch.done, batch.total, batch.issued, batch.failed) == (BatchStatus.DONE, 20, 20, 20, 0)
    per_registration = IssuedDocument.objects.values("registration").annotate(n=Count("pk"))
    assert IssuedDocument.objects.count() == 20 and {row["n"] for row in per_registration} == {1}
    assert IssuedDocument.objects.filter(batch=batch).count() == 20  # none orphaned
    with batch.file.open("rb") as handle, zipfile.ZipFile(handle) as archive:
        assert len([n for n in archive.namelist() if n.endswith(".pdf")]) == 20
    print(f"killed at {killed_at}/20")


def _unused_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # closed again: nothing listens there


def test_broker_down_is_a_message(celery_app, media, admin_client):
    """Item 12: with no broker, the action says so and the batch is failed, not left queued; no 500."""
    _slow_template()
    session = _session_with_learners(2)
    celery_app(f"redis://127.0.0.1:{_unused_port()}/0")

    with override_settings(CURSUS_USE_CELERY=True):
        response = admin_client.post(
            reverse("admin:cursus_xblock_session_changelist"),
            {"action": "issue_invitations_zip", "_selected_action": [session.pk]},
            follow=True,
        )

    batch = DocumentBatch.objects.get()
    assert response.status_code == 200
    assert batch.status == BatchStatus.FAILED and batch.finished_at is not None
    assert batch.error.startswith("The batch could not be handed to the background workers (")
    page = response.content.decode()
    assert "The documents could not be made: The batch could not be handed to the background workers" in page
    assert "Resume: make the missing documents" in page  # once the broker is back
    assert not IssuedDocument.objects.exists()
