"""Issue 18 item 1 in a browser: a training manager uploads a file, reads the dry run, applies it (in French)."""

import pytest
from django.urls import reverse

from cursus_xblock.models import Registration, RegistrationStatus
from tests.browser import expect
from tests.test_imports import FIXTURES, world  # noqa: F401  (the fixture)

from .a11y import assert_no_serious_violations


@pytest.mark.parametrize("page_locale", ["fr-FR"])
def test_a_manager_imports_a_file_after_its_dry_run(page, login, shot, world):  # noqa: F811
    manager = world["manager"]
    manager.set_password("mot-de-passe")
    manager.save()
    login(page, manager.username, "mot-de-passe")
    page.goto(reverse("admin:cursus_xblock_registration_changelist"))
    page.get_by_role("link", name="Importer depuis un fichier").click()
    expect(page.get_by_role("heading", name="Importer des inscriptions")).to_be_visible()
    assert_no_serious_violations(page, where="import form")

    page.get_by_label("Fichier").set_input_files(str(FIXTURES / "registrations_utf8_bom_semicolon.csv"))
    page.get_by_role("button", name="Vérifier le fichier (simulation)").click()
    expect(page.get_by_role("heading", name="Simulation : rien n'a encore été enregistré")).to_be_visible()
    report = page.locator("table.cursus-import-report tbody tr")
    expect(report).to_have_count(11)
    expect(report.nth(1)).to_contain_text("Liste d'attente")
    expect(page.locator(".cursus-import-counts")).to_contain_text("Liste d'attente : 1")
    expect(report.nth(8)).to_contain_text("Même personne, session et rôle qu'à la ligne 3.")
    assert_no_serious_violations(page, where="dry run report")
    shot(page, "simulation-import")
    assert not Registration.objects.filter(registered_by=manager).exists()

    page.get_by_label("N'appliquer que les lignes valides (7 lignes ont des erreurs et seront écartées).").check()
    page.get_by_role("button", name="Appliquer l'import").click()
    expect(page.get_by_role("heading", name="Import appliqué")).to_be_visible()
    shot(page, "import-applique")
    statuses = dict(Registration.objects.filter(registered_by=manager).values_list("user__username", "status"))
    assert statuses == {
        "alice": RegistrationStatus.CONFIRMED,
        "bob": RegistrationStatus.WAITING,
        "carol": RegistrationStatus.PENDING,
    }
