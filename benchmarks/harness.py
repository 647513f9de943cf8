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


# --- the two sides in turn, and what is printed ------------------------------------------------


def paired(sides, rounds, warm=1):
    """Each side once per round, in turn (A B A B …), after ``warm`` unmeasured rounds.

    ``sides``: {name: work(round)}; ``work`` returns the seconds it measured itself as a float
    (when only part of it is the work), anything else and the whole call is timed here. Taking
    turns means both sides see the same machine load, caches and database size; {name: [seconds
    per round]}.
    """
    import time

    times = {name: [] for name in sides}
    for i in range(-warm, rounds):
        for name, work in sides.items():
            start = time.perf_counter()
            measured = work(i)
            elapsed = measured if isinstance(measured, float) else time.perf_counter() - start
            if i >= 0:
                times[name].append(elapsed)
    return times


def ratios(numerators, denominators):
    """The pairwise ratios, round by round, sorted."""
    return sorted(a / b for a, b in zip(numerators, denominators, strict=True))


def ratio_line(label, numerators, denominators, *, at_most=None, at_least=None, width=40):
    """« label  median x  min–max a–b  goal ≤ g: met » for the pairwise ratios numerator / denominator."""
    import statistics

    found = ratios(numerators, denominators)
    median = statistics.median(found)
    line = f"  {label:<{width}} median {median:6.2f}  min–max {found[0]:6.2f}–{found[-1]:6.2f}"
    if at_most is not None:
        line += f"   goal ≤ {at_most}: {'met' if median <= at_most else 'NOT met'}"
    if at_least is not None:
        line += f"   goal ≥ {at_least}: {'met' if median >= at_least else 'NOT met'}"
    return line


def equal_line(label, left, right, width=40):
    """« label  a / b  goal equal: met » (query counts)."""
    return f"  {label:<{width}} {left} / {right}   goal the same: {'met' if left == right else 'NOT met'}"


def median_ms(seconds):
    import statistics

    return statistics.median(seconds) * 1000


def counted(work):
    """(seconds, SQL queries) of one call of ``work``."""
    import time

    from django.db import connection, reset_queries
    from django.test.utils import CaptureQueriesContext

    reset_queries()  # the query log is bounded: counts are right only from an empty one
    with CaptureQueriesContext(connection) as ctx:
        start = time.perf_counter()
        work()
        elapsed = time.perf_counter() - start
    return elapsed, len(ctx.captured_queries)
