"""Queries and server time of the per-user registrations page and of the session picker.

    python benchmarks/admin_pages.py [--repeat 7]

The registrations page for a user with 10 and with 500 registrations (sessions with two séances
each), requested in turn (10, 500, 10, 500 … after a warm-up): goal the same queries and the
500-registration page ≤ 1.5× the 10-registration one (median of the pairwise ratios). The
picker's session list over 10 and over 10,000 sessions: goal the same number of queries; over
10,000 sessions, page 1 and the last page it offers in turn: goal the last ≤ 1.5× the first.
"""

import argparse
import statistics
import time

from harness import equal_line, median_ms, paired, ratio_line, test_database


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


def with_seances(found):
    """Two séances per session (the page lists them under each row)."""
    import datetime

    from cursus_xblock.models import Event

    Event.objects.bulk_create(
        [
            Event(
                session=s,
                name=f"Séance {n}",
                start=s.start + datetime.timedelta(hours=4 * n),
                end=s.start + datetime.timedelta(hours=4 * n + 3),
            )
            for s in found
            for n in (0, 1)
        ],
        batch_size=500,
    )
    return found


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
    urls = {}
    for count in (10, 500):
        person = user_model.objects.create(username=f"person-{count}", first_name="Zoé", last_name="Château")
        service.register(user=person, sessions=with_seances(sessions(count, f"R{count}")), role=Role.LEARNER)
        urls[count] = reverse("admin:cursus_user_registrations", args=[person.pk])
    for count in (10, 500):
        measure(client, urls[count], 1)  # warm up
    times = {10: [], 500: []}
    for _ in range(args.repeat):
        for count in (10, 500):
            seconds, queries = measure(client, urls[count], 1)
            times[count].append(seconds)
            results[("page", count)] = (seconds, queries)
    for count in (10, 500):
        size = len(client.get(urls[count]).content)
        print(
            f"  registrations page, {count:5d} registrations: {results[('page', count)][1]:3d} queries,"
            f" median {statistics.median(times[count]) * 1000:7.1f} ms, {size / 1e3:6.0f} kB of HTML"
        )
    ratios = sorted(b / a for a, b in zip(times[10], times[500], strict=True))
    verdict = "met" if statistics.median(ratios) <= 1.5 else "NOT met"
    print(
        f"  500 / 10 registrations: median {statistics.median(ratios):5.2f}, min–max {ratios[0]:5.2f}–{ratios[-1]:5.2f}"
        f"   goal ≤ 1.5 with the same queries: {verdict}"
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
    # The picker over 10,000 sessions: page 1 against the last page it offers, in turn.
    from cursus_xblock.admin.picker.views import COUNT_LIMIT, PER_PAGE

    url = reverse("admin:cursus_user_register_sessions", args=[picker_user.pk, "learner"])
    last = min(10_000, COUNT_LIMIT) // PER_PAGE
    picker_queries = {}

    def picker_page(number):
        def work(i):
            seconds, picker_queries[number] = measure(client, url, 1, {"q": "P10000", "page": number})
            return seconds

        return work

    times = paired({1: picker_page(1), last: picker_page(last)}, args.repeat)
    print(
        f"  picker over 10,000 sessions: page 1 {median_ms(times[1]):7.1f} ms,"
        f" page {last} {median_ms(times[last]):7.1f} ms"
    )
    print(ratio_line(f"picker page {last} / page 1", times[last], times[1], at_most=1.5))
    print(equal_line(f"picker queries, page 1 / page {last}", picker_queries[1], picker_queries[last]))
    same_page = results[("page", 10)][1] == results[("page", 500)][1]
    same_picker = results[("picker", 10)][1] == results[("picker", 10_000)][1]
    print(f"  same query count — page: {same_page}, picker: {same_picker} (goal: both True)")


if __name__ == "__main__":
    main()
