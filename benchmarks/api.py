"""Requests per second of the REST API: the session list, and a bulk registration vs. the service.

    python benchmarks/api.py [--db sqlite|postgresql|mariadb] [--requests 25] [--pairs 7]

The session list, 100 sessions a page out of 500 (each with a séance and three learners), page 1
and the last page in turn: goal the last ≤ 1.5× the first, the same queries. The bulk registration
registers a new person in 50 sessions (each with a workspace, an automatic event and three
learners) through ``POST users/<username>/registrations/``, and the same
``services.registration.register`` call is made directly, in turn: the ratio is the API's
overhead (session authentication, parsing, validation, permission, serialization). Goal ≤ 2.
"""

import argparse

from harness import counted as timed
from harness import equal_line, median_ms, paired, ratio_line, test_database

SESSIONS_PER_PAGE = 100
LISTED = 500
BULK_SESSIONS = 50


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", default="sqlite", choices=["sqlite", "postgresql", "mariadb"])
    parser.add_argument("--requests", type=int, default=25, help="session-list pairs (first page, last page)")
    parser.add_argument("--pairs", type=int, default=7, help="bulk registration pairs (API, service)")
    args = parser.parse_args()

    with test_database(args.db):
        from django.test.utils import override_settings

        # The test host's URLs with the API mounted as in the plugin (tests/api/urls.py).
        with override_settings(ROOT_URLCONF="tests.api.urls", ALLOWED_HOSTS=["*"]):
            run(args)


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

    print(f"API benchmark — {connection.vendor}, sides in turn after a warm-up pair")

    # --- the session list: the first page against the last --------------------------------------------
    listed = make_sessions(LISTED, "LIST")
    others = [person() for _ in range(3)]
    service.register_users_in_sessions(sessions=listed, users=others, role=Role.LEARNER)
    url = reverse("cursus_xblock:api-session-list")
    last = -(-LISTED // SESSIONS_PER_PAGE)
    queries = {}

    def page(number):
        params = {"page_size": SESSIONS_PER_PAGE, "upcoming": "true", "page": number}

        def work(i):
            def get():
                response = client.get(url, params)
                assert response.status_code == 200 and len(response.json()["results"]) == SESSIONS_PER_PAGE

            seconds, queries[number] = timed(get)
            return seconds

        return work

    times = paired({"first": page(1), "last": page(last)}, args.requests)
    print(
        f"  session list, {SESSIONS_PER_PAGE} a page of {LISTED}: page 1 {median_ms(times['first']):7.1f} ms,"
        f" page {last} {median_ms(times['last']):7.1f} ms"
    )
    print(ratio_line(f"session list: page {last} / page 1", times["last"], times["first"], at_most=1.5))
    print(equal_line(f"session list queries: page 1 / page {last}", queries[1], queries[last]))

    # --- a bulk registration: API vs. service -----------------------------------------------------------
    sessions = make_sessions(BULK_SESSIONS * (2 * args.pairs + 2), "BULK")
    service.register_users_in_sessions(sessions=sessions, users=others, role=Role.LEARNER)
    batches = iter([sessions[i : i + BULK_SESSIONS] for i in range(0, len(sessions), BULK_SESSIONS)])

    def through_api(i):
        user, batch = person(), next(batches)
        ids = [s.pk for s in batch]
        elapsed, queries["api"] = timed(
            lambda: client.post(
                reverse("cursus_xblock:api-user-registration-list", args=[user.get_username()]),
                {"sessions": ids, "role": "learner", "reason": "Benchmark"},
                format="json",
            )
        )
        assert Registration.objects.filter(user=user, status="confirmed").count() == BULK_SESSIONS
        return elapsed

    def direct(i):
        user, batch = person(), next(batches)
        ids = [s.pk for s in batch]
        elapsed, queries["direct"] = timed(
            lambda: service.register(user=user, sessions=ids, role=Role.LEARNER, actor=manager, reason="Benchmark")
        )
        assert Registration.objects.filter(user=user, status="confirmed").count() == BULK_SESSIONS
        return elapsed

    times = paired({"api": through_api, "direct": direct}, args.pairs)
    print(
        f"  bulk registration into {BULK_SESSIONS} sessions: through the API {median_ms(times['api']):7.1f} ms"
        f" ({queries['api']} queries), the service directly {median_ms(times['direct']):7.1f} ms"
        f" ({queries['direct']} queries)"
    )
    print(ratio_line("bulk registration: API / service", times["api"], times["direct"], at_most=2))


if __name__ == "__main__":
    main()
