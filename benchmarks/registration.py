"""Registrations per second: the service's batch form vs. a raw ``bulk_create`` of the same rows.

    python benchmarks/registration.py [--db sqlite|postgresql|mariadb] [--users 1000] [--repeat 3]

The service does more than insert rows (lock, seat count, history, workspace role through the
groups backend); the goal is that this costs at most 5× the raw insert, with a number of SQL
queries that does not grow with the number of users.
"""

import argparse
import statistics
import time

from harness import test_database


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", default="sqlite", choices=["sqlite", "postgresql", "mariadb"])
    parser.add_argument("--users", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    with test_database(args.db):
        run(args)


def measure(work):
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        start = time.perf_counter()
        with transaction.atomic():
            work()
        elapsed = time.perf_counter() - start
    return elapsed, len(ctx.captured_queries)


def run(args):
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.utils import timezone

    from cursus_xblock.models import Registration, RegistrationStatus, Role
    from cursus_xblock.services import registration as service
    from tests.factories import EventFactory, SessionFactory

    User = get_user_model()
    counter = iter(range(10**9))

    def users(count):
        batch = [User(username=f"bench{next(counter)}", first_name="Zoé", last_name="Lefèvre") for _ in range(count)]
        User.objects.bulk_create(batch)
        return list(User.objects.filter(username__in=[u.username for u in batch]))

    def service_run(count, events=0):
        session = SessionFactory()
        for _ in range(events):
            EventFactory(session=session)
        people = users(count)
        return measure(lambda: service.register_users(session=session, users=people, role=Role.LEARNER))

    def raw_run(count):
        session = SessionFactory()
        people = users(count)
        now = timezone.now()
        rows = [
            Registration(
                user=u, session=session, role=Role.LEARNER, status=RegistrationStatus.CONFIRMED, registered_at=now
            )
            for u in people
        ]
        return measure(lambda: Registration.objects.bulk_create(rows))

    def best_of(fn, *fn_args):
        runs = [fn(*fn_args) for _ in range(args.repeat)]
        return statistics.median(r[0] for r in runs), runs[0][1]

    n = args.users
    raw_s, raw_q = best_of(raw_run, n)
    svc_s, svc_q = best_of(service_run, n)
    ev_s, ev_q = best_of(service_run, n, 2)
    small_q = service_run(n // 10)[1]

    print(f"Registration benchmark — {connection.vendor}, {n} users in one session, median of {args.repeat}")
    print(f"  raw bulk_create             {raw_s:8.3f} s  {n / raw_s:9.0f} reg/s  {raw_q:4d} queries")
    print(f"  service register_users      {svc_s:8.3f} s  {n / svc_s:9.0f} reg/s  {svc_q:4d} queries")
    print(f"  service, 2 automatic events {ev_s:8.3f} s  {n / ev_s:9.0f} reg/s  {ev_q:4d} queries")
    print(f"  ratio service / raw         {svc_s / raw_s:8.2f}   (goal ≤ 5)")
    print(f"  queries for {n // 10} vs {n} users: {small_q} vs {svc_q} (goal: the same ± a constant)")


if __name__ == "__main__":
    main()
