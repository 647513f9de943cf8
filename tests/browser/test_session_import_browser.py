"""Issue 18 item 2 in a browser: a manager plans a term from a file, reads the dry run, applies it (in French)."""

import pytest
from django.urls import reverse

from cursus_xblock.models import Registration, RegistrationStatus, Session
from tests.browser import expect
from tests.test_session_imports import FIXTURES, term  # noqa: F401  (the fixture)

from .a11y import assert_no_serious_violations


@pytest.mark.parametrize("page_locale", ["fr-FR"])
def test_a_manager_imports_sessions_after_the_dry_run(page, login, shot, term):  # noqa: F811
    manager = term["manager"]
    manager.set_password("mot-de-passe")
    manager.save()
    login(page, manager.username, "mot-de-passe")
    page.goto(reverse("admin:cursus_xblock_session_changelist"))
    page.get_by_role("link", name="Importer depuis un fichier").click()
    expect(page.get_by_role("heading", name="Importer des sessions et des séances")).to_be_visible()
    assert_no_serious_violations(page, where="sessions import form")

    page.get_by_label("Fichier").set_input_files(str(FIXTURES / "sessions_cp1252_comma.csv"))
    page.get_by_role("button", name="Vérifier le fichier (simulation)").click()
    expect(page.get_by_role("heading", name="Simulation : rien n'a encore été enregistré")).to_be_visible()
    report = page.locator("table.cursus-import-report tbody tr")
    expect(report).to_have_count(17)
    expect(report.nth(0)).to_contain_text("Session à créer")
    expect(report.nth(7)).to_contain_text("Séance hors de sa session")
    expect(page.locator(".cursus-import-counts")).to_contain_text("Formation inconnue : 1")
    expect(report.nth(9)).to_contain_text("Même code de session qu'à la ligne 2.")
    assert_no_serious_violations(page, where="sessions dry run report")
    shot(page, "simulation-import-sessions")
    assert not Session.objects.filter(code="S-NEW").exists()

    page.get_by_label("N'appliquer que les lignes valides (13 lignes ont des erreurs et seront écartées).").check()
    page.get_by_role("button", name="Appliquer l'import").click()
    expect(page.get_by_role("heading", name="Import appliqué")).to_be_visible()
    expect(report.nth(0)).to_contain_text("Session créée")
    assert_no_serious_violations(page, where="sessions import applied")
    shot(page, "import-sessions-applique")
    assert Session.objects.get(code="S-NEW").events.get().name == "Jour 1"
    assert Registration.objects.get(user__username="bob").status == RegistrationStatus.CONFIRMED
