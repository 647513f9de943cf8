"""Queries and server time of the per-user registrations page and of the session picker.

    python benchmarks/admin_pages.py [--repeat 7]

The registrations page for a user with 10 and with 500 registrations, and the picker's session
list over 10 and over 10,000 sessions. Goal: the same number of SQL queries in each pair (no
query per row); the time per row is printed.
"""

import argparse
import statistics
import time

from harness import test_database


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    with test_database():
        run(args)


def measure(client, url, repeat, params=None):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    times, queries = [], None
    for _ in range(repeat):
        with CaptureQueriesContext(connection) as ctx:
            start = time.perf_counter()
            response = client.get(url, params or {})
            times.append(time.perf_counter() - start)
        assert response.status_code == 200, response.status_code
        queries = len(ctx.captured_queries)
    return statistics.median(times), queries


def sessions(count, prefix):
    import datetime

    from django.utils import timezone

    from cursus_xblock.models import Course, Session

    course = Course.objects.create(code=f"B{prefix}", title=f"Bench {prefix}")
    start = timezone.now() + datetime.timedelta(days=30)
    rows = [
        Session(
            course=course,
            code=f"{prefix}-{i:05d}",
            name=f"Session {prefix} {i}",
            start=start + datetime.timedelta(hours=i),
            end=start + datetime.timedelta(hours=i + 8),
            time_zone="Europe/Paris",
            place="Lyon",
            capacity=20,
        )
        for i in range(count)
    ]
    Session.objects.bulk_create(rows, batch_size=500)
    return list(Session.objects.filter(course=course))


def run(args):
    from django.contrib.auth import get_user_model
    from django.test import Client
    from django.urls import reverse

    from cursus_xblock.models import Role
    from cursus_xblock.services import registration as service

    user_model = get_user_model()
    admin = user_model.objects.create_superuser("bench-admin", "a@example.org", "x")
    client = Client()
    client.force_login(admin)

    print("Admin pages benchmark — SQLite, median of", args.repeat, "requests")
    results = {}
    for count in (10, 500):
        person = user_model.objects.create(username=f"person-{count}", first_name="Zoé", last_name="Château")
        service.register(user=person, sessions=sessions(count, f"R{count}"), role=Role.LEARNER)
        url = reverse("admin:cursus_user_registrations", args=[person.pk])
        seconds, queries = measure(client, url, args.repeat)
        results[("page", count)] = (seconds, queries)
        print(
            f"  registrations page, {count:5d} registrations: {queries:3d} queries, {seconds * 1000:7.1f} ms, "
            f"{seconds * 1000 / count:6.3f} ms per row"
        )
    picker_user = user_model.objects.create(username="picker-person")
    for count in (10, 10_000):
        sessions(count, f"P{count}")
        url = reverse("admin:cursus_user_register_sessions", args=[picker_user.pk, "learner"])
        seconds, queries = measure(client, url, args.repeat, {"q": f"P{count}"})
        results[("picker", count)] = (seconds, queries)
        print(
            f"  picker over {count:6d} sessions (25 a page): {queries:3d} queries, {seconds * 1000:7.1f} ms, "
            f"{seconds * 1000 / 25:6.3f} ms per listed row"
        )
    same_page = results[("page", 10)][1] == results[("page", 500)][1]
    same_picker = results[("picker", 10)][1] == results[("picker", 10_000)][1]
    print(f"  same query count — page: {same_page}, picker: {same_picker} (goal: both True)")


if __name__ == "__main__":
    main()
