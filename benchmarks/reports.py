"""Queries and server time of the reports page at 100 and at 1,000 sessions (issue 18 item 5).

    python benchmarks/reports.py [--repeat 5] [--db sqlite|postgresql|mariadb]

Each session (held last month) has 10 confirmed learners and 2 on the waiting list, two séances of
3 h with the roll call taken (present, absent with and without justification), and one learner
who unregistered. The page is asked as a site-wide training manager for the period covering
them: goal the same number of queries at 100 and at 1,000 sessions; the time is printed (it
grows with the rows the page reads, which are every séance and learner of the period).
"""

import argparse
import datetime

from harness import equal_line, test_database

LEARNERS = 10
WAITING = 2


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--db", default="sqlite")
    args = parser.parse_args()
    with test_database(args.db):
        run(args)


def build(count, offset, people, course, root):
    """``count`` held sessions, their séances, registrations, roll calls and a cancellation, in bulk."""
    from django.utils import timezone

    from cursus_xblock.models import (
        Attendance,
        Event,
        EventRegistration,
        HistoryAction,
        Registration,
        RegistrationHistory,
        RegistrationStatus,
        Role,
        Session,
    )

    start = timezone.now() - datetime.timedelta(days=30)
    hours = datetime.timedelta(hours=3)
    sessions = Session.objects.bulk_create(
        Session(
            course=course,
            code=f"R{offset + i:05d}",
            name=f"Session {offset + i}",
            start=start,
            end=start + datetime.timedelta(days=1),
            capacity=12,
        )
        for i in range(count)
    )
    events = Event.objects.bulk_create(
        Event(session=s, name=f"Séance {n}", start=start + n * 2 * hours, end=start + (n * 2 + 1) * hours)
        for s in sessions
        for n in (1, 2)
    )
    registrations = []
    for i, session in enumerate(sessions):
        chosen = [people[(i * 7 + k) % len(people)] for k in range(LEARNERS + WAITING + 1)]
        for k, person in enumerate(chosen):
            status = (
                RegistrationStatus.CONFIRMED
                if k < LEARNERS
                else RegistrationStatus.WAITING
                if k < LEARNERS + WAITING
                else RegistrationStatus.CANCELLED
            )
            registrations.append(
                Registration(
                    session=session,
                    user=person,
                    role=Role.LEARNER,
                    status=status,
                    waiting_order=k if status == RegistrationStatus.WAITING else None,
                )
            )
    registrations = Registration.objects.bulk_create(registrations)
    states = [Attendance.PRESENT] * 7 + [Attendance.ABSENT_JUSTIFIED, Attendance.ABSENT_UNJUSTIFIED, Attendance.UNKNOWN]
    by_session = {}
    for event in events:
        by_session.setdefault(event.session_id, []).append(event)
    cells, history = [], []
    for registration in registrations:
        if registration.status == RegistrationStatus.CANCELLED:
            history.append(
                RegistrationHistory(
                    registration=registration,
                    action=HistoryAction.CANCELLED,
                    old_value=RegistrationStatus.CONFIRMED,
                    new_value=RegistrationStatus.CANCELLED,
                    actor=root,
                )
            )
        if registration.status != RegistrationStatus.CONFIRMED:
            continue
        for n, event in enumerate(by_session[registration.session_id]):
            cells.append(
                EventRegistration(
                    registration=registration,
                    event=event,
                    status=RegistrationStatus.CONFIRMED,
                    attendance=states[(registration.pk + n) % len(states)],
                )
            )
    EventRegistration.objects.bulk_create(cells, batch_size=2000)
    RegistrationHistory.objects.bulk_create(history)


def measure(client, url, params, repeat):
    import statistics
    import time

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    times, queries = [], None
    for _ in range(repeat):
        with CaptureQueriesContext(connection) as ctx:
            start = time.perf_counter()
            response = client.get(url, params)
            times.append(time.perf_counter() - start)
        assert response.status_code == 200, response.status_code
        assert response.context["figures"], response.context["form"].errors
        queries = len(ctx.captured_queries)
    return statistics.median(times), queries


def run(args):
    from django.contrib.auth import get_user_model
    from django.test import Client
    from django.urls import reverse
    from django.utils import timezone

    from cursus_xblock.models import Course

    User = get_user_model()
    root = User.objects.create_superuser("root", "root@example.org", "x")
    people = User.objects.bulk_create(
        User(username=f"learner{i}", first_name=f"Prénom{i}", last_name=f"Nom{i}") for i in range(2000)
    )
    course = Course.objects.create(code="BENCH", title="Benchmark")
    client = Client()
    client.force_login(root)
    url = reverse("admin:cursus_xblock_trainingreport_changelist")
    today = timezone.localdate()
    params = {"start": (today - datetime.timedelta(days=60)).isoformat(), "end": today.isoformat()}

    print(f"Reports page ({args.db}), median of {args.repeat}:")
    results = {}
    built = 0
    for count in (100, 1000):
        build(count - built, built, people, course, root)
        built = count
        results[count] = measure(client, url, params, args.repeat)
        seconds, queries = results[count]
        print(f"  {count:>5} sessions: {queries} queries, {seconds * 1000:7.0f} ms")
    print(equal_line("queries at 100 / 1,000 sessions", results[100][1], results[1000][1]))


if __name__ == "__main__":
    main()
