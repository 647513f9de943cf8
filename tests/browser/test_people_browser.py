"""Issue 15 item 1 in the browser: a training manager who is not a superuser and holds nothing of
the host's (no ``auth.view_user``) walks from the admin index to a person's registrations, opens
the picker and registers them, issues their invitation and unregisters them, without typing a URL;
axe runs on the new « people » screen."""

import io
import re

import pytest
from django.contrib.auth.models import Permission
from pypdf import PdfReader

from cursus_xblock.models import (
    Course,
    IssuedDocument,
    Organization,
    OrganizationManager,
    Registration,
    RegistrationHistory,
    RegistrationStatus,
    Role,
)
from cursus_xblock.services import registration as registration_service

from ..factories import UserFactory
from . import expect
from .test_screens import (
    LAPTOP,
    look,
    seeded,  # noqa: F401  (a fixture)
)

ENTRY = {"en-US": "Registrations by person", "fr-FR": "Inscriptions par personne"}
WORDS = {
    "en-US": {"download": "Download the PDF", "unregister": "Unregister"},
    "fr-FR": {"download": "Télécharger le PDF", "unregister": "Désinscrire"},
}


def _manager(kind):
    user = UserFactory(username=f"manager-{kind}", first_name="Gérard", last_name="Gestionnaire", is_staff=True)
    user.set_password("password")
    user.save()
    if kind == "site":
        user.user_permissions.add(Permission.objects.get(codename="manage_registrations"))
    else:
        organization = Organization.objects.create(short_name="PREV", name="Prévention")
        Course.objects.update(organization=organization)
        OrganizationManager.objects.create(user=user, organization=organization)
    return user


@pytest.mark.parametrize("page_locale", ["en-US", "fr-FR"])
@pytest.mark.parametrize("kind", ["site", "scoped"])
def test_issue15_item1_a_training_manager_walks_from_the_index_to_a_registration(
    page,
    login,
    shot,
    seeded,  # noqa: F811
    kind,
    page_locale,
):
    agnes = seeded["agnes"]
    manager = _manager(kind)
    page.set_viewport_size(LAPTOP)
    login(page, username=manager.username, next_url="/admin/")

    page.get_by_role("link", name=ENTRY[page_locale]).first.click()
    expect(page.locator("#cursus-people-q")).to_be_visible()
    expect(page.locator(".cursus-people tbody")).to_contain_text("Agnès Béranger (agnes)")
    page.fill("#cursus-people-q", "béranger")
    page.keyboard.press("Enter")
    expect(page.locator(".cursus-people tbody tr")).to_have_count(1)
    look(page, shot, f"people-{kind}")

    page.get_by_role("link", name="Agnès Béranger (agnes)").click()
    expect(page.locator("#section-learner")).to_contain_text(seeded["ongoing"].name)
    expect(page.locator(".breadcrumbs")).to_contain_text(ENTRY[page_locale])
    # The cancelled registrations, on demand (issue 15 item 5).
    registration_service.unregister(
        registration=Registration.objects.get(user=agnes, session=seeded["full"]), reason="Mutation"
    )
    page.locator("#section-cancelled a.button").click()
    expect(page.locator("#section-cancelled tbody")).to_contain_text("Mutation")
    look(page, shot, f"person-cancelled-{kind}")

    page.locator("#section-learner .cursus-register-button").click()
    results = page.locator("#cursus-picker-results > li")
    page.fill("#cursus-picker-q", "INC-BDX")
    expect(results).to_have_count(1)
    results.first.locator("button.cursus-picker-add").click()
    expect(page.locator("#cursus-picker-selected > li")).to_have_count(1)
    page.locator("#cursus-picker-ok").click()
    page.wait_for_url(re.compile(r"/registrations/summary/"))
    expect(page.locator(".cursus-summary")).to_contain_text("Incendie — Bordeaux")
    registration = Registration.objects.get(user=agnes, session__code="INC-BDX", role=Role.LEARNER)

    # Back to the person through the breadcrumbs, then the seed's plus and red cross as this manager.
    page.locator(".breadcrumbs a", has_text="Agnès Béranger").click()
    row = page.locator(f"#registration-{registration.pk}")
    with page.expect_response(lambda r: r.request.method == "GET" and "/documents/" in r.url) as preview:
        row.locator(".cursus-action").nth(0).click()
    assert (preview.value.status, preview.value.header_value("content-type")) == (200, "application/pdf")
    dialog = page.locator("#cursus-document-dialog")
    with page.expect_download() as download:
        dialog.get_by_role("button", name=WORDS[page_locale]["download"]).click()
    with open(download.value.path(), "rb") as handle:
        text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(handle.read())).pages)
    assert "Agnès Béranger" in text and "Incendie — Bordeaux" in text
    invitation = IssuedDocument.objects.get(kind="session_invitation", registration=registration)
    assert invitation.issued_by == manager

    page.goto(page.url.split("#")[0])
    page.locator(f"#registration-{registration.pk} .cursus-action").nth(2).click()
    confirm = page.locator("#cursus-unregister-dialog")
    expect(confirm).to_contain_text("Incendie — Bordeaux")
    confirm.locator("textarea[name=reason]").fill("Erreur de saisie")
    confirm.get_by_role("button", name=WORDS[page_locale]["unregister"]).click()
    expect(page.locator(".messagelist")).to_contain_text("Incendie — Bordeaux")
    registration.refresh_from_db()
    assert registration.status == RegistrationStatus.CANCELLED
    entry = RegistrationHistory.objects.get(registration=registration, action="cancelled", event_registration=None)
    assert (entry.reason, entry.actor) == ("Erreur de saisie", manager)
    # Back to the people through the breadcrumbs: a place this manager may go.
    page.locator(".breadcrumbs a", has_text=ENTRY[page_locale]).click()
    expect(page.locator("#cursus-people-q")).to_be_visible()
