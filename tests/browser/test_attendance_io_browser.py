"""Issue 16 item 5 in a browser: from the attendance grid a training manager exports the grid, edits it as a
spreadsheet would, imports it back, reads the dry run, applies it and sees the grid changed (in French)."""

import csv
import io

import pytest
from django.urls import reverse

from cursus_xblock.models import Attendance, EventRegistration, OrganizationManager, RegistrationHistory
from tests.browser import expect
from tests.test_attendance_io import world  # noqa: F401  (the fixture)

from .a11y import assert_no_serious_violations


@pytest.mark.parametrize("page_locale", ["fr-FR"])
def test_export_edit_import_apply_from_the_grid(page, login, shot, world, tmp_path):  # noqa: F811
    manager = world["trainer"]
    manager.set_password("mot-de-passe")
    manager.save()
    OrganizationManager.objects.create(user=manager, organization=world["session"].course.organization)
    bruno = world["people"]["bruno"]
    cell = EventRegistration.objects.get(registration__user=bruno, event=world["events"]["atelier1"])
    login(page, manager.username, "mot-de-passe")
    page.goto(reverse("admin:cursus_xblock_session_attendance", args=[world["session"].pk]))
    assert_no_serious_violations(page, where="grille avec export et import")
    shot(page, "grille-export-import")

    with page.expect_download() as download:
        page.get_by_role("link", name="Exporter (CSV)").click()
    text = download.value.path().read_bytes().decode("utf-8-sig")
    table = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert table[2][:5] == [
        "bruno",
        "bruno@example.org",
        "Bruno Bézier",
        "Absence non justifiée [absent_unjustified]",
        "Non renseignée [unknown]",
    ]
    table[2][4] = "présent"  # as typed in a spreadsheet
    edited = tmp_path / "presences.csv"
    with edited.open("w", encoding="utf-8-sig", newline="") as handle:
        csv.writer(handle, delimiter=";").writerows(table)

    page.get_by_role("link", name="Importer des présences").click()
    expect(page.get_by_role("heading", name="Importer les présences de Gestion [ATT-1]")).to_be_visible()
    assert_no_serious_violations(page, where="formulaire d'import des présences")
    page.get_by_label("Fichier").set_input_files(str(edited))
    page.get_by_role("button", name="Vérifier le fichier (simulation)").click()
    expect(page.get_by_role("heading", name="Simulation : rien n'a encore été enregistré")).to_be_visible()
    expect(page.locator(".cursus-import-counts")).to_contain_text("Serait modifiée : 1")
    expect(page.locator(".cursus-import-counts")).to_contain_text("Inchangée : 11")
    changed = page.locator("table.cursus-import-report tbody tr.result-change")
    expect(changed).to_have_count(1)
    expect(changed).to_contain_text("bruno")
    expect(changed).to_contain_text("Présent·e")
    assert_no_serious_violations(page, where="simulation de l'import des présences")
    shot(page, "simulation-import-presences")
    cell.refresh_from_db()
    assert cell.attendance == Attendance.UNKNOWN

    page.get_by_role("button", name="Appliquer l'import").click()
    expect(page.get_by_role("heading", name="Import appliqué")).to_be_visible()
    expect(page.locator(".cursus-import-counts")).to_contain_text("Modifiée : 1")
    with page.expect_download() as report:
        page.get_by_role("button", name="Télécharger le compte rendu (CSV)").click()
    assert "Modifiée" in report.value.path().read_bytes().decode("utf-8-sig")
    shot(page, "import-presences-applique")

    page.get_by_role("link", name="Retour à la grille des présences").click()
    expect(page.locator(f'select[name="cell-{cell.pk}"]')).to_have_value("present")
    shot(page, "grille-apres-import")
    history = RegistrationHistory.objects.get(event_registration=cell, action="attendance")
    assert (history.actor, history.reason, history.new_value) == (manager, "import", Attendance.PRESENT)
