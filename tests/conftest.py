"""Test-suite plumbing: the database server under test, and the rule for missing servers.

``CURSUS_TEST_DB=postgresql|mariadb`` makes ``tests/settings.py`` start a throwaway server
(``tests/dbservers.py``). Tests marked ``db_server`` need one, and with such a variable every
database test does: run by hand without it they skip with the reason; under ``CI=true`` they
fail instead.
"""

import os

import pytest

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def pytest_report_header(config):
    from django.conf import settings
    from django.db import connection

    return f"database: {settings.TEST_DB} ({connection.vendor}); CI={IN_CI}"


def pytest_unconfigure(config):
    from django.conf import settings

    if getattr(settings, "DB_SERVER", None) is not None:
        settings.DB_SERVER.stop()


def pytest_runtest_setup(item):
    from django.conf import settings

    has_server = settings.DB_SERVER is not None
    wanted_server = settings.TEST_DB != "sqlite"
    needs_server = item.get_closest_marker("db_server") is not None
    uses_db = "django_db_setup" in item.fixturenames
    if (needs_server and not has_server) or (wanted_server and not has_server and uses_db):
        if IN_CI:
            pytest.fail(f"CI=true, so this cannot be skipped: {settings.DB_SERVER_UNAVAILABLE}")
        pytest.skip(settings.DB_SERVER_UNAVAILABLE)


@pytest.fixture
def admin_user(db):
    from .factories import UserFactory

    user = UserFactory(username="admin", is_staff=True, is_superuser=True)
    user.set_password("password")
    user.save()
    return user


@pytest.fixture(autouse=True)
def _english_by_default():
    """A request in French leaves French active in the thread: every test starts in English."""
    from django.utils import translation

    translation.activate("en")
    yield
    translation.deactivate()
