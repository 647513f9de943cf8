"""Issue 14 item 8: the servers run only the tests about the database, and none of those is left out.

``scripts/run-suite.sh`` runs ``-m "database or db_server"`` on PostgreSQL and MariaDB; the
marker is set by ``tests/conftest.py`` from what a test does, so these tests look at their own
markers.
"""

import re
import subprocess
import sys

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cursus_xblock.models import Course

pytestmark = pytest.mark.django_db


def _count_queries():
    with CaptureQueriesContext(connection) as ctx:
        list(Course.objects.all())
    return len(ctx.captured_queries)


def test_item8_a_test_counting_queries_is_marked_database(request):
    with CaptureQueriesContext(connection) as ctx:
        Course.objects.count()
    assert len(ctx.captured_queries) == 1
    assert request.node.get_closest_marker("database") is not None


def test_item8_a_test_counting_through_a_helper_is_marked_database(request):
    assert _count_queries() == 1
    assert request.node.get_closest_marker("database") is not None


def test_item8_no_test_of_the_database_modules_is_left_to_sqlite_alone():
    """Collected as run-suite.sh collects for a server, none of these modules' tests is deselected."""
    modules = ["tests/services/", "tests/test_concurrency.py", "tests/test_models.py", "tests/api/test_queries.py"]
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--collect-only", *modules]
    left_out = subprocess.run([*command, "-m", "not (database or db_server)"], capture_output=True, text=True)
    deselected = re.search(r"no tests collected \((\d+) deselected\)", left_out.stdout)
    assert deselected and int(deselected[1]) >= 50, left_out.stdout[-2000:]


def test_item8_a_plain_test_is_not_marked_database(request):
    assert Course.objects.count() == 0
    assert request.node.get_closest_marker("database") is None
