"""Issue 17, item 2: an administrator edits a message's template and previews it with sample values."""

import pytest
from django.urls import reverse

from cursus_xblock.models import NotificationTemplate, NotificationTrigger
from cursus_xblock.services import notifications
from tests.browser import expect

from .test_screens import look


@pytest.mark.parametrize("page_locale", ["fr-FR"])
def test_a_template_is_edited_and_previewed_in_french(page, login, shot, admin_user):
    template = notifications.template_for(NotificationTrigger.WAITING, "fr")
    login(page)
    page.goto(reverse("admin:cursus_xblock_notificationtemplate_change", args=[template.pk]))

    preview = page.locator(".field-preview")
    expect(preview).to_contain_text("Liste d'attente")  # the default French subject, with the sample session
    expect(preview.locator("pre.cursus-notification-text")).to_contain_text("en position")
    frame = page.frame_locator(".field-preview iframe")
    expect(frame.locator("body")).to_contain_text("en position")
    look(page, shot, "notification-template-preview-fr")

    # Edited with the keyboard as much as by mouse: the subject gets a new word, saved, previewed again.
    subject = page.get_by_label("Objet")
    subject.fill("Vous êtes en liste d’attente : {{ session.name }}")
    page.get_by_role("button", name="Enregistrer et continuer les modifications").press("Enter")
    expect(page.locator(".messagelist")).to_be_visible()
    expect(page.locator(".field-preview")).to_contain_text("Vous êtes en liste d’attente :")
    template.refresh_from_db()
    assert template.subject.startswith("Vous êtes en liste d’attente")


@pytest.mark.parametrize("page_locale", ["fr-FR"])
def test_a_broken_template_is_refused_with_its_line(page, login, shot, admin_user):
    template = notifications.template_for(NotificationTrigger.REGISTERED, "fr")
    before = template.body_text
    login(page)
    page.goto(reverse("admin:cursus_xblock_notificationtemplate_change", args=[template.pk]))

    page.locator("#id_body_text").fill("Bonjour {% if %}")
    page.get_by_role("button", name="Enregistrer et continuer les modifications").click()
    expect(page.locator(".errornote").first).to_be_visible()
    look(page, shot, "notification-template-refused-fr")
    assert NotificationTemplate.objects.get(pk=template.pk).body_text == before
