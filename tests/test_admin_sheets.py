"""Sign-in sheets in the admin (session actions, the register of issued documents) and the API (issue 16 item 3)."""

import io
import zipfile

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse

from cursus_xblock.models import IssuedDocument, Organization, OrganizationManager
from cursus_xblock.services import documents

from .attendance import held_session
from .factories import SessionFactory, UserFactory

pytestmark = pytest.mark.django_db

CHANGELIST = "admin:cursus_xblock_session_changelist"


def _manager_of(organization, username):
    user = UserFactory(username=username, is_staff=True)
    OrganizationManager.objects.create(user=user, organization=organization)
    client = Client()
    client.force_login(user)
    return user, client


def _act(client, action, *ids):
    return client.post(reverse(CHANGELIST), {"action": action, "_selected_action": [str(i) for i in ids]})


def _messages(response):
    return [str(m) for m in get_messages(response.wsgi_request)]


@pytest.fixture
def held(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return held_session(learners=2)


def test_issue16_item3_the_filled_sheets_action_answers_a_zip_of_the_stored_files(held):
    _user, client = _manager_of(held.session.course.organization, "gestionnaire.rhone")
    response = _act(client, "sign_in_sheets_filled", held.session.pk)

    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    with zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content))) as archive:
        contents = [archive.read(name) for name in archive.namelist()]
    sheets = list(IssuedDocument.objects.filter(kind="sign_in_sheet").order_by("event__start"))
    assert [documents.read_content(s) for s in sheets] == contents
    assert all(s.details["options"] == {"filled": True} for s in sheets)


def test_issue16_item3_a_manager_of_another_organization_gets_nothing(held):
    held_session(learners=0, organization="AILLEURS", trainer="autre.formatrice")
    _user, client = _manager_of(Organization.objects.get(short_name="AILLEURS"), "gestionnaire.ailleurs")
    response = _act(client, "sign_in_sheets_blank", held.session.pk)

    assert response.status_code == 302
    assert not IssuedDocument.objects.exists()


def test_issue16_item3_a_session_without_seances_is_refused_with_a_message(held):
    empty = SessionFactory(course=held.session.course)
    _user, client = _manager_of(held.session.course.organization, "gestionnaire.rhone")
    response = _act(client, "sign_in_sheets_blank", empty.pk)

    assert response.status_code == 302
    assert _messages(response) == [
        "The sign-in sheets could not be made: This session has no séance yet: there is no sign-in sheet to make."
    ]
    assert not IssuedDocument.objects.exists()


def test_issue16_item3_a_sheet_is_listed_shown_and_downloaded_in_the_register(held, admin_client):
    sheet = documents.sign_in_sheet_issue(event=held.past, actor=held.trainer, filled=True)
    listing = admin_client.get(reverse("admin:cursus_xblock_issueddocument_changelist"), {"kind": "sign_in_sheet"})
    page = admin_client.get(reverse("admin:cursus_xblock_issueddocument_change", args=[sheet.pk]))
    download = admin_client.get(reverse("admin:cursus_xblock_issueddocument_download", args=[sheet.pk]))

    assert listing.status_code == page.status_code == download.status_code == 200
    assert "Sign-in sheet" in listing.content.decode() and held.past.name in listing.content.decode()
    assert sheet.verification_code in page.content.decode()
    assert b"".join(download.streaming_content) == documents.read_content(sheet)
    verify = admin_client.get(reverse("cursus_xblock:verify", args=[sheet.verification_code]))
    assert "Sign-in sheet" in verify.content.decode()


def test_issue16_item3_a_sheet_downloads_through_the_api_for_its_managers_only(held):
    from rest_framework.test import APIClient

    sheet = documents.sign_in_sheet_issue(event=held.past, actor=held.trainer)
    url = reverse("cursus_xblock:api-document-download", args=[sheet.pk])
    manager, _client = _manager_of(held.session.course.organization, "gestionnaire.rhone")
    statuses = {}
    for who, user in {"manager": manager, "learner": held.learners[0]}.items():
        client = APIClient()
        client.force_authenticate(user)
        statuses[who] = client.get(url).status_code
    assert statuses == {"manager": 200, "learner": 403}


def test_issue16_item3_the_default_sheet_templates_preview_with_sample_learners(admin_client):
    from pypdf import PdfReader

    from cursus_xblock.models import DocumentTemplate

    for language, title in (("fr", "Feuille d'émargement"), ("en", "Sign-in sheet")):
        template = DocumentTemplate.objects.get(kind="sign_in_sheet", language=language, is_default=True)
        response = admin_client.get(reverse("admin:cursus_xblock_documenttemplate_preview", args=[template.pk]))
        assert response["Content-Type"] == "application/pdf"
        text = PdfReader(io.BytesIO(b"".join(response.streaming_content))).pages[0].extract_text()
        assert title in text and "LEFÈVRE" in text and "NGUYEN" in text
        change = admin_client.get(reverse("admin:cursus_xblock_documenttemplate_change", args=[template.pk]))
        assert "{{ participants }}" in change.content.decode()
