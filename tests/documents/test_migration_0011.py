"""Migration 0011 (issue 16 item 3): issued documents get their session from their registration."""

import datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from ..factories import UserFactory

BEFORE = [("cursus_xblock", "0010_notifications")]
AFTER = [("cursus_xblock", "0011_sheets_document_kinds")]


@pytest.fixture
def back_to_the_latest():
    """The tests after this one need today's tables: every migration applied again, whatever happened."""
    yield
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes("cursus_xblock"))


@pytest.mark.django_db(transaction=True)
def test_issue16_item3_migration_0011_gives_each_issued_document_its_session(back_to_the_latest):
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps
    # The models as they were at 0010 (the factories make today's, with columns added since).
    course = old.get_model("cursus_xblock", "Course").objects.create(code="MIG0011", title="Migration")
    start = timezone.now() + datetime.timedelta(days=10)
    session = old.get_model("cursus_xblock", "Session").objects.create(
        course=course, code="MIG0011-S", name="Migration", start=start, end=start + datetime.timedelta(days=1)
    )
    Registration = old.get_model("cursus_xblock", "Registration")
    registration = Registration.objects.create(
        session_id=session.pk, user_id=UserFactory().pk, role="learner", status="confirmed"
    )
    # Its own template: an earlier transactional test may have flushed the migrations' defaults.
    template = old.get_model("cursus_xblock", "DocumentTemplate").objects.create(
        kind="session_invitation", language="fr", name="Migration", body="<p>x</p>", version=1
    )
    version = old.get_model("cursus_xblock", "DocumentTemplateVersion").objects.create(
        template=template, number=1, kind="session_invitation", language="fr", name="Migration", body="<p>x</p>"
    )
    document = old.get_model("cursus_xblock", "IssuedDocument").objects.create(
        kind="session_invitation",
        registration=registration,
        template_version=version,
        holder_name="Éloïse Lefèvre",
        verification_code="MIGRATION0011ABC",
        sha256="0" * 64,
        file="cursus/documents/x.pdf",
        filename="x.pdf",
    )

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(AFTER)
    new = executor.loader.project_state(AFTER).apps

    migrated = new.get_model("cursus_xblock", "IssuedDocument").objects.get(pk=document.pk)
    assert migrated.session_id == session.pk
    sheets = new.get_model("cursus_xblock", "DocumentTemplate").objects.filter(kind="sign_in_sheet", is_default=True)
    assert sorted(sheets.values_list("language", flat=True)) == ["en", "fr"]
