"""The seed, requirements 1–10, walked by an administrator in Chromium — in English and in French.

After each step the database is checked: registrations, workspace role groups, history, documents.
"""

import datetime
import io
import re

import pytest
from django.contrib.auth.models import Group, Permission
from django.utils import timezone
from pypdf import PdfReader

from cursus_xblock.backends.groups import group_name
from cursus_xblock.documents.defaults import install_default_templates
from cursus_xblock.models import (
    DocumentTemplate,
    DocumentTemplateVersion,
    EventRegistration,
    EventRegistrationType,
    IssuedDocument,
    Registration,
    RegistrationHistory,
    RegistrationStatus,
    Role,
)
from cursus_xblock.services import registration as service

from ..factories import CourseFactory, EventFactory, SessionFactory, UserFactory
from . import expect

WORDS = {
    "en-US": {
        "registrations": "Registrations",
        "learner": "As learner",
        "trainer": "As trainer",
        "register": "Register",
        "selected": "Selected training sessions",
        "ok": "OK",
        "events": "Events",
        "unregister": "Unregister",
        "download": "Download the PDF",
        "registered": "Registered",
        "waiting": "waiting list",
        "join_event": "Register to this event",
        "add": "Add to the selection",
        "pdf_title": "Invitation",
        "certificate": "Certificate of attendance",
    },
    "fr-FR": {
        "registrations": "Inscriptions",
        "learner": "Inscriptions comme apprenant",
        "trainer": "Inscriptions comme formateur",
        "register": "Inscription",
        "selected": "Sessions de formation sélectionnées",
        "ok": "Ok",
        "events": "Séances",
        "unregister": "Désinscrire",
        "download": "Télécharger le PDF",
        "registered": "Inscrit",
        "waiting": "liste d'attente",
        "join_event": "Inscrire à cette séance",
        "add": None,  # found by position: the label is translated by the catalogue
        "pdf_title": "Convocation",
        "certificate": "Attestation de présence",
    },
}


def _pdf_text(download):
    with open(download.path(), "rb") as handle:
        return " ".join(page.extract_text() for page in PdfReader(io.BytesIO(handle.read())).pages)


def _is_preview(response):
    """The dialog's preview: a GET of the document's URL, shown in its frame."""
    return response.request.method == "GET" and "/documents/" in response.url


def _in_group(user, session, role):
    return Group.objects.filter(name=group_name(session.workspace_key, role), user=user).exists()


@pytest.fixture
def world(admin_user, settings, tmp_path):
    """A learner, and sessions to pick from: one open with séances, one full with a waiting list,
    one open, one in progress the learner already attends (for the certificate)."""
    settings.MEDIA_ROOT = tmp_path / "media"
    install_default_templates(DocumentTemplate, DocumentTemplateVersion)  # flushed by earlier browser tests
    learner = UserFactory(username="eloise", first_name="Éloïse", last_name="Lefèvre")
    course = CourseFactory(title="Sauveteur secouriste du travail", code="SST")
    first = SessionFactory(course=course, name="SST — Lyon", code="SST-LYON", capacity=10)
    EventFactory(session=first, name="Séance 1 — Théorie")
    workshop = EventFactory(
        session=first,
        name="Atelier — défibrillateur",
        registration_type=EventRegistrationType.MANUAL,
        capacity=4,
        start=first.start + datetime.timedelta(hours=5),
        end=first.start + datetime.timedelta(hours=7),
    )
    full = SessionFactory(course=course, name="SST — Paris (complète)", code="SST-PARIS", capacity=1)
    service.register(user=UserFactory(), sessions=[full], role=Role.LEARNER)
    third = SessionFactory(course=CourseFactory(title="Incendie", code="INC"), name="Incendie — Nantes", code="INC-NTE")
    now = timezone.now()
    ongoing = SessionFactory(
        course=course, name="SST — recyclage", code="SST-REC", start=now + datetime.timedelta(days=1)
    )
    service.register(user=learner, sessions=[ongoing], role=Role.LEARNER)
    type(ongoing).objects.filter(pk=ongoing.pk).update(start=now - datetime.timedelta(hours=2))
    return {
        "learner": learner,
        "first": first,
        "workshop": workshop,
        "full": full,
        "third": third,
        "ongoing": ongoing,
    }


@pytest.mark.parametrize("page_locale", ["en-US", "fr-FR"])
def test_an_administrator_walks_the_seed(page, login, shot, world, admin_user, page_locale):
    words = WORDS[page_locale]
    learner, first, full, third, ongoing = (world[k] for k in ("learner", "first", "full", "third", "ongoing"))
    login(page, next_url="/admin/auth/user/")

    # 1. User management lists every user, with a registrations button in the last column.
    row = page.locator("#result_list tbody tr", has_text="eloise")
    button = row.locator("a.cursus-registrations-button")
    expect(button).to_be_visible()
    shot(page, "user-list")

    # 2. It opens that user's registrations; 3. split as learner / as trainer.
    button.click()
    expect(page.locator("#content h1")).to_contain_text("Éloïse Lefèvre (eloise)")
    expect(page.locator("#heading-learner")).to_have_text(re.compile(words["learner"], re.I))
    expect(page.locator("#heading-trainer")).to_have_text(re.compile(words["trainer"], re.I))
    expect(page.locator("#section-learner")).to_contain_text("SST — recyclage")
    shot(page, "registrations-before")

    # 8. "Register" at the top right of the section opens the picker; 9. the picked sessions are
    # listed in the "Selected training sessions" panel; 10. OK validates.
    page.locator("#section-learner .cursus-register-button").click()
    expect(page.locator("#cursus-picker-selected-title")).to_contain_text(words["selected"])
    for session in (first, full, third):
        page.fill("#cursus-picker-q", session.code)
        result = page.locator("#cursus-picker-results > li", has_text=session.code)
        expect(result).to_have_count(1)
        result.locator("button.cursus-picker-add").click()
    expect(page.locator("#cursus-picker-selected > li")).to_have_count(3)
    page.fill("#cursus-picker-reason", "Plan de formation 2027")
    shot(page, "picker-three-selected")
    ok = page.locator("#cursus-picker-ok")
    expect(ok).to_have_value(words["ok"])
    ok.click()

    # The summary, session by session.
    expect(page.locator(".cursus-summary")).to_be_visible()
    summary = page.locator(".cursus-summary").inner_text()
    assert summary.count(words["registered"]) >= 2
    assert words["waiting"].lower() in summary.lower()
    shot(page, "summary")
    statuses = dict(Registration.objects.filter(user=learner).values_list("session__code", "status"))
    assert statuses == {"SST-LYON": "confirmed", "SST-PARIS": "waiting", "INC-NTE": "confirmed", "SST-REC": "confirmed"}
    assert _in_group(learner, first, "collaborator") and not _in_group(learner, full, "collaborator")
    assert RegistrationHistory.objects.filter(actor=admin_user, reason="Plan de formation 2027").count() >= 3

    # Back to the page; 7. clicking the session name shows its events (séances).
    page.locator(".cursus-summary-links a.default").click()
    first_row = page.locator(f"#registration-{Registration.objects.get(user=learner, session=first).pk}")
    first_row.locator(".cursus-toggle").click()
    events = page.locator(".cursus-events-row:not([hidden])")
    expect(events).to_contain_text("Séance 1 — Théorie")
    expect(events.locator("caption")).to_have_text(re.compile(words["events"], re.I))
    shot(page, "events")
    events.get_by_role("button", name=words["join_event"]).click()
    expect(page.locator(".messagelist")).to_be_visible()
    assert EventRegistration.objects.get(event=world["workshop"]).status == RegistrationStatus.CONFIRMED

    # 4. The plus: an invitation for this user only, from the templates.
    first_row = page.locator(f"#registration-{Registration.objects.get(user=learner, session=first).pk}")
    with page.expect_response(_is_preview) as preview:
        first_row.locator(".cursus-action").nth(0).click()
    dialog = page.locator("#cursus-document-dialog")
    expect(dialog).to_be_visible()
    assert (preview.value.status, preview.value.header_value("content-type")) == (200, "application/pdf")
    language = page_locale[:2]
    default = DocumentTemplate.objects.get(kind="session_invitation", language=language, is_default=True)
    expect(dialog.locator("select[name=template]")).to_have_value(str(default.pk))  # the admin's language
    shot(page, "invitation-dialog")
    with page.expect_download() as download:
        dialog.get_by_role("button", name=words["download"]).click()
    text = _pdf_text(download.value)
    assert "Éloïse Lefèvre" in text and "SST — Lyon" in text and words["pdf_title"] in text
    invitation = IssuedDocument.objects.get(kind="session_invitation")
    assert (invitation.registration.user, invitation.issued_by) == (learner, admin_user)

    # 5. The student hat: a certificate of attendance for this user only.
    page.goto(page.url.split("#")[0])
    ongoing_row = page.locator(f"#registration-{Registration.objects.get(user=learner, session=ongoing).pk}")
    with page.expect_response(_is_preview) as preview:
        ongoing_row.locator(".cursus-action").nth(1).click()
    assert (preview.value.status, preview.value.header_value("content-type")) == (200, "application/pdf")
    with page.expect_download() as download:
        dialog.get_by_role("button", name=words["download"]).click()
    text = _pdf_text(download.value)
    assert "Éloïse Lefèvre" in text and words["certificate"] in text
    assert IssuedDocument.objects.filter(kind="session_certificate", registration__user=learner).count() == 1

    # 6. The red cross: unregister, with a confirmation naming the user and the session, and a reason.
    page.goto(page.url.split("#")[0])
    first_row = page.locator(f"#registration-{Registration.objects.get(user=learner, session=first).pk}")
    first_row.locator(".cursus-action").nth(2).click()
    confirm = page.locator("#cursus-unregister-dialog")
    expect(confirm).to_contain_text("Éloïse Lefèvre")
    expect(confirm).to_contain_text("SST — Lyon")
    confirm.locator("textarea[name=reason]").fill("Mutation à Nantes")
    shot(page, "unregister-dialog")
    confirm.get_by_role("button", name=words["unregister"]).click()
    expect(page.locator(".messagelist")).to_contain_text("SST — Lyon")
    shot(page, "registrations-after")
    registration = Registration.objects.get(user=learner, session=first)
    assert registration.status == RegistrationStatus.CANCELLED
    assert not _in_group(learner, first, "collaborator")
    entry = RegistrationHistory.objects.get(registration=registration, action="cancelled", event_registration=None)
    assert (entry.reason, entry.actor) == ("Mutation à Nantes", admin_user)
    assert not EventRegistration.objects.filter(registration=registration, status=RegistrationStatus.CONFIRMED).exists()


def test_staff_without_the_permission_and_non_staff_are_refused(page, login, shot, world):
    staff = UserFactory(username="curious", is_staff=True)
    staff.set_password("password")
    staff.save()
    staff.user_permissions.add(Permission.objects.get(codename="view_user"))
    url = f"/admin/auth/user/{world['learner'].pk}/registrations/"

    login(page, username="curious", next_url="/admin/auth/user/")
    expect(page.locator("a.cursus-registrations-button")).to_have_count(0)
    response = page.goto(url)
    assert response.status == 403
    shot(page, "refused-staff-without-permission")

    outsider = UserFactory(username="learner2")
    outsider.set_password("password")
    outsider.save()
    page.context.clear_cookies()
    page.goto(url)
    expect(page.locator("#login-form")).to_be_visible()  # not staff: the admin asks to log in
    assert Registration.objects.filter(user=world["learner"]).count() == 1
