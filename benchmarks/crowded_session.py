"""Registering into a crowded session against an empty one: seat counts and waiting ranks must not grow.

    python benchmarks/crowded_session.py [--db sqlite|postgresql|mariadb] [--rows 10000] [--pairs 15]

Three paths, each into a session holding ``--rows`` registrations and into an empty one, paired
in turn (crowded, empty, crowded, empty …) after a warm-up pair, each call a new person:

- a seat: the session has no capacity, its registrations are confirmed;
- the waiting list: the session is full (half its rows) and half are waiting, the newcomer waits;
- asking again while waiting: the answer gives the person's rank, in the middle of the queue.

Goal: each crowded call ≤ 1.3× the empty one (median of the pairwise ratios).
"""

import argparse
import statistics
import time

from harness import test_database

MAX_RATIO = 1.3


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", default="sqlite", choices=["sqlite", "postgresql", "mariadb"])
    parser.add_argument("--rows", type=int, default=10000)
    parser.add_argument("--pairs", type=int, default=15)
    args = parser.parse_args()

    with test_database(args.db):
        run(args)


def run(args):
    from django.contrib.auth import get_user_model
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext

    from cursus_xblock.models import Registration, RegistrationStatus, Role
    from cursus_xblock.services import registration as service
    from tests.factories import SessionFactory

    User = get_user_model()
    counter = iter(range(10**9))

    def users(count):
        batch = [User(username=f"crowd{next(counter)}", first_name="Zoé", last_name="Lefèvre") for _ in range(count)]
        User.objects.bulk_create(batch, batch_size=1000)
        return list(User.objects.filter(username__in=[u.username for u in batch]))

    def fill(session, confirmed, waiting):
        people = users(confirmed + waiting)
        rows = [
            Registration(user=u, session=session, role=Role.LEARNER, status=RegistrationStatus.CONFIRMED)
            for u in people[:confirmed]
        ] + [
            Registration(
                user=u, session=session, role=Role.LEARNER, status=RegistrationStatus.WAITING, waiting_order=order
            )
            for order, u in enumerate(people[confirmed:], start=1)
        ]
        Registration.objects.bulk_create(rows, batch_size=1000)
        return people[confirmed:]

    def timed(work):
        with CaptureQueriesContext(connection) as ctx:
            start = time.perf_counter()
            with transaction.atomic():
                work()
            return time.perf_counter() - start, len(ctx.captured_queries)

    def register_newcomer(session):
        (person,) = users(1)
        return timed(lambda: service.register(user=person, sessions=[session], role=Role.LEARNER))

    half = args.rows // 2
    seat_crowded, seat_empty = SessionFactory(capacity=None), SessionFactory(capacity=None)
    fill(seat_crowded, args.rows, 0)
    queue_crowded = SessionFactory(capacity=half, waiting_list_enabled=True)
    queue_empty = SessionFactory(capacity=0, waiting_list_enabled=True)
    waiting = fill(queue_crowded, half, args.rows - half)
    waiting_alone = fill(queue_empty, 0, 1)
    middle = waiting[len(waiting) // 2]
    # As the server's autovacuum would have by then: statistics for the planner, a visibility map
    # for index-only scans.
    with connection.cursor() as cursor:
        cursor.execute(
            {
                "postgresql": "VACUUM ANALYZE cursus_xblock_registration",
                "mysql": "ANALYZE TABLE cursus_xblock_registration",
            }.get(connection.vendor, "ANALYZE")
        )
        cursor.fetchall() if connection.vendor == "mysql" else None

    def again(person, session):
        return timed(lambda: service.register(user=person, sessions=[session], role=Role.LEARNER))

    paths = [
        ("a seat", lambda: register_newcomer(seat_crowded), lambda: register_newcomer(seat_empty)),
        ("the waiting list", lambda: register_newcomer(queue_crowded), lambda: register_newcomer(queue_empty)),
        (
            "asking again while waiting",
            lambda: again(middle, queue_crowded),
            lambda: again(waiting_alone[0], queue_empty),
        ),
    ]
    print(f"Crowded session benchmark — {connection.vendor}, {args.rows} registrations vs none, {args.pairs} pairs")
    print(f"  {'':28} {'crowded':>9} {'empty':>9} {'ratio (min–max)':>20} {'queries':>9}")
    verdicts = []
    for label, crowded, empty in paths:
        crowded(), empty()  # warm-up pair
        pairs = [(crowded(), empty()) for _ in range(args.pairs)]
        ratios = [c[0] / e[0] for c, e in pairs]
        ratio = statistics.median(ratios)
        spread = f"{ratio:.2f} ({min(ratios):.2f}–{max(ratios):.2f})"
        print(
            f"  {label:28} {statistics.median(c[0] for c, _ in pairs) * 1000:7.1f}ms"
            f" {statistics.median(e[0] for _, e in pairs) * 1000:7.1f}ms {spread:>20}"
            f" {pairs[0][0][1]:4d}/{pairs[0][1][1]:<4d}"
        )
        verdicts.append((label, ratio <= MAX_RATIO))
    print(f"  goal: crowded ≤ {MAX_RATIO}× empty")
    for label, ok in verdicts:
        print(f"  verdict {label:28} {'PASS' if ok else 'FAIL'}")


if __name__ == "__main__":
    main()
