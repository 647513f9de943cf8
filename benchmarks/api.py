"""Requests per second of the REST API: the session list, and a bulk registration vs. the service.

    python benchmarks/api.py [--db sqlite|postgresql|mariadb] [--requests 50] [--repeat 7]

The session list is read 100 sessions a page. The bulk registration registers a new person in
50 sessions (each with a workspace and an automatic event) through
``POST users/<username>/registrations/``, and the same ``services.registration.register`` call
is made directly: the ratio is the API's overhead (session authentication, parsing, validation,
permission, serialization). Goal: at most 2.
"""

import argparse
import statistics
import time

from harness import test_database

SESSIONS_PER_PAGE = 100
BULK_SESSIONS = 50


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", default="sqlite", choices=["sqlite", "postgresql", "mariadb"])
    parser.add_argument("--requests", type=int, default=50, help="session-list requests timed")
    parser.add_argument("--repeat", type=int, default=7, help="bulk registrations timed, each way")
    args = parser.parse_args()

    with test_database(args.db):
        from django.test.utils import override_settings

        # The test host's URLs with the API mounted as in the plugin (tests/api/urls.py).
        with override_settings(ROOT_URLCONF="tests.api.urls", ALLOWED_HOSTS=["*"]):
            run(args)


def timed(work):
    """(seconds, SQL queries) of one call."""
    from django.db import connection, reset_queries
    from django.test.utils import CaptureQueriesContext

    reset_queries()  # the query log is bounded: counts are right only from an empty one
    with CaptureQueriesContext(connection) as ctx:
        start = time.perf_counter()
        work()
        elapsed = time.perf_counter() - start
    return elapsed, len(ctx.captured_queries)


def make_sessions(count, prefix):
    import datetime

    from django.utils import timezone

    from cursus_xblock.models import Course, Event, Session

    course = Course.objects.create(code=f"API-{prefix}", title=f"Benchmark {prefix}")
    start = timezone.now() + datetime.timedelta(days=30)
    Session.objects.bulk_create(
        Session(
            course=course,
            code=f"{prefix}-{i:05d}",
            name=f"Session {prefix} {i}",
            start=start + datetime.timedelta(days=i),
            end=start + datetime.timedelta(days=i, hours=8),
            time_zone="Europe/Paris",
            place="Lyon, salle Molière",
            capacity=30,
            workspace_key=f"course-v1:Bench+{prefix}{i}+2026",
        )
        for i in range(count)
    )
    sessions = list(Session.objects.filter(course=course).order_by("pk"))
    Event.objects.bulk_create(
        Event(session=s, name="Jour 1", start=s.start, end=s.start + datetime.timedelta(hours=3)) for s in sessions
    )
    return sessions


def run(args):
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Permission
    from django.db import connection
    from django.urls import reverse
    from rest_framework.test import APIClient

    from cursus_xblock.models import Registration, Role
    from cursus_xblock.services import registration as service

    User = get_user_model()
    manager = User.objects.create(username="bench-manager", first_name="Claire", last_name="Manager")
    manager.user_permissions.add(Permission.objects.get(codename="manage_registrations"))
    client = APIClient()
    client.force_login(manager)  # session authentication, as a browser or the LMS would
    counter = iter(range(10**9))

    def person():
        return User.objects.create(username=f"bench-{next(counter)}", first_name="Zoé", last_name="Château")

    print(f"API benchmark — {connection.vendor}")

    # --- the session list ---------------------------------------------------------------------------
    make_sessions(500, "LIST")
    url = reverse("cursus_xblock:api-session-list")
    params = {"page_size": SESSIONS_PER_PAGE, "upcoming": "true"}

    def get_page():
        response = client.get(url, params)
        assert response.status_code == 200 and len(response.json()["results"]) == SESSIONS_PER_PAGE

    get_page()  # warm-up
    runs = [timed(get_page) for _ in range(args.requests)]
    seconds = sum(r[0] for r in runs)
    median = statistics.median(r[0] for r in runs)
    print(
        f"  session list, {SESSIONS_PER_PAGE} a page     {args.requests / seconds:8.1f} req/s  "
        f"{median * 1000:7.1f} ms median  {runs[0][1]:3d} queries"
    )

    # --- a bulk registration: API vs. service -----------------------------------------------------------
    sessions = make_sessions(BULK_SESSIONS * (2 * args.repeat + 2), "BULK")
    batches = iter([sessions[i : i + BULK_SESSIONS] for i in range(0, len(sessions), BULK_SESSIONS)])

    def through_api():
        user, batch = person(), next(batches)
        ids = [s.pk for s in batch]
        elapsed, queries = timed(
            lambda: client.post(
                reverse("cursus_xblock:api-user-registration-list", args=[user.get_username()]),
                {"sessions": ids, "role": "learner", "reason": "Benchmark"},
                format="json",
            )
        )
        assert Registration.objects.filter(user=user, status="confirmed").count() == BULK_SESSIONS
        return elapsed, queries

    def direct():
        user, batch = person(), next(batches)
        ids = [s.pk for s in batch]
        elapsed, queries = timed(
            lambda: service.register(user=user, sessions=ids, role=Role.LEARNER, actor=manager, reason="Benchmark")
        )
        assert Registration.objects.filter(user=user, status="confirmed").count() == BULK_SESSIONS
        return elapsed, queries

    through_api(), direct()  # warm-up
    api_runs, direct_runs = [], []
    for _ in range(args.repeat):  # interleaved, so that both see the same database size
        api_runs.append(through_api())
        direct_runs.append(direct())
    api_s = statistics.median(r[0] for r in api_runs)
    direct_s = statistics.median(r[0] for r in direct_runs)
    print(
        f"  bulk registration, {BULK_SESSIONS} sessions, median of {args.repeat}:\n"
        f"    through the API           {1 / api_s:8.1f} req/s  {api_s * 1000:7.1f} ms  {api_runs[0][1]:4d} queries\n"
        f"    service call, direct      {1 / direct_s:8.1f} /s     {direct_s * 1000:7.1f} ms  "
        f"{direct_runs[0][1]:4d} queries\n"
        f"    ratio API / direct        {api_s / direct_s:8.2f}   (goal ≤ 2)"
    )


if __name__ == "__main__":
    main()
