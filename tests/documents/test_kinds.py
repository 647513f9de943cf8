"""Issue 16 item 3: a package registers a new kind of document through the generator registry.

The kind exists only in these tests (``kind_plugin``), announced by the entry point of a
distribution written into a folder put on ``sys.path``: what ``pip install`` of a third-party
package leaves behind. Before, issuing it failed with ``'training_plan' is not a valid DocumentKind``.
"""

import io

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from pypdf import PdfReader

from cursus_xblock.documents import registry
from cursus_xblock.models import DocumentTemplate, IssuedDocument, Role
from cursus_xblock.services import documents
from cursus_xblock.services import registration as registration_service

from ..factories import SessionFactory, UserFactory
from .kind_plugin import ONLY_LEARNERS

pytestmark = pytest.mark.django_db

KIND = "training_plan"
BODY = "<h1>{{ person.full_name }}</h1><p>{{ plan.goals }}</p><p>{{ course.title }} — {{ verification.code }}</p>"


@pytest.fixture
def third_party_kind(tmp_path, monkeypatch):
    """An installed distribution whose entry point registers ``training_plan``."""
    dist = tmp_path / "cursus_training_plan-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: cursus-training-plan\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text(
        f"[cursus_xblock.document_generators]\n{KIND} = tests.documents.kind_plugin:TrainingPlanGenerator\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    registry.clear()
    yield
    monkeypatch.undo()
    registry.clear()


def _registration(role=Role.LEARNER, **names):
    (outcome,) = registration_service.register(user=UserFactory(**names), sessions=[SessionFactory()], role=role)
    return outcome.registration


def test_issue16_item3_a_kind_defined_by_another_package_is_registered_templated_and_issued(
    third_party_kind, admin_client, media
):
    kind = registry.get_kind(KIND)
    assert (kind.label, kind.issued_for, kind.personal) == ("Training plan", "registration", True)
    assert "plan.goals" in [p.name for p in documents.kind_of(KIND).placeholders]

    # The admin's form offers it and saves its template (compiled, checked with its sample values).
    add = reverse("admin:cursus_xblock_documenttemplate_add")
    assert f'<option value="{KIND}">Training plan</option>' in admin_client.get(add).content.decode()
    response = admin_client.post(
        add, {"kind": KIND, "language": "en", "name": "Plan", "is_default": "on", "body": BODY, "css": ""}
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    template = DocumentTemplate.objects.get(kind=KIND)
    assert template.get_kind_display() == "Training plan"
    assert template.current_version.number == 1
    panel = admin_client.get(reverse("admin:cursus_xblock_documenttemplate_change", args=[template.pk]))
    assert "{{ plan.goals }}" in panel.content.decode()

    learner = _registration(first_name="Agnès", last_name="Béranger")
    issued = documents.issue(kind=KIND, registration=learner)

    stored = IssuedDocument.objects.get(pk=issued.pk)
    assert (stored.kind, stored.registration, stored.session) == (KIND, learner, learner.session)
    text = PdfReader(io.BytesIO(documents.read_content(stored))).pages[0].extract_text()
    assert "Agnès Béranger" in text
    assert "Goals of Agnès Béranger: first aid, then evacuation." in text
    assert stored.verification_code in text
    assert documents.verify(stored.verification_code).get_kind_display() == "Training plan"


def test_issue16_item3_the_new_kinds_eligibility_rule_refuses(third_party_kind, media):
    DocumentTemplate.objects.create(kind=KIND, language="en", name="Plan", body=BODY)
    template = DocumentTemplate.objects.get(kind=KIND)
    documents.template_save(template=template)
    trainer = _registration(role=Role.TRAINER)
    with pytest.raises(documents.DocumentRefused) as refused:
        documents.issue(kind=KIND, registration=trainer, template=template)
    assert refused.value.message == ONLY_LEARNERS
    assert not IssuedDocument.objects.exists()


def test_issue16_item3_the_kind_column_validates_against_the_registry(third_party_kind):
    DocumentTemplate(kind=KIND, language="en", name="Plan", body=BODY).full_clean()
    with pytest.raises(ValidationError) as invalid:
        DocumentTemplate(kind="nobody_made_this", language="en", name="X", body=BODY).full_clean()
    assert invalid.value.message_dict["kind"] == ["“nobody_made_this” is not a registered kind of document."]


def test_issue16_item3_an_unknown_kind_is_refused_with_a_message(media):
    with pytest.raises(documents.DocumentRefused) as refused:
        documents.issue(kind="training_plan", registration=_registration())
    assert refused.value.message == "“training_plan” is not a registered kind of document."
