"""Browser tests: Playwright's sync API drives Debian's headless Chromium against ``live_server``.

Every test in this folder gets the ``browser`` marker (``make test`` runs them in the SQLite pass
only). Nothing here downloads a browser: ``scripts/system-deps.sh`` installs Debian's ``chromium``
and ``requirements/test.txt`` pins ``playwright``. Without either the tests skip, saying which is
missing; under ``CI=true`` they fail instead. ``CURSUS_CHROMIUM=/path/to/chromium`` picks the
browser (a path that does not exist hides it: that is how the skip is tested).

Fixtures:

- ``chromium``: the Playwright ``Browser`` (one per run of this folder);
- ``page``: a fresh context and page per test, 1400×1000, ``base_url`` the live server, locale
  ``page_locale`` ("en-US"; ``@pytest.mark.parametrize("page_locale", ["fr-FR"])`` changes it, and
  with it the ``Accept-Language`` header); ``new_page(locale=None, **context_options)`` makes more
  (two users side by side);
- ``login(page, username="admin", password="password", *, next_url="/admin/", expect_success=True)``:
  the admin's login form;
- ``shot(page, name)``: a full-page PNG in ``test-output/screenshots/<module>/<test>/NN-name.png``
  (git-ignored; the terminal summary says where). A failing test also leaves ``NN-failure.png``
  of each of its pages there.

Using ``page`` gives the test ``live_server`` and so a transactional database (pytest-django adds
``transactional_db``): data made in the test body is committed, so the server thread sees it, and
every table is emptied after the test, migration data included (the default document templates):
a test makes what it needs instead of counting on it.
"""

import contextlib
import os
import re
import shutil
from pathlib import Path
from urllib.parse import urlencode

import pytest

from ..conftest import IN_CI

HERE = Path(__file__).resolve().parent
SCREENSHOTS = HERE.parents[1] / "test-output" / "screenshots"
VIEWPORT = {"width": 1400, "height": 1000}
# Playwright's default is 30 s; a page of the live server answers in well under a second.
TIMEOUT_MS = 10_000
CHROMIUM_ARGS = [
    "--disable-gpu",
    "--disable-dev-shm-usage",
    # No calls home: on a machine without Internet access Chromium would keep retrying them.
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
_screenshots_taken = pytest.StashKey[list]()
_shots_of_test = pytest.StashKey[list]()
_call_report = pytest.StashKey[pytest.TestReport]()


@pytest.hookimpl(tryfirst=True)  # before `-m "not browser"` deselects
def pytest_collection_modifyitems(config, items):
    # A conftest's hook sees the whole session's items: mark only this folder's.
    for item in items:
        if HERE in Path(item.path).resolve().parents:
            item.add_marker(pytest.mark.browser)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    # Called for this folder's tests only: the page fixture reads it to photograph a failure.
    report = yield
    if report.when == "call":
        item.stash[_call_report] = report
    return report


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    taken = config.stash.get(_screenshots_taken, [])
    if taken:
        terminalreporter.write_sep("-", "browser screenshots")
        terminalreporter.write_line(f"{len(taken)} PNG under {SCREENSHOTS}/")


def find_chromium():
    """Path of the Chromium to drive, or None: ``$CURSUS_CHROMIUM``, else Debian's."""
    wanted = os.environ.get("CURSUS_CHROMIUM")
    if wanted:
        return shutil.which(wanted)
    for name in ("/usr/bin/chromium", "chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    return None


def _unavailable(message):
    if IN_CI:
        pytest.fail(f"CI=true, so this cannot be skipped: {message}", pytrace=False)
    pytest.skip(message)


@pytest.fixture(scope="package")
def chromium():
    """Headless Chromium, launched once for the tests of this folder (about a second)."""
    try:
        from playwright.sync_api import Error, sync_playwright
    except ImportError:
        _unavailable(
            "Playwright is not installed: pip install -r requirements/test.txt (`make test` does; "
            "it drives Debian's chromium, no browser download)"
        )
    executable = find_chromium()
    if executable is None:
        where = os.environ.get("CURSUS_CHROMIUM") or "/usr/bin/chromium, chromium or chromium-browser on PATH"
        _unavailable(
            f"no Chromium found ({where}): install Debian's chromium, `apt-get install chromium` "
            "(`make test` does, through scripts/system-deps.sh; Playwright's browser download is not used)"
        )
    args = list(CHROMIUM_ARGS)
    if os.geteuid() == 0:
        args.insert(0, "--no-sandbox")  # Chromium refuses to start its sandbox as root

    # Playwright's sync API runs an asyncio loop in the main thread, in a greenlet, for as long as
    # it is started; Django sees that loop and refuses ORM calls from the test body and from the
    # database fixtures (SynchronousOnlyOperation). The check does not apply: the loop only runs
    # while the test waits inside a Playwright call, never at the same time as the ORM. So it is
    # lifted here, only while the browser is up: package scope stops Playwright after the last test
    # of this folder, and the rest of the run keeps both Django's check and a loop-free main thread.
    #
    # The same loop makes Django's connection handler (thread-critical asgiref Local) file
    # connections per async context instead of per thread: the main thread would silently get a
    # second connection, not the one pytest-django set up (a serialized rollback would find nothing
    # to restore) nor the one the live server shares for in-memory SQLite. So the main thread's
    # connections are put back in that storage while Playwright runs, and taken out before it stops.
    from django.db import connections

    own = {alias: connections[alias] for alias in connections}
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        with sync_playwright() as playwright:
            for alias, connection in own.items():
                connections[alias] = connection
            try:
                browser = playwright.chromium.launch(executable_path=executable, headless=True, args=args)
            except Error as exc:
                pytest.fail(f"{executable} did not start under Playwright: {exc}", pytrace=False)
            yield browser
            browser.close()
            for alias in own:
                del connections[alias]


@pytest.fixture
def page_locale():
    """The browser's language (and Accept-Language) for ``page``: parametrize to change it."""
    return "en-US"


@pytest.fixture
def new_page(request, chromium, live_server, transactional_db, page_locale):
    """``new_page(locale=None, **context_options)``: a page in a new browser context (own cookies)."""
    contexts = []

    def make(locale=None, **context_options):
        options = {
            "base_url": live_server.url,
            "viewport": VIEWPORT,
            "locale": locale or page_locale,
            "accept_downloads": True,
            **context_options,
        }
        context = chromium.new_context(**options)
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        return context.new_page()

    yield make
    report = request.node.stash.get(_call_report, None)
    for context in contexts:
        if report is not None and report.failed:
            for failed_page in context.pages:
                with contextlib.suppress(Exception):  # never hide the test's own error
                    save_screenshot(request.node, failed_page, "failure")
        context.close()


@pytest.fixture
def page(new_page):
    """A page in a fresh context, ``page_locale``'s language; ``page.goto("/admin/")`` is relative."""
    return new_page()


@pytest.fixture
def login(live_server):
    """``login(page, username="admin", password="password", *, next_url="/admin/", expect_success=True)``.

    Fills the admin's login form (/admin/login/) and submits it; the page is then on ``next_url``.
    With ``expect_success`` (the default) it raises when the form comes back, with its error.
    """

    def log_in(page, username="admin", password="password", *, next_url="/admin/", expect_success=True):
        page.goto(f"{live_server.url}/admin/login/?{urlencode({'next': next_url})}")
        page.locator("#id_username").fill(username)
        page.locator("#id_password").fill(password)
        page.locator("#login-form [type=submit]").click()
        page.wait_for_load_state()
        if expect_success and "/admin/login/" in page.url:
            errors = " ".join(page.locator(".errornote, .errorlist").all_inner_texts()) or "no error shown"
            raise AssertionError(f"could not log in as {username!r}: {errors}")
        return page

    return log_in


def _safe(text):
    return re.sub(r"[^\w.-]+", "_", text).strip("_") or "_"


def save_screenshot(node, page, name):
    """Full-page PNG of ``page`` in the test's folder, numbered; the folder is emptied first."""
    module = Path(node.path).resolve().relative_to(HERE).with_suffix("")
    folder = SCREENSHOTS.joinpath(*module.parts, _safe(node.name))
    shots = node.stash.setdefault(_shots_of_test, [])
    if not shots:  # a rerun leaves no stale pictures
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
    path = folder / f"{len(shots) + 1:02d}-{_safe(name)}.png"
    page.screenshot(path=path, full_page=True)
    shots.append(path)
    node.config.stash.setdefault(_screenshots_taken, []).append(path)
    return path


@pytest.fixture
def shot(request):
    """``shot(page, name)``: save a full-page PNG, numbered in the order taken; returns its path."""

    def take(page, name):
        return save_screenshot(request.node, page, name)

    return take
