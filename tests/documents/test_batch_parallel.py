"""Issue 14 item 5: a batch makes several PDFs at once, one worker process each, and keeps its guarantees.

The batch's thread still issues and records each document, with its report line, in one
transaction; only the PDFs are made ahead, by the worker processes, ``CURSUS_BATCH_PARALLEL_RENDERS``
at a time.
"""

import datetime
import io
import threading
import zipfile

import pytest
from django.utils import timezone
from pypdf import PdfReader

from cursus_xblock.documents import pdf_worker
from cursus_xblock.models import BatchStatus, DocumentKind, DocumentTemplate, IssuedDocument, Role
from cursus_xblock.services import documents
from cursus_xblock.services import registration as registration_service

from ..factories import SessionFactory, UserFactory

pytestmark = pytest.mark.django_db

#: Within the engine's limits, but seconds for WeasyPrint: for the learner named « Slow » only.
SLOW_FOR_ONE = (
    '{% if person.last_name == "Slow" %}{% for i in "x"|center:"3000"|make_list %}<p>{% lorem 30 w %}</p>'
    "{% endfor %}{% endif %}<h1>{{ person.full_name }}</h1><p>{{ verification.code }}</p>"
)


def pdf_text(content):
    return " ".join(" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(content)).pages)


@pytest.fixture
def concurrency(monkeypatch):
    """The most PDFs the worker processes were making at the same moment (the real workers, counted).

    The first render waits (5 s at most) for a second to start beside it, so that a machine too busy
    to overlap two short renders does not hide that the batch can: one-at-a-time code never starts
    the second while the first is out, and the count stays 1.
    """
    state = {"now": 0, "most": 0}
    lock = threading.Lock()
    second_started = threading.Event()
    real_render = pdf_worker._Worker.render

    def counted(self, html, css, options, timeout):
        with lock:
            state["now"] += 1
            state["most"] = max(state["most"], state["now"])
            if state["now"] >= 2:
                second_started.set()
        if not second_started.wait(timeout=5):
            second_started.set()  # waited once: the others go straight on
        try:
            return real_render(self, html, css, options, timeout)
        finally:
            with lock:
                state["now"] -= 1

    monkeypatch.setattr(pdf_worker._Worker, "render", counted)
    return state


def _session(last_names):
    now = timezone.now()
    session = SessionFactory(
        code="PAR-1", start=now - datetime.timedelta(hours=2), end=now + datetime.timedelta(days=1)
    )
    users = [UserFactory(first_name="Zoé", last_name=name) for name in last_names]
    registration_service.register_users(session=session, users=users, role=Role.LEARNER)
    return session


def test_item5_a_batch_makes_two_pdfs_at_once_each_in_its_own_document(templates, settings, concurrency):
    settings.CURSUS_USE_CELERY = False
    settings.CURSUS_BATCH_PARALLEL_RENDERS = 2
    session = _session([f"Lefèvre{i}" for i in range(6)])

    batch = documents.batch_start(session=session, kind=DocumentKind.SESSION_CERTIFICATE)

    assert concurrency["most"] == 2  # before: 1, one PDF after the other
    assert (batch.status, batch.done, batch.total, batch.issued, batch.failed) == (BatchStatus.DONE, 6, 6, 6, 0)
    assert {item.outcome for item in batch.items.all()} == {"issued"}
    # Each PDF made ahead went to its own person's record: their name and their verification code.
    for issued in IssuedDocument.objects.filter(batch=batch).select_related("registration__user"):
        with issued.file.open("rb") as handle:
            text = pdf_text(handle.read())
        assert issued.registration.user.last_name in text
        assert issued.verification_code in text
    with batch.file.open("rb") as handle, zipfile.ZipFile(handle) as archive:
        assert len([n for n in archive.namelist() if n.endswith(".pdf")]) == 6


def test_item5_one_at_a_time_when_set_to_one(templates, settings, concurrency):
    settings.CURSUS_USE_CELERY = False
    settings.CURSUS_BATCH_PARALLEL_RENDERS = 1
    session = _session(["Alpha", "Bravo", "Charlie"])

    batch = documents.batch_start(session=session, kind=DocumentKind.SESSION_CERTIFICATE)

    assert concurrency["most"] == 1
    assert (batch.status, batch.issued) == (BatchStatus.DONE, 3)


def test_item5_a_render_past_the_time_limit_is_that_persons_failure_among_parallel_ones(media, settings):
    settings.CURSUS_USE_CELERY = False
    settings.CURSUS_BATCH_PARALLEL_RENDERS = 2
    settings.CURSUS_RENDER_TIMEOUT = 1
    DocumentTemplate.objects.filter(kind=DocumentKind.SESSION_INVITATION).update(is_default=False, default_key=None)
    documents.template_save(
        template=DocumentTemplate(
            kind=DocumentKind.SESSION_INVITATION, language="fr", name="Slow", body=SLOW_FOR_ONE, is_default=True
        )
    )
    session = _session(["Adam", "Slow", "Zola"])

    batch = documents.batch_start(session=session, kind=DocumentKind.SESSION_INVITATION)

    assert (batch.status, batch.issued, batch.failed) == (BatchStatus.DONE, 2, 1)
    report = {item.registration.user.last_name: (item.outcome, item.message) for item in batch.items.all()}
    assert report["Slow"][0] == "failed"
    assert "took too long" in report["Slow"][1]
    assert {report["Adam"][0], report["Zola"][0]} == {"issued"}
    # The worker killed for « Slow » is replaced: the next batch renders.
    assert pdf_text(
        documents.issue(
            kind=DocumentKind.SESSION_INVITATION,
            registration=batch.items.get(registration__user__last_name="Zola").registration,
        ).content
    ).startswith("Zoé Zola")
