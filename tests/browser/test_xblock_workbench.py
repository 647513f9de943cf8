"""The Cursus XBlock in the XBlock SDK's workbench (``/workbench/``), used by a learner in Chromium.

The workbench renders the block with its own runtime (its KVS table, its ``?student=`` id, which the
block ignores): the viewer is the Django user signed in at ``/accounts/login/``, read by django-crum's
middleware. After each click the database says what happened: the registration, who made it, its
history.

The workbench parses its scenarios once per process into a module global and keeps the blocks'
fields in its table, which every browser test empties: the ``workbench`` fixture parses them again
for each test, once the database is there.
"""

import datetime
import re
import zoneinfo
from xml.etree import ElementTree

import pytest
from django.utils import timezone

from cursus_xblock.models import HistoryAction, Registration, RegistrationHistory, RegistrationStatus, Role
from cursus_xblock.services import registration as service
from cursus_xblock.services.outcomes import Result
from cursus_xblock.xblock.block import CursusXBlock

from ..factories import CourseFactory, SessionFactory, UserFactory
from . import expect

PASSWORD = "mot-de-passe-apprenant"  # noqa: S105 — a test user's
#: The scenario the tests open: the sessions of the training course SST, past ones too.
SCENARIO_ID = "cursus_browser.sst"
SCENARIO_XML = '<cursus source="course" course_code="SST" show_past="true"/>'
SCENARIO_DESCRIPTION = "Cursus (browser tests): the SST sessions"
PARIS = zoneinfo.ZoneInfo("Europe/Paris")

#: What the learner reads, in each language; the state is asserted on CSS classes too.
WORDS = {
    "en-US": {
        "register": re.compile(r"^\s*Register\s*$"),
        "registered": re.compile(r"^Registered$"),
        "leave": re.compile(r"Leave"),
        "registered_message": "You are registered for {session}.",
        "left_message": "You have left {session}.",
        "seats": {2: "2 seats left", 1: "1 seat left"},
    },
    "fr-FR": {
        "register": re.compile(r"^\s*S’inscrire\s*$"),
        "registered": re.compile(r"^Inscrit·e$"),
        "leave": re.compile(r"Se désinscrire"),
        "registered_message": "Vous êtes inscrit·e à {session}.",
        "left_message": "Vous êtes désinscrit·e de {session}.",
        "seats": {2: "2 places restantes", 1: "1 place restante"},
    },
}


@pytest.fixture
def workbench(transactional_db):
    """The workbench's scenarios parsed afresh (its table was emptied), with the tests' SST scenario."""
    from workbench import scenarios
    from workbench.runtime import ID_MANAGER
    from workbench.runtime_util import reset_global_state

    reset_global_state()  # empties its KVS table, forgets the ids, parses every block's scenarios
    scenarios.add_xml_scenario(SCENARIO_ID, SCENARIO_DESCRIPTION, SCENARIO_XML)
    yield scenarios
    scenarios.SCENARIOS.clear()  # nothing stale for whoever comes next: the next call parses again
    scenarios.get_scenarios.initialized = False
    ID_MANAGER.clear()


@pytest.fixture
def learner():
    user = UserFactory(username="apprenant", first_name="Anaïs", last_name="Lefèvre", is_staff=False)
    user.set_password(PASSWORD)
    user.save()
    return user


@pytest.fixture
def sst():
    return CourseFactory(code="SST", title="SST — Sauveteur secouriste du travail")


def upcoming_session(course, **fields):
    start = timezone.now() + datetime.timedelta(days=14)
    values = {
        "name": "SST — formation initiale (Lyon)",
        "start": start,
        "end": start + datetime.timedelta(days=1, hours=8),
        "self_registration": True,
        "self_unregistration": True,
        **fields,
    }
    return SessionFactory(course=course, **values)


def sign_in(page, user, *, next_url, shot=None):
    """The learners' login page (the admin's refuses non-staff), then ``next_url``."""
    page.goto(f"/accounts/login/?next={next_url}")
    page.locator("#id_username").fill(user.username)
    page.locator("#id_password").fill(PASSWORD)
    if shot is not None:
        shot(page, "login")
    page.locator("#login-form [type=submit]").click()
    page.wait_for_load_state()
    assert "/accounts/login/" not in page.url, page.locator(".errornote").all_inner_texts()


def scenario_url(scenario_id=SCENARIO_ID):
    return f"/workbench/scenario/{scenario_id}/"


def session_item(page, session):
    return page.locator(f'.cursus-session[data-session="{session.pk}"]')


@pytest.mark.parametrize("page_locale", ["en-US", "fr-FR"])
def test_a_learner_registers_then_leaves(page, shot, workbench, learner, sst, page_locale):
    words = WORDS[page_locale]
    session = upcoming_session(sst, capacity=2)

    sign_in(page, learner, next_url=scenario_url(), shot=shot)
    expect(page).to_have_url(re.compile(re.escape(scenario_url()) + "$"))
    block = page.locator(".cursus-block")
    expect(block).to_be_visible()
    expect(block.locator(".cursus-problem")).to_have_count(0)
    item = session_item(page, session)
    expect(item.locator(".cursus-session-name")).to_contain_text(session.name)
    expect(item.locator(".cursus-status")).to_have_count(0)
    register = item.locator("button.cursus-register")
    expect(register).to_have_text(words["register"])
    expect(item.locator(".cursus-seats")).to_have_text(words["seats"][2])
    shot(page, "before")

    register.click()

    status = item.locator(".cursus-status")
    expect(status).to_have_class(re.compile(r"\bcursus-status-registered\b"))
    expect(status).to_have_text(words["registered"])
    message = block.locator(".cursus-message")
    expect(message).to_be_visible()
    expect(message).not_to_have_class(re.compile(r"\bcursus-error\b"))
    expect(message).to_contain_text(words["registered_message"].format(session=session.name))
    expect(item.locator("button.cursus-register")).to_have_count(0)
    leave = item.locator("button.cursus-leave")
    expect(leave).to_have_text(words["leave"])
    expect(item.locator(".cursus-seats")).to_have_text(words["seats"][1])
    shot(page, "registered")

    registration = Registration.objects.get(user=learner, session=session, role=Role.LEARNER)
    assert registration.status == RegistrationStatus.CONFIRMED
    assert registration.registered_by == learner

    dialogs = []
    page.once("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.accept()))
    leave.click()

    expect(item.locator("button.cursus-register")).to_be_visible()
    expect(item.locator(".cursus-status")).to_have_count(0)
    expect(item.locator("button.cursus-leave")).to_have_count(0)
    expect(message).to_contain_text(words["left_message"].format(session=session.name))
    assert len(dialogs) == 1 and session.name in dialogs[0]
    shot(page, "left")

    registration.refresh_from_db()
    assert registration.status == RegistrationStatus.CANCELLED
    history = RegistrationHistory.objects.filter(registration=registration).order_by("created_at", "pk")
    assert [(entry.action, entry.new_value, entry.actor) for entry in history] == [
        (HistoryAction.REGISTERED, RegistrationStatus.CONFIRMED, learner),
        (HistoryAction.CANCELLED, RegistrationStatus.CANCELLED, learner),
    ]

    # Reloaded, the page says the same: nothing was kept in the browser only.
    page.reload()
    expect(session_item(page, session).locator("button.cursus-register")).to_be_visible()
    expect(session_item(page, session).locator(".cursus-status")).to_have_count(0)


def test_a_full_session_puts_the_learner_on_its_waiting_list(page, shot, workbench, learner, sst):
    session = upcoming_session(sst, capacity=1, waiting_list_enabled=True)
    first = UserFactory(username="premiere")
    (taken,) = service.register_users(session=session, users=[first], role=Role.LEARNER)
    assert taken.result == Result.REGISTERED

    sign_in(page, learner, next_url=scenario_url())
    item = session_item(page, session)
    expect(item.locator(".cursus-seats")).to_have_text("Full — waiting list open")
    join = item.locator("button.cursus-register")
    expect(join).to_have_text("Join the waiting list")
    shot(page, "full")

    join.click()

    status = item.locator(".cursus-status")
    expect(status).to_have_class(re.compile(r"\bcursus-status-waiting\b"))
    expect(status).to_have_text("Waiting list #1")
    expect(page.locator(".cursus-message")).to_have_text(
        f"The session {session.name} is full: you are on its waiting list, position 1."
    )
    expect(item.locator("button.cursus-leave")).to_be_visible()
    shot(page, "waiting")

    registration = Registration.objects.get(user=learner, session=session, role=Role.LEARNER)
    assert registration.status == RegistrationStatus.WAITING
    assert registration.registered_by == learner
    assert Registration.objects.get(user=first, session=session).status == RegistrationStatus.CONFIRMED


def test_an_anonymous_visitor_sees_the_sessions_without_a_register_button(page, shot, workbench, sst, learner):
    session = upcoming_session(sst, capacity=2)

    page.goto(scenario_url())

    block = page.locator(".cursus-block")
    expect(session_item(page, session).locator(".cursus-session-name")).to_contain_text(session.name)
    expect(block.locator(".cursus-note a.cursus-sign-in")).to_have_text("Sign in to register for a session.")
    expect(block.locator("button.cursus-register")).to_have_count(0)
    expect(block.locator("button.cursus-leave")).to_have_count(0)
    expect(block.locator(".cursus-status")).to_have_count(0)
    shot(page, "anonymous")
    assert not Registration.objects.exists()

    # The note is the way in, and back to this page.
    block.locator("a.cursus-sign-in").click()
    page.locator("#id_username").fill(learner.username)
    page.locator("#id_password").fill(PASSWORD)
    page.locator("#login-form [type=submit]").click()
    expect(page).to_have_url(re.compile(re.escape(scenario_url()) + "$"))
    expect(session_item(page, session).locator("button.cursus-register")).to_be_visible()


def test_dates_are_shown_in_the_browsers_time_zone(new_page, shot, workbench, sst):
    # 14 May 2030, 9:00 in Paris (UTC+2) is 3:00 in Montreal (UTC−4).
    session = upcoming_session(
        sst,
        start=datetime.datetime(2030, 5, 14, 9, 0, tzinfo=PARIS),
        end=datetime.datetime(2030, 5, 15, 17, 30, tzinfo=PARIS),
    )
    page = new_page(timezone_id="America/Montreal")

    page.goto(scenario_url())

    # The zone is the one the browser reports, named as people say it (Chromium's ICU: "Eastern Time").
    when = session_item(page, session).locator("time.cursus-when")
    expect(when).to_have_text(
        re.compile(
            r"^May 14, 2030,? (at )?3:00\sAM\s*–\s*May 15, 2030,? (at )?11:30\sAM "
            r"\(Eastern Time\)$"
        )
    )
    assert datetime.datetime.fromisoformat(when.get_attribute("datetime")) == session.start
    shot(page, "montreal")


def test_the_index_lists_the_cursus_scenarios_only(page, shot, workbench):
    page.goto("/workbench/")

    # Sorted by scenario id: the block's (cursus.0, cursus.1…), then the tests'; no SDK sample block.
    expected = [description for description, _xml in CursusXBlock.workbench_scenarios()] + [SCENARIO_DESCRIPTION]
    expect(page.locator(".main > p > a")).to_have_text(expected)  # not the signed-in line's link
    shot(page, "index")


def _course_codes_of_the_blocks_scenarios():
    return [ElementTree.fromstring(xml).get("course_code") for _description, xml in CursusXBlock.workbench_scenarios()]


def test_the_blocks_own_scenarios_list_the_sessions_of_their_course(page, shot, workbench):
    codes = _course_codes_of_the_blocks_scenarios()
    sessions = [upcoming_session(CourseFactory(code=code), name=f"{code} — session") for code in codes]
    for index, session in enumerate(sessions):
        page.goto(scenario_url(f"cursus.{index}"))
        shot(page, f"scenario-{index}")
        expect(page.locator(".cursus-problem")).to_have_count(0)
        expect(session_item(page, session).locator(".cursus-session-name")).to_contain_text(session.name)
