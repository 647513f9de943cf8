"""A training manager downloads a session's sign-in sheets from the session list (issue 16 item 3)."""

import io
import zipfile

import pytest
from django.urls import reverse
from pypdf import PdfReader

from cursus_xblock.documents.defaults import install_default_templates
from cursus_xblock.models import DocumentTemplate, DocumentTemplateVersion, IssuedDocument, OrganizationManager
from tests.browser import expect

from ..attendance import held_session
from .a11y import assert_no_serious_violations


@pytest.fixture
def held(db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    install_default_templates(DocumentTemplate, DocumentTemplateVersion)
    held = held_session(learners=2)
    manager = held.trainer
    manager.is_staff = True
    manager.set_password("mot-de-passe")
    manager.save()
    OrganizationManager.objects.create(user=manager, organization=held.session.course.organization)
    return held


@pytest.mark.parametrize("page_locale", ["fr-FR"])
def test_issue16_item3_a_manager_downloads_the_blank_sheets_of_a_session(page, login, shot, held):
    login(page, "formatrice", "mot-de-passe")
    page.goto(reverse("admin:cursus_xblock_session_changelist"))
    page.locator("#result_list tbody tr", has_text=held.session.name).locator("input.action-select").check()
    page.get_by_role("combobox", name="Action").select_option(label="Feuilles d'émargement à imprimer, vierges (ZIP)")
    assert_no_serious_violations(page, "liste des sessions, action feuilles d'émargement")
    shot(page, "feuilles-emargement-action")

    with page.expect_download() as download:
        page.get_by_role("button", name="Envoyer").click()

    assert download.value.suggested_filename.endswith("_sign_in_sheet.zip")
    with zipfile.ZipFile(download.value.path()) as archive:
        texts = [PdfReader(io.BytesIO(archive.read(name))).pages[0].extract_text() for name in archive.namelist()]
    assert len(texts) == 2
    assert "Feuille d'émargement" in texts[0] and "Accueil" in texts[0] and "Mise en pratique" in texts[1]
    for learner in held.learners:
        assert learner.last_name.upper() in texts[0]
    assert IssuedDocument.objects.filter(kind="sign_in_sheet", session=held.session).count() == 2
    page.reload()
    expect(page.locator(".messagelist")).to_contain_text("2 feuilles d'émargement éditées pour")
    shot(page, "feuilles-emargement-message")
