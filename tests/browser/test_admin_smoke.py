"""The browser chain works: Chromium, Playwright, the live server, the admin login, screenshots."""

import re

import pytest
from django.urls import reverse

from tests.browser import expect
from tests.factories import SessionFactory, UserFactory


@pytest.fixture
def sessions():
    return [
        SessionFactory(name="Habilitation électrique B1V"),
        SessionFactory(name="Gestes et postures"),
    ]


def assert_sessions_listed(page, sessions):
    rows = page.locator("#result_list tbody tr")
    expect(rows).to_have_count(len(sessions))
    for session in sessions:
        expect(rows.get_by_role("link", name=re.compile(re.escape(session.name)))).to_be_visible()
        expect(rows.filter(has_text=session.name)).to_contain_text(session.code)


def test_admin_lists_sessions_in_english(page, login, shot, admin_user, sessions):
    login(page)
    page.goto(reverse("admin:cursus_xblock_session_changelist"))

    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", name="Select training session to change")).to_be_visible()
    assert_sessions_listed(page, sessions)
    expect(page.locator("#changelist")).to_contain_text("2 training sessions")
    assert shot(page, "session-changelist").stat().st_size > 10_000


@pytest.mark.parametrize("page_locale", ["fr-FR"])
def test_admin_lists_sessions_in_french(page, login, shot, admin_user, sessions):
    login(page)
    page.goto(reverse("admin:cursus_xblock_session_changelist"))

    expect(page.locator("html")).to_have_attribute("lang", "fr")
    expect(page.locator(".breadcrumbs")).to_contain_text("Sessions de formation")
    expect(page.locator("#nav-sidebar").get_by_role("link", name="Sessions de formation")).to_be_visible()
    expect(page.get_by_role("heading", name="Sélectionnez l’objet session de formation à changer")).to_be_visible()
    assert_sessions_listed(page, sessions)
    shot(page, "liste-des-sessions")


def test_non_staff_user_cannot_log_into_admin(page, login, shot):
    learner = UserFactory(username="apprenant", is_staff=False)
    learner.set_password("mot-de-passe")
    learner.save()

    login(page, "apprenant", "mot-de-passe", expect_success=False)

    expect(page).to_have_url(re.compile(r"/admin/login/"))
    expect(page.locator(".errornote")).to_contain_text(
        "Please enter the correct username and password for a staff account"
    )
    shot(page, "login-refused")
    page.goto("/admin/")
    expect(page).to_have_url(re.compile(r"/admin/login/\?next=/admin/$"))
