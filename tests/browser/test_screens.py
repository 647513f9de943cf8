"""Every screen of the seed, looked at: screenshots at two laptop/desktop sizes, in English and
French, and axe-core run on each (issue 15, items 2, 3 and 6).

The screenshots land in ``test-output/screenshots/test_screens/…`` (git-ignored), named
``<screen>-<width>x<height>.png``; axe runs on the 1366×768 state of each screen, dialogs open where
the screen has one. A serious or critical axe violation fails the test, listing them.
"""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from cursus_xblock.documents.defaults import install_default_templates
from cursus_xblock.models import (
    Attendance,
    DocumentTemplate,
    DocumentTemplateVersion,
    EventRegistration,
    Registration,
    Role,
)
from cursus_xblock.services import registration as service

from ..factories import CourseFactory, EventFactory, SessionFactory, UserFactory
from . import expect
from .a11y import assert_no_serious_violations
from .test_xblock_workbench import PASSWORD, scenario_url, sign_in, upcoming_session, workbench  # noqa: F401

LAPTOP = {"width": 1366, "height": 768}
SIZES = [LAPTOP, {"width": 1920, "height": 1080}]
LOCALES = ["en-US", "fr-FR"]


def look(page, shot, name, *, axe=True):
    """Screenshot ``page`` at each size, then run axe at the laptop size (where it is left)."""
    for size in reversed(SIZES):
        page.set_viewport_size(size)
        shot(page, f"{name}-{size['width']}x{size['height']}")
    if axe:
        assert_no_serious_violations(page, where=name)


@pytest.fixture
def seeded(admin_user, settings, tmp_path):
    """Agnès Béranger (a name that elides in French) registered as learner and trainer, with
    séances past and to come, attendance recorded; the default document templates."""
    settings.MEDIA_ROOT = tmp_path / "media"
    install_default_templates(DocumentTemplate, DocumentTemplateVersion)
    agnes = UserFactory(username="agnes", first_name="Agnès", last_name="Béranger", is_staff=False)
    agnes.set_password(PASSWORD)
    agnes.save()
    # People whose names and addresses are as long as real ones: the list is wider than a laptop's.
    for first, last in [("Marie-Christine", "Delacroix-Fontaine"), ("Jean-Baptiste", "Vandenberghe-Laurent")]:
        username = f"{first}.{last}".lower()
        UserFactory(
            username=username,
            first_name=first,
            last_name=last,
            email=f"{username}@centre-formation-continue-rhone.example.org",
        )
    sst = CourseFactory(code="SST", title="SST — Sauveteur secouriste du travail")
    now = timezone.now()
    ongoing = SessionFactory(
        course=sst,
        name="SST — formation initiale (Lyon)",
        code="SST-LYON",
        capacity=10,
        start=now + datetime.timedelta(days=1),
    )
    EventFactory(session=ongoing, name="Séance 1 — Théorie", start=now + datetime.timedelta(days=1, hours=1))
    EventFactory(session=ongoing, name="Séance 2 — Pratique", start=now + datetime.timedelta(days=2, hours=1))
    service.register(user=agnes, sessions=[ongoing], role=Role.LEARNER)
    # The session started and its first séance was held: attendance recorded.
    type(ongoing).objects.filter(pk=ongoing.pk).update(start=now - datetime.timedelta(days=1))
    held = ongoing.events.order_by("start").first()
    type(held).objects.filter(pk=held.pk).update(
        start=now - datetime.timedelta(hours=5), end=now - datetime.timedelta(hours=2)
    )
    EventRegistration.objects.filter(event=held).update(attendance=Attendance.PRESENT)
    full = SessionFactory(course=sst, name="SST — Paris (complète)", code="SST-PARIS", capacity=1)
    service.register(user=UserFactory(), sessions=[full], role=Role.LEARNER)
    service.register(user=agnes, sessions=[full], role=Role.LEARNER)
    fire = CourseFactory(code="INC", title="Incendie — manipulation des extincteurs")
    taught = SessionFactory(course=fire, name="Incendie — Nantes", code="INC-NTE")
    service.register(user=agnes, sessions=[taught], role=Role.TRAINER)
    SessionFactory(course=fire, name="Incendie — Bordeaux", code="INC-BDX")
    upcoming_session(sst, code="SST-WB", capacity=8)
    return {"agnes": agnes, "ongoing": ongoing, "full": full}


@pytest.mark.parametrize("page_locale", LOCALES)
def test_every_admin_screen_is_looked_at_and_passes_axe(page, login, shot, seeded, page_locale):
    agnes, ongoing = seeded["agnes"], seeded["ongoing"]
    page.set_viewport_size(LAPTOP)
    login(page, next_url="/admin/auth/user/")
    look(page, shot, "user-list")

    page.locator("#result_list tbody tr", has_text="agnes").locator("a.cursus-registrations-button").click()
    expect(page.locator("#section-learner")).to_contain_text(ongoing.name)
    row = page.locator(f"#registration-{Registration.objects.get(user=agnes, session=ongoing).pk}")
    row.locator(".cursus-toggle").click()
    expect(page.locator(".cursus-events-row:not([hidden])")).to_have_count(1)
    look(page, shot, "registrations")

    with page.expect_response(lambda r: r.request.method == "GET" and "/documents/" in r.url):
        row.locator(".cursus-action").nth(0).click()
    dialog = page.locator("#cursus-document-dialog")
    expect(dialog).to_be_visible()
    look(page, shot, "registrations-invitation-dialog")
    # The keyboard closes it and gives the focus back to the button that opened it.
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(row.locator(".cursus-action").nth(0)).to_be_focused()

    page.locator("#section-learner .cursus-register-button").click()
    results = page.locator("#cursus-picker-results > li")
    expect(results.first).to_be_visible()
    look(page, shot, "picker")
    page.fill("#cursus-picker-q", "INC-BDX")
    expect(results).to_have_count(1)
    add = results.first.locator("button.cursus-picker-add")
    add.focus()
    page.keyboard.press("Enter")  # the keyboard picks too
    expect(page.locator("#cursus-picker-selected > li")).to_have_count(1)
    page.fill("#cursus-picker-q", "")
    expect(results.nth(1)).to_be_visible()
    look(page, shot, "picker-one-selected")
    page.locator("#cursus-picker-ok").click()
    page.wait_for_url(re.compile(r"/registrations/summary/"))
    look(page, shot, "summary")

    page.goto(reverse("admin:cursus_xblock_session_changelist"))
    look(page, shot, "session-list")
    page.goto(reverse("admin:cursus_xblock_session_change", args=[ongoing.pk]))
    look(page, shot, "session-change")
    page.goto(reverse("admin:cursus_xblock_documenttemplate_changelist"))
    look(page, shot, "template-list")
    language = page_locale[:2]
    template = DocumentTemplate.objects.get(kind="session_invitation", language=language, is_default=True)
    page.goto(reverse("admin:cursus_xblock_documenttemplate_change", args=[template.pk]))
    look(page, shot, "template-change")


@pytest.mark.parametrize("page_locale", LOCALES)
def test_the_xblock_in_the_workbench_is_looked_at_and_passes_axe(page, shot, workbench, seeded, page_locale):  # noqa: F811
    page.set_viewport_size(LAPTOP)
    sign_in(page, seeded["agnes"], next_url=scenario_url())
    expect(page.locator(".cursus-block")).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", page_locale[:2])
    assert page.title()
    look(page, shot, "workbench-signed-in")
    page.context.clear_cookies()
    page.goto(scenario_url())
    look(page, shot, "workbench-anonymous")


@pytest.mark.parametrize("size", [LAPTOP, {"width": 1440, "height": 900}, {"width": 1280, "height": 800}])
def test_item_2_the_registrations_button_is_in_view_on_a_laptop(page, login, shot, seeded, size):
    """With the admin's sidebar open, the user list's registrations button needs no scrolling."""
    page.set_viewport_size(size)
    login(page, next_url="/admin/auth/user/")
    expect(page.locator("#nav-sidebar")).to_be_visible()
    for row in page.locator("#result_list tbody tr").all():
        # The whole cell, not only the icon: a column cut by the list's scroll box is not "seen".
        expect(row.locator("td", has=page.locator("a.cursus-registrations-button"))).to_be_in_viewport(ratio=1)
    expect(page.locator("#result_list thead th.column-cursus_registrations")).to_be_in_viewport(ratio=1)
    shot(page, f"user-list-{size['width']}x{size['height']}")
