"""Exports in bounded memory: 100,000 registrations as CSV and XLSX, memory flat in the number of rows.

    python benchmarks/exports.py [--db sqlite|postgresql|mariadb] [--rows 100000] [--small 10000]

The registrations export (what the admin's action and ``cursus_export`` write) of ``--small``
rows, then of ``--rows``, read to the end as a response would be sent. For each: the time, the
process's peak resident memory during it (Linux: VmHWM, reset before each run through
/proc/self/clear_refs), and, in a second run, the peak of Python's allocations (tracemalloc, which
slows Python down too much to time the same run).
Goal (issue 18, item 5): the peak at ``--rows`` ≤ 1.2× the peak at ``--small`` (flat in N), both
measures, CSV and XLSX.
"""

import argparse
import time
import tracemalloc
from pathlib import Path

from harness import test_database

FLAT = 1.2
SESSIONS = 100


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", default="sqlite", choices=["sqlite", "postgresql", "mariadb"])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--small", type=int, default=10_000)
    args = parser.parse_args()
    with test_database(args.db):
        run(args)


def _reset_peak_rss():
    """Start VmHWM again from the current size (Linux ≥ 4.0); False where it cannot."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
        return True
    except OSError:
        return False


def _peak_rss_kib():
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return 0


def _current_rss_kib():
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def run(args):
    from django.contrib.auth import get_user_model

    from cursus_xblock.models import Registration, RegistrationStatus, Role
    from cursus_xblock.selectors.exports import registration_rows
    from cursus_xblock.utils.spreadsheets import csv_chunks, xlsx_file
    from tests.factories import SessionFactory

    User = get_user_model()
    per_session = args.rows // SESSIONS
    User.objects.bulk_create(
        [
            User(username=f"x{i:06d}", first_name="Zoé", last_name=f"Lefèvre {i}", email=f"x{i:06d}@example.org")
            for i in range(per_session)
        ],
        batch_size=2000,
    )
    people = list(User.objects.filter(username__startswith="x"))
    sessions = [SessionFactory(code=f"E{i:04d}") for i in range(SESSIONS)]
    Registration.objects.bulk_create(
        [
            Registration(user=u, session=s, role=Role.LEARNER, status=RegistrationStatus.CONFIRMED)
            for s in sessions
            for u in people
        ],
        batch_size=5000,
    )
    small = Registration.objects.filter(session__in=sessions[: max(1, args.small // per_session)])
    everything = Registration.objects.all()

    def csv_export(queryset):
        size = 0
        for chunk in csv_chunks(*registration_rows(queryset)):
            size += len(chunk)
        return size

    def xlsx_export(queryset):
        with xlsx_file(*registration_rows(queryset), title="registrations") as handle:
            return handle.seek(0, 2)

    rss = _reset_peak_rss()
    print(f"Registrations export on {args.db}: {small.count()} and {everything.count()} rows")
    for name, export in (("CSV", csv_export), ("XLSX", xlsx_export)):
        export(small)  # warm: imports, the first query
        figures = {}
        for label, queryset in (("small", small), ("large", everything)):
            _reset_peak_rss()
            before = _current_rss_kib()
            start = time.perf_counter()
            size = export(queryset)
            elapsed = time.perf_counter() - start
            resident = _peak_rss_kib() - before
            tracemalloc.start()  # a second run: tracemalloc slows Python several times over
            export(queryset)
            _current, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
            figures[label] = (elapsed, peak, resident, size)
            print(
                f"  {name} {label:<6} {elapsed:7.2f} s  {size / 1e6:7.1f} MB written  "
                f"Python peak {peak / 1e6:6.1f} MB  resident peak +{figures[label][2] / 1024:6.1f} MiB"
            )
        ratio = figures["large"][1] / figures["small"][1]
        verdict = "met" if ratio <= FLAT else "NOT met"
        print(f"  {name} Python peak, large / small: {ratio:5.2f}   goal ≤ {FLAT}: {verdict}")
        if rss:
            # Resident growth under a few MiB is allocator noise: measured against 4 MiB at least.
            small_rss, large_rss = (max(figures[k][2], 4096) for k in ("small", "large"))
            ratio = large_rss / small_rss
            verdict = "met" if ratio <= FLAT else "NOT met"
            print(f"  {name} resident peak, large / small: {ratio:5.2f}   goal ≤ {FLAT}: {verdict}")


if __name__ == "__main__":
    main()
