"""Issue 18 item 1 in a browser: a large file becomes import jobs, followed on their page (in French)."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core.files.base import ContentFile
from django.test import override_settings
from django.urls import reverse

from cursus_xblock.models import ImportJob, ImportJobStatus, ImportKind, Registration
from tests.browser import expect
from tests.factories import SessionFactory, UserFactory

from .a11y import assert_no_serious_violations


@pytest.mark.parametrize("page_locale", ["fr-FR"])
def test_a_large_file_is_followed_on_its_job_page(page, login, shot, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    SessionFactory(code="GROS-01", capacity=500)
    User = get_user_model()
    User.objects.bulk_create(User(username=f"g{n:03d}") for n in range(150))
    path = tmp_path / "rh.csv"
    path.write_text("utilisateur;session;rôle\n" + "".join(f"g{n:03d};GROS-01;apprenant\n" for n in range(150)))
    manager = UserFactory(username="gestionnaire", is_staff=True)
    manager.user_permissions.add(Permission.objects.get(codename="manage_registrations"))
    manager.set_password("mot-de-passe")
    manager.save()
    login(page, manager.username, "mot-de-passe")

    # A job another worker is running: its page says where it is and reloads itself.
    running = ImportJob(
        kind=ImportKind.REGISTRATIONS, file_name="rh-2.csv", actor=manager, rows_total=3000, rows_done=1500
    )
    running.status = ImportJobStatus.RUNNING
    running.file.save("rh-2.csv", ContentFile(b"x"), save=False)
    running.save()
    page.goto(reverse("admin:cursus_xblock_registration_import_job", args=[running.pk]))
    expect(page.get_by_role("status")).to_contain_text("En cours : 1500 lignes sur 3000.")
    expect(page.get_by_role("progressbar", name="Avancement de l’import")).to_have_attribute("value", "50")
    assert_no_serious_violations(page, where="running import job")
    shot(page, "import-en-cours")
    # The page follows the job in place (no timed reload): its status and bar change, then the link shows.
    ImportJob.objects.filter(pk=running.pk).update(rows_done=2500)
    expect(page.get_by_role("status")).to_contain_text("En cours : 2500 lignes sur 3000.", timeout=10_000)
    ImportJob.objects.filter(pk=running.pk).update(rows_done=3000, status=ImportJobStatus.DONE)
    expect(page.get_by_role("link", name="L’import est terminé : afficher son compte rendu.")).to_be_visible(
        timeout=10_000
    )
    expect(page.get_by_role("progressbar", name="Avancement de l’import")).to_have_attribute("value", "100")

    with override_settings(CURSUS_IMPORT_BACKGROUND_ROWS=100):
        page.goto(reverse("admin:cursus_xblock_registration_import"))
        page.get_by_label("Fichier").set_input_files(str(path))
        page.get_by_role("button", name="Vérifier le fichier (simulation)").click()
        expect(page.get_by_text("Simulation : rien n'a encore été enregistré")).to_be_visible()
        expect(page.get_by_role("status")).to_contain_text("Terminé : 150 lignes sur 150.")
        expect(page.locator(".cursus-import-counts")).to_contain_text("Inscrit·e : 150")
        expect(page.locator("table.cursus-import-report tbody tr")).to_have_count(150)
        assert_no_serious_violations(page, where="dry-run job")
        shot(page, "simulation-en-tache-de-fond")
        assert not Registration.objects.exists()

        page.get_by_role("button", name="Appliquer l'import").click()
        expect(page.get_by_text("Import appliqué")).to_be_visible()
        expect(page.get_by_role("link", name="Télécharger le compte rendu (CSV)")).to_be_visible()
        shot(page, "import-en-tache-de-fond-applique")
    assert Registration.objects.count() == 150
