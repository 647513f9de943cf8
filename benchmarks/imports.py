"""The registrations import at HR-file size: the dry run of 10,000 rows, and the apply against the service.

    python benchmarks/imports.py [--db sqlite|postgresql|mariadb] [--rows 10000] [--apply-rows 2000] [--pairs 3]

- **Dry run**: a CSV of ``--rows`` lines (people × 50 sessions, one in five full with a waiting
  list, a few bad rows) read and planned (``parse`` + ``plan``), as the admin's upload does.
  Goal (issue 18, item 5): ≤ 10 s on SQLite.
- **Apply**: ``--apply-rows`` rows applied (``parse`` + ``apply``: the plan again, then one
  ``register_users`` per session) against the registration service's own bulk cost for the same
  people and sessions (``register_users`` per session in one transaction, nothing else), paired in turn on fresh
  sessions. Goal: the import ≤ 5× the service.
"""

import argparse
import statistics
import time

from harness import median_ms, paired, ratio_line, test_database

DRY_RUN_GOAL = 10.0
APPLY_GOAL = 5.0
SESSIONS = 50


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", default="sqlite", choices=["sqlite", "postgresql", "mariadb"])
    parser.add_argument("--rows", type=int, default=10000)
    parser.add_argument("--apply-rows", type=int, default=2000)
    parser.add_argument("--pairs", type=int, default=3)
    args = parser.parse_args()
    with test_database(args.db):
        run(args)


def run(args):
    from django.contrib.auth import get_user_model
    from django.db import transaction

    from cursus_xblock.models import Role
    from cursus_xblock.services import registration as service
    from cursus_xblock.services.imports import registrations as imports
    from tests.factories import EventFactory, SessionFactory

    User = get_user_model()
    people_count = max(args.rows, args.apply_rows * 2) // SESSIONS + 1
    User.objects.bulk_create(
        [User(username=f"hr{i:06d}", email=f"hr{i:06d}@example.org") for i in range(people_count)], batch_size=1000
    )
    people = list(User.objects.filter(username__startswith="hr").order_by("username"))
    batch = iter(range(10**6))

    def sessions(count):
        """Fresh sessions as they are: a séance each, one in five full with a waiting list."""
        made = []
        for index in range(count):
            full = index % 5 == 4
            session = SessionFactory(
                code=f"B{next(batch):05d}", capacity=people_count // 2 if full else None, waiting_list_enabled=full
            )
            EventFactory(session=session)
            made.append(session)
        return made

    def csv_of(chosen_sessions, rows):
        lines = ["username;session;role"]
        for index in range(rows):
            session = chosen_sessions[index % len(chosen_sessions)]
            person = people[index // len(chosen_sessions)]
            lines.append(f"{person.username};{session.code};apprenant")
        return ("\n".join(lines) + "\n").encode()

    # --- the dry run of --rows lines ---
    dry_sessions = sessions(SESSIONS)
    content = csv_of(dry_sessions, args.rows - 3)  # and three bad rows: --rows in all
    content += b"nobody;B99999;learner\nhr000001;NOPE;learner\nhr000002;" + dry_sessions[0].code.encode() + b";chef\n"
    times = []
    for _ in range(3):
        start = time.perf_counter()
        result = imports.plan(imports.parse(content, "hr.csv"))
        times.append(time.perf_counter() - start)
    median = statistics.median(times)
    print(f"Import dry run on {args.db}: {args.rows} rows, {SESSIONS} sessions")
    print(f"  {'counts':<40} {dict((str(label), n) for label, n in result.counts())}")
    verdict = "met" if median <= DRY_RUN_GOAL else "NOT met"
    print(f"  {'parse + plan (median of 3)':<40} {median:6.2f} s   goal ≤ {DRY_RUN_GOAL} s: {verdict}")

    # --- the apply against the service, on fresh sessions each round ---
    per_session = args.apply_rows // SESSIONS

    def by_import(_round):
        chosen = sessions(SESSIONS)
        rows = imports.parse(csv_of(chosen, per_session * SESSIONS), "hr.csv")
        start = time.perf_counter()
        imports.apply(rows)
        return time.perf_counter() - start

    def by_service(_round):
        chosen = sessions(SESSIONS)
        start = time.perf_counter()
        with transaction.atomic():  # as the import: one transaction for the file
            for session in chosen:
                service.register_users(session=session, users=people[:per_session], role=Role.LEARNER)
        return time.perf_counter() - start

    found = paired({"import": by_import, "service": by_service}, args.pairs)
    print(f"Import apply on {args.db}: {per_session * SESSIONS} rows into {SESSIONS} fresh sessions, paired in turn")
    print(f"  {'import (plan again + apply)':<40} {median_ms(found['import']):8.0f} ms")
    print(f"  {'service (register_users per session)':<40} {median_ms(found['service']):8.0f} ms")
    print(ratio_line("import / service", found["import"], found["service"], at_most=APPLY_GOAL))


if __name__ == "__main__":
    main()
