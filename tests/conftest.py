"""Test-suite plumbing: the database server under test, and the rule for missing servers.

``CURSUS_TEST_DB=postgresql|mariadb`` starts a throwaway server (``tests/dbservers.py``) before any
connection is opened and points ``DATABASES['default']`` at it. Tests marked ``db_server`` need
one: run by hand without it they skip with the reason; under ``CI=true`` they fail instead.
"""

import os

import pytest

from . import dbservers

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
_state = {"server": None, "unavailable": ""}


def pytest_configure(config):
    from django.conf import settings

    kind = settings.TEST_DB
    starters = {"postgresql": dbservers.start_postgresql, "mariadb": dbservers.start_mariadb}
    if kind == "sqlite":
        _state["unavailable"] = (
            "needs a database server: set CURSUS_TEST_DB=postgresql or mariadb (`make test` runs both)"
        )
        return
    if kind not in starters:
        raise pytest.UsageError(f"CURSUS_TEST_DB={kind!r}: expected sqlite, postgresql or mariadb")
    try:
        _state["server"] = starters[kind]()
    except dbservers.ServerUnavailable as exc:
        if IN_CI:
            raise pytest.UsageError(f"CI=true but no {kind} server: {exc}") from exc
        _state["unavailable"] = f"no {kind} server: {exc}"
        return
    default = settings.DATABASES["default"]
    default.clear()  # in place: django.db.connections already holds this very dict
    default.update(_state["server"].databases_entry)


def pytest_unconfigure(config):
    if _state["server"] is not None:
        _state["server"].stop()


def pytest_runtest_setup(item):
    from django.conf import settings

    needs_server = item.get_closest_marker("db_server") is not None
    no_server = settings.TEST_DB != "sqlite" and _state["server"] is None
    if (needs_server and _state["server"] is None) or (no_server and "django_db_setup" in item.fixturenames):
        if IN_CI:
            pytest.fail(f"CI=true: {_state['unavailable']}")
        pytest.skip(_state["unavailable"])


@pytest.fixture
def admin_user(db):
    from .factories import UserFactory

    user = UserFactory(username="admin", is_staff=True, is_superuser=True)
    user.set_password("password")
    user.save()
    return user
