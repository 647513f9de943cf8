"""Issue 18 item 4 in the browser: a training manager of one organization opens « Reports » from the
training section's index, sees each figure drawn (an SVG image named by its title, with the
sessions' and learners' names on it) above its table, and the page passes axe; screenshots in
English and French at a laptop's size."""

import pytest

from ..documents.conftest import media, templates  # noqa: F401  (fixtures)
from ..test_reports import world  # noqa: F401  (the data set, a fixture)
from . import expect
from .test_screens import LAPTOP, look

ENTRY = {"en-US": "Reports", "fr-FR": "Rapports"}
TITLES = {
    "en-US": ("Fill rate per session", "Attendance rate per séance", "No-shows", "Certificates issued per month"),
    "fr-FR": (
        "Taux de remplissage par session",
        "Taux de présence par séance",
        "Absences non justifiées",
        "Attestations délivrées par mois",
    ),
}


@pytest.mark.parametrize("page_locale", ["en-US", "fr-FR"])
def test_issue18_item4_the_reports_page_draws_its_charts(page, login, shot, world, page_locale):  # noqa: F811
    manager = world["people"]["manager_a"]
    manager.set_password("password")
    manager.save()
    page.set_viewport_size(LAPTOP)
    login(page, username=manager.username, next_url="/admin/cursus_xblock/")

    page.get_by_role("link", name=ENTRY[page_locale], exact=True).first.click()
    expect(page.locator(".breadcrumbs")).to_contain_text(ENTRY[page_locale])
    page.fill("#id_start", world["period"]["start"])
    page.fill("#id_end", world["period"]["end"])
    page.locator(".cursus-report-filters [type=submit]").click()

    for title in TITLES[page_locale]:
        expect(page.get_by_role("heading", name=title)).to_be_visible()
    fill = page.locator('svg[data-chart="fill"]')
    expect(fill).to_have_attribute("role", "img")
    expect(fill).to_have_attribute("aria-label", TITLES[page_locale][0])
    expect(fill).to_contain_text("Gestes printemps")  # the session's name on its bar
    expect(fill).to_contain_text("100")  # and its value
    expect(fill).not_to_contain_text("Incendie")  # organization B's session is not A's manager's
    expect(page.locator('svg[data-chart="no_shows"]')).to_contain_text("Bruno Petit")
    expect(page.locator('svg[data-chart="learners"]')).to_contain_text("Alice Martin")
    expect(page.locator("#cursus-report-table-learners tbody tr")).to_have_count(2)
    assert page.locator("script[src*='pygal'], script[src^='http']").count() == 0  # no CDN
    look(page, shot, "reports")
