"""What every benchmark starts with: the test settings and a throwaway database (and server), torn down after."""

import contextlib
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


@contextlib.contextmanager
def test_database(db="sqlite"):
    """Django set up with ``tests.settings`` on ``db``, inside a test environment and database."""
    sys.path.insert(0, str(ROOT))
    os.environ["CURSUS_TEST_DB"] = db
    os.environ["DJANGO_SETTINGS_MODULE"] = "tests.settings"
    import django

    django.setup()
    from django.conf import settings
    from django.test.utils import setup_databases, setup_test_environment, teardown_databases

    if db != "sqlite" and settings.DB_SERVER is None:
        sys.exit(settings.DB_SERVER_UNAVAILABLE)
    setup_test_environment()
    old = setup_databases(verbosity=0, interactive=False)
    try:
        yield
    finally:
        teardown_databases(old, verbosity=0)
        if settings.DB_SERVER is not None:
            settings.DB_SERVER.stop()
