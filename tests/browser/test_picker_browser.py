"""The session picker in Chromium: pick, see the selected-sessions panel, OK, the summary; groups too."""

import re

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from cursus_xblock.models import Registration, RegistrationHistory, RegistrationStatus, Role, SessionStatus
from cursus_xblock.services import registration as service

from ..factories import CourseFactory, SessionFactory, UserFactory


def _url(name, *args):
    return reverse(f"admin:cursus_{name}", args=args)


@pytest.fixture
def browser_page(page, login, admin_user):
    login(page)
    return page


def test_pick_sessions_in_the_browser_then_ok(browser_page, shot):
    from playwright.sync_api import expect

    page = browser_page
    learner = UserFactory(first_name="Éloïse", last_name="Lefèvre", username="eloise")
    electric = CourseFactory(title="Habilitation électrique", code="HAB")
    first = SessionFactory(name="Habilitation B1V — Lyon", code="HAB-LYON", course=electric, capacity=12)
    second = SessionFactory(name="Habilitation B1V — Paris", code="HAB-PARIS", course=electric, capacity=1)
    SessionFactory(name="Habilitation BR — Nantes", code="HAB-NANTES", course=electric, capacity=1)
    mine = SessionFactory(name="Gestes et postures", code="GP-01", capacity=None)
    SessionFactory.create_batch(26)
    service.register_users(session=second, users=[UserFactory()], role=Role.LEARNER)
    service.register(user=learner, sessions=[mine], role=Role.LEARNER)
    closed = SessionFactory(name="Sauveteur secouriste", code="SST-01", status=SessionStatus.CLOSED)

    page.goto(_url("user_register", learner.pk, "learner"))
    expect(page.get_by_role("heading", name="Register Éloïse Lefèvre (eloise) as learner")).to_be_visible()
    results = page.locator("#cursus-picker-results > li")
    expect(results).to_have_count(25)
    expect(page.locator("#cursus-picker-page")).to_have_text("Page 1 of 2")
    expect(page.locator("#cursus-picker-empty")).to_be_visible()
    row_mine = results.filter(has_text="GP-01")
    expect(row_mine).to_contain_text("Already registered")
    expect(row_mine.get_by_role("button", name="Add to the selection")).to_be_disabled()
    shot(page, "01-picker-empty")

    page.get_by_label("Search").fill("hab")
    expect(results).to_have_count(3)
    expect(results.filter(has_text="HAB-PARIS")).to_contain_text("Full — waiting list")
    results.filter(has_text="HAB-LYON").get_by_role("button", name="Add to the selection").click()
    # the keyboard works too: focus the button, press Enter
    results.filter(has_text="HAB-PARIS").get_by_role("button", name="Add to the selection").focus()
    page.keyboard.press("Enter")
    panel = page.locator("#cursus-picker-selected > li")
    expect(panel).to_have_count(2)
    expect(page.locator("#cursus-picker-count")).to_have_text("(2)")
    expect(page.locator("#cursus-picker-empty")).to_be_hidden()
    expect(results.filter(has_text="HAB-LYON").get_by_role("button", name="Add to the selection")).to_have_attribute(
        "aria-disabled", "true"
    )
    page.get_by_label("Search").fill("SST")
    expect(results).to_have_count(1)
    expect(results.first).to_contain_text("Closed to registration")
    expect(results.first.get_by_role("button", name="Add to the selection")).to_be_disabled()
    page.get_by_label("Search").fill("")
    expect(results).to_have_count(25)
    page.get_by_role("button", name="Next").click()
    expect(page.locator("#cursus-picker-page")).to_have_text("Page 2 of 2")
    expect(results).to_have_count(6)
    page.get_by_label("Search").fill("HAB-NANTES")
    expect(results).to_have_count(1)
    results.first.get_by_role("button", name="Add to the selection").click()
    expect(panel).to_have_count(3)
    panel.filter(has_text="HAB-NANTES").get_by_role("button", name="Remove from the selection").click()
    expect(panel).to_have_count(2)
    page.get_by_label("Reason (optional)").fill("Plan de formation 2026")
    shot(page, "02-picker-two-selected")
    page.emulate_media(color_scheme="dark")  # the admin's dark theme: our colours are its variables
    shot(page, "03-picker-dark")
    page.emulate_media(color_scheme="light")

    page.get_by_role("button", name="OK").click()
    page.wait_for_url(re.compile(r"/registrations/summary/"))
    expect(page.locator(".cursus-summary-session")).to_have_count(2)
    expect(page.locator(".cursus-summary-session").nth(0)).to_contain_text("Registered")
    expect(page.locator(".cursus-summary-session").nth(1)).to_contain_text("On the waiting list (position 1)")
    shot(page, "04-summary")

    assert Registration.objects.filter(user=learner, role=Role.LEARNER).count() == 3
    assert Registration.objects.get(user=learner, session=first).status == RegistrationStatus.CONFIRMED
    assert Registration.objects.get(user=learner, session=second).status == RegistrationStatus.WAITING
    history = RegistrationHistory.objects.filter(registration__session=first).get()
    assert history.reason == "Plan de formation 2026"
    assert not Registration.objects.filter(session=closed).exists()


def test_register_a_group_in_the_browser(browser_page, shot):
    from playwright.sync_api import expect

    page = browser_page
    group = Group.objects.create(name="Équipe maintenance")
    for first, last, username in [("Éloïse", "Lefèvre", "eloise"), ("Noël", "Dupré", "noel"), ("Zoé", "Aubert", "zoe")]:
        group.user_set.add(UserFactory(first_name=first, last_name=last, username=username))
    course = CourseFactory(title="Habilitation électrique", code="HAB")
    small = SessionFactory(name="Habilitation B1V — Lyon", code="HAB-LYON", course=course, capacity=2)
    SessionFactory(name="Habilitation BR — Nantes", code="HAB-NANTES", course=course)
    service.register_users(session=small, users=[group.user_set.get(username="zoe")], role=Role.LEARNER)

    page.goto(_url("group_register", group.pk, "learner"))
    expect(page.locator(".cursus-picker-intro")).to_contain_text("The group has 3 members")
    results = page.locator("#cursus-picker-results > li")
    expect(results).to_have_count(2)
    expect(results.filter(has_text="HAB-LYON")).to_contain_text("1 member already registered")
    for row in results.all():
        row.get_by_role("button", name="Add to the selection").click()
    expect(page.locator("#cursus-picker-selected > li")).to_have_count(2)
    shot(page, "05-group-picker")

    page.get_by_role("button", name="OK").click()
    page.wait_for_url(re.compile(r"/registrations/summary/"))
    blocks = page.locator(".cursus-summary-session")
    expect(blocks).to_have_count(2)
    expect(blocks.nth(0)).to_contain_text("Already registered")
    expect(blocks.nth(0)).to_contain_text("On the waiting list (position 1)")
    expect(blocks.nth(1)).to_contain_text("3 registered")
    shot(page, "06-group-summary")

    assert Registration.objects.filter(user__groups=group).count() == 6


def test_a_session_deleted_meanwhile_is_reported_and_the_rest_stays_picked(browser_page, shot):
    from playwright.sync_api import expect

    page = browser_page
    learner = UserFactory(first_name="Éloïse", last_name="Lefèvre", username="eloise")
    kept = SessionFactory(name="Habilitation B1V — Lyon", code="HAB-LYON")
    doomed = SessionFactory(name="Habilitation BR — Nantes", code="HAB-NANTES")

    page.goto(_url("user_register", learner.pk, "learner"))
    add_buttons = page.get_by_role("button", name="Add to the selection")
    expect(add_buttons).to_have_count(2)  # the list is fetched after load: wait for it
    for button in add_buttons.all():
        button.click()
    expect(page.locator("#cursus-picker-selected > li")).to_have_count(2)
    doomed.delete()
    page.get_by_role("button", name="OK").click()

    expect(page.locator(".errornote")).to_contain_text("Some selected sessions no longer exist")
    expect(page.locator("#cursus-picker-selected > li")).to_have_count(1)
    expect(page.locator("#cursus-picker-selected")).to_contain_text("HAB-LYON")
    expect(page.get_by_role("button", name="OK")).to_be_enabled()
    shot(page, "07-session-deleted-meanwhile")

    assert not Registration.objects.filter(session=kept).exists()
