"""The per-learner training transcript (issue 18 item 4): a PDF of the sessions a manager manages."""

import io

import pypdf
import pytest
from django.contrib.auth.models import AnonymousUser

from cursus_xblock.models import Attendance, EventRegistration, IssuedDocument, Organization, OrganizationManager
from cursus_xblock.services import documents
from cursus_xblock.services import registration as registration_service

from ..attendance import held_session
from ..factories import UserFactory

pytestmark = pytest.mark.django_db


def _text(content):
    return " ".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(content)).pages)


def _manager_of(organization, username):
    user = UserFactory(username=username, is_staff=True)
    OrganizationManager.objects.create(user=user, organization=organization)
    return user


@pytest.fixture
def record(settings, tmp_path):
    """A learner in a Rhône session (present 3 h, certified) and in a session of another organization."""
    settings.MEDIA_ROOT = tmp_path / "media"
    rhone = held_session(learners=1)
    learner = rhone.learners[0]
    EventRegistration.objects.filter(registration__user=learner, event=rhone.past).update(attendance=Attendance.PRESENT)
    certificate = documents.issue(
        kind="session_certificate", registration=rhone.session.registrations.get(user=learner)
    )
    elsewhere = held_session(learners=0, organization="AILLEURS", trainer="autre.formatrice")
    registration_service.register(user=learner, sessions=[elsewhere.session], role="learner")
    return rhone, elsewhere, learner, certificate


def test_issue18_item4_the_transcript_lists_sessions_hours_and_certificates(record, admin_user):
    rhone, elsewhere, learner, certificate = record
    issued = documents.transcript_issue(person=learner, actor=admin_user, language="en")

    text = _text(documents.read_content(issued))
    assert "Training transcript" in text and learner.get_full_name() in text
    assert rhone.session.name in text and elsewhere.session.name in text
    assert "3 h of 3 h" in text  # the séance held, present; tomorrow's not counted yet
    assert certificate.verification_code in text
    assert issued.kind == "training_transcript" and len(issued.sha256) == 64
    assert issued.registration.user == learner and issued.session == elsewhere.session  # the latest session
    assert issued.details["certificates"] == [certificate.verification_code]


def test_issue18_item4_the_french_transcript_says_it_in_french(record, admin_user):
    _rhone, _elsewhere, learner, _certificate = record
    text = _text(documents.read_content(documents.transcript_issue(person=learner, actor=admin_user, language="fr")))
    assert "Relevé de formation" in text and "Heures suivies" in text and "3 h sur 3 h" in text


def test_issue18_item4_a_manager_of_another_organization_sees_only_their_sessions(record):
    rhone, elsewhere, learner, certificate = record
    manager = _manager_of(Organization.objects.get(short_name="AILLEURS"), "gestionnaire.ailleurs")
    issued = documents.transcript_issue(person=learner, actor=manager, language="en")

    text = _text(documents.read_content(issued))
    assert elsewhere.session.name in text
    assert rhone.session.name not in text and certificate.verification_code not in text
    assert issued.details["sessions"] == [f"{elsewhere.session.name} [{elsewhere.session.code}]"]


@pytest.mark.parametrize("who", ["anonymous", "learner", "trainer"])
def test_issue18_item4_anonymous_learners_and_trainers_are_refused(record, who):
    rhone, _elsewhere, learner, _certificate = record
    actor = {"anonymous": AnonymousUser(), "learner": learner, "trainer": rhone.trainer}[who]
    before = IssuedDocument.objects.count()
    with pytest.raises(documents.DocumentRefused) as refused:
        documents.transcript_issue(person=learner, actor=actor)
    assert refused.value.code == "forbidden"
    assert str(refused.value.message) == "Only training managers may issue a training transcript."
    assert IssuedDocument.objects.count() == before


@pytest.mark.parametrize("bad", ["abc", "999999", "", None])
def test_issue18_item4_a_bad_person_id_is_a_clear_message(record, admin_user, bad):
    with pytest.raises(documents.DocumentRefused) as refused:
        documents.transcript_issue(person=bad, actor=admin_user)
    assert str(refused.value.message) == f"There is no person with the id “{bad}”."


def test_issue18_item4_a_person_with_nothing_managed_is_a_clear_message(record):
    rhone, _elsewhere, _learner, _certificate = record
    stranger = UserFactory(first_name="Jean", last_name="Personne")
    manager = _manager_of(Organization.objects.get(short_name="AILLEURS"), "gestionnaire.ailleurs")
    with pytest.raises(documents.DocumentRefused) as refused:
        documents.transcript_issue(person=stranger, actor=manager)
    assert refused.value.code == "nothing_to_list"


def test_issue18_item4_the_default_transcript_templates_preview_in_the_admin(admin_client):
    from django.urls import reverse

    from cursus_xblock.models import DocumentTemplate

    for language, title in (("fr", "Relevé de formation"), ("en", "Training transcript")):
        template = DocumentTemplate.objects.get(kind="training_transcript", language=language, is_default=True)
        response = admin_client.get(reverse("admin:cursus_xblock_documenttemplate_preview", args=[template.pk]))
        assert response["Content-Type"] == "application/pdf"
        text = _text(b"".join(response.streaming_content))
        assert title in text and "Agnès Béranger" in text and "K7QM3TXW9PRD2HJA" in text
        change = admin_client.get(reverse("admin:cursus_xblock_documenttemplate_change", args=[template.pk]))
        assert "{{ sessions }}" in change.content.decode()
