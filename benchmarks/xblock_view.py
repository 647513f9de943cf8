"""Queries and server time of the Cursus XBlock's learner view and of its Register handler.

    python benchmarks/xblock_view.py [--repeat 7]

The block rendered (XBlock's test runtime with the LMS's user service, as in tests/xblock) for a
learner registered in every session and for their trainer, over 10 and over 100 sessions with two
séances each. Goal: the same number of SQL queries for 10 and 100 sessions (no query per
session). Then a Register click through the JSON handler against its two necessary parts made
directly — the same `self_register` call, and rendering the updated list the handler sends back:
the ratio is what the block adds around them (goal ≤ 1.25).
"""

import argparse
import datetime
import statistics
import time

from harness import test_database


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    with test_database():
        run(args)


def world(count, key):
    from cursus_xblock.models import Role
    from cursus_xblock.services import registration
    from tests.factories import EventFactory, SessionFactory, UserFactory

    learner, trainer = UserFactory(), UserFactory()
    for _ in range(count):
        session = SessionFactory(workspace_key=key, self_registration=True, self_unregistration=True, capacity=30)
        EventFactory(session=session)
        EventFactory(session=session, start=session.start + datetime.timedelta(days=1, hours=1))
        registration.register(user=learner, sessions=[session], role=Role.LEARNER)
        registration.register(user=trainer, sessions=[session], role=Role.TRAINER)
        for _ in range(3):
            registration.register(user=UserFactory(), sessions=[session], role=Role.LEARNER)
    return learner, trainer


def render(block, repeat):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    times = []
    for _ in range(repeat):
        with CaptureQueriesContext(connection) as ctx:
            start = time.perf_counter()
            block.render("student_view")
            times.append(time.perf_counter() - start)
    return statistics.median(times), len(ctx.captured_queries)


def run(args):
    from tests.xblock.runtime import as_lms_user, make_block

    print("Cursus XBlock, learner view (SQLite, median of", args.repeat, "renders)")
    print(f"{'sessions':>8} {'viewer':>8} {'queries':>8} {'ms':>8} {'ms/session':>11}")
    for count in (10, 100):
        key = f"course-v1:Bench+X{count}+2026"
        learner, trainer = world(count, key)
        for name, viewer in (("learner", learner), ("trainer", trainer)):
            block = make_block(as_lms_user(viewer))
            block.scope_ids = block.scope_ids._replace(usage_id=_usage(key))
            seconds, queries = render(block, args.repeat)
            print(f"{count:>8} {name:>8} {queries:>8} {seconds * 1000:>8.1f} {seconds * 1000 / count:>11.2f}")
    register_ratio(args)


def _usage(key):
    from opaque_keys.edx.keys import UsageKey

    return UsageKey.from_string(f"block-v1:{key.split(':')[1]}+type@cursus+block@bench")


def register_ratio(args):
    import json

    from webob import Request

    from cursus_xblock.models import Registration
    from cursus_xblock.services import registration
    from tests.factories import SessionFactory, UserFactory
    from tests.xblock.runtime import as_lms_user, make_block

    key = "course-v1:Bench+Reg+2026"
    sessions = [SessionFactory(workspace_key=key, self_registration=True, capacity=None) for _ in range(10)]
    from cursus_xblock.xblock.viewer import viewer_of

    direct, handler, listing = [], [], []
    for _ in range(args.repeat * 5):
        user = UserFactory()
        start = time.perf_counter()
        registration.self_register(user=user, session=sessions[0])
        direct.append(time.perf_counter() - start)

        user = UserFactory()
        block = make_block(as_lms_user(user))
        block.scope_ids = block.scope_ids._replace(usage_id=_usage(key))
        request = Request.blank("/", method="POST", body=json.dumps({"session": sessions[1].pk}).encode())
        start = time.perf_counter()
        response = block.runtime.handle(block, "register", request)
        handler.append(time.perf_counter() - start)
        assert response.status_code == 200, response.body
        start = time.perf_counter()
        block._sessions_html(viewer_of(block))
        listing.append(time.perf_counter() - start)
    assert Registration.objects.filter(session=sessions[1]).count() == args.repeat * 5
    d, r, h = (statistics.median(times) * 1000 for times in (direct, listing, handler))
    print(f"\nRegister: self_register {d:.2f} ms + the list re-rendered {r:.2f} ms; XBlock handler {h:.2f} ms")
    print(f"ratio {h / (d + r):.2f} (goal ≤ 1.25)")


if __name__ == "__main__":
    main()
