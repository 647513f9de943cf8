"""Test-suite plumbing: the database server under test, and the rule for missing servers.

``CURSUS_TEST_DB=postgresql|mariadb`` makes ``tests/settings.py`` start a throwaway server
(``tests/dbservers.py``). Tests marked ``db_server`` need one, and with such a variable every
database test does: run by hand without it they skip with the reason; under ``CI=true`` they
fail instead.
"""

import inspect
import os
import re

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


#: Test modules about the database as a whole (its locks, constraints, transactions, queries,
#: migrations, who sees which rows): every test in them runs on PostgreSQL and MariaDB too.
DATABASE_MODULES = (
    "tests/test_concurrency.py",
    "tests/test_models.py",
    "tests/test_organizations.py",
    "tests/services/",
    "tests/api/test_queries.py",
    "tests/documents/test_batches.py",
    "tests/documents/test_batch_worker.py",
    "tests/documents/test_batch_parallel.py",
    "tests/openedx/test_batch_refusal.py",
    "tests/openedx/test_organizations.py",
)

#: A test whose code (or a helper of its module it calls) names one of these is about the
#: database, wherever it is: it is marked ``database`` without anyone having to remember to.
DATABASE_WORDS = re.compile(
    r"transaction=True|select_for_update|IntegrityError|DatabaseError|OperationalError|"
    r"CaptureQueriesContext|assertNumQueries|django_assert_num_queries|connection\.vendor|"
    r"call_command\(\s*\"(?:make)?migrat|MigrationExecutor|transaction\.atomic"
)


def _database_helpers(module, cache={}):  # noqa: B006  (one scan per module)
    """Names of the module's functions whose code names a database word."""
    if module not in cache:
        names = set()
        for name, value in vars(module).items():
            if inspect.isfunction(value) and value.__module__ == module.__name__ and not name.startswith("test"):
                try:
                    if DATABASE_WORDS.search(inspect.getsource(value)):
                        names.add(name)
                except (OSError, TypeError):
                    pass
        cache[module] = names
    return cache[module]


def is_about_the_database(item):
    """Whether ``item`` runs on the database servers: marked so, in a database module, or naming one of the words."""
    if item.get_closest_marker("db_server") or item.get_closest_marker("database"):
        return True
    path = item.path.relative_to(item.config.rootpath).as_posix()
    if any(path == m or (m.endswith("/") and path.startswith(m)) for m in DATABASE_MODULES):
        return True
    django_db = item.get_closest_marker("django_db")
    if django_db is not None and django_db.kwargs.get("transaction"):
        return True
    function = getattr(item, "function", None)
    if function is None:
        return False
    try:
        source = inspect.getsource(function)
    except (OSError, TypeError):
        return False
    if DATABASE_WORDS.search(source):
        return True
    return any(re.search(rf"\b{name}\(", source) for name in _database_helpers(item.module))


def pytest_collection_modifyitems(config, items):
    """Mark ``database`` every test about the database: ``scripts/run-suite.sh`` runs those on the servers."""
    for item in items:
        if is_about_the_database(item) and not item.get_closest_marker("database"):
            item.add_marker(pytest.mark.database)


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
def _issued_pdfs_pass_qpdf():
    """Every document a test issues passes ``qpdf --check`` (see ``tests/archival.py``)."""
    from .archival import IssuedFiles

    with IssuedFiles() as issued:
        yield
    problems = issued.problems(IN_CI)
    assert not problems, "issued PDFs qpdf refuses:\n" + "\n".join(problems)


@pytest.fixture(autouse=True)
def _english_by_default():
    """A request in French leaves French active in the thread: every test starts in English."""
    from django.utils import translation

    translation.activate("en")
    yield
    translation.deactivate()
