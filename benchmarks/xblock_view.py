"""The Cursus XBlock's learner view at 5 and 200 sessions, and its Register handler vs. its parts.

    python benchmarks/xblock_view.py [--pairs 7]

The block rendered (XBlock's test runtime with the LMS's user service, as in tests/xblock) for a
learner registered in every session and for their trainer, over 5 and over 200 sessions with two
séances and three other learners each, the two sizes in turn (5, 200, 5, 200 … after a warm-up
pair). Goal: no query per session: 200 sessions cost the queries of 5, plus at most the one that
counts them once the list is cut into pages; the time ratio is printed (it grows with the rows
drawn, not with queries).

Then a Register click through the JSON handler (a POST with ``Content-Type: application/json``,
as the block's JavaScript sends it) against its two necessary parts made directly, in turn: the
same ``self_register`` call and rendering the updated list the handler sends back. The ratio is
what the block adds around them. Goal ≤ 1.25.
"""

import argparse
import datetime
import time

from harness import counted, median_ms, paired, ratio_line, test_database

SIZES = (5, 200)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=7)
    args = parser.parse_args()
    with test_database():
        run(args)


def world(count, key):
    from cursus_xblock.models import Role
    from cursus_xblock.services import registration
    from tests.factories import EventFactory, SessionFactory, UserFactory

    learner, trainer = UserFactory(), UserFactory()
    sessions = []
    for _ in range(count):
        session = SessionFactory(workspace_key=key, self_registration=True, self_unregistration=True, capacity=30)
        EventFactory(session=session)
        EventFactory(session=session, start=session.start + datetime.timedelta(days=1, hours=1))
        sessions.append(session)
    registration.register(user=learner, sessions=sessions, role=Role.LEARNER)
    registration.register(user=trainer, sessions=sessions, role=Role.TRAINER)
    registration.register_users_in_sessions(sessions=sessions, users=UserFactory.create_batch(3), role=Role.LEARNER)
    return learner, trainer


def _usage(key):
    from opaque_keys.edx.keys import UsageKey

    return UsageKey.from_string(f"block-v1:{key.split(':')[1]}+type@cursus+block@bench")


def run(args):
    from tests.xblock.runtime import as_lms_user, make_block

    print(f"Cursus XBlock benchmark — SQLite, {args.pairs} pairs, sides in turn after a warm-up pair")
    blocks = {}
    for count in SIZES:
        key = f"course-v1:Bench+X{count}+2026"
        learner, trainer = world(count, key)
        for name, viewer in (("learner", learner), ("trainer", trainer)):
            block = make_block(as_lms_user(viewer))
            block.scope_ids = block.scope_ids._replace(usage_id=_usage(key))
            blocks[name, count] = block
    for name in ("learner", "trainer"):
        queries = {}

        def side(count, name=name, queries=queries):
            def work(i):
                seconds, queries[count] = counted(lambda: blocks[name, count].render("student_view"))
                return seconds

            return work

        times = paired({count: side(count) for count in SIZES}, args.pairs)
        small, large = SIZES
        print(
            f"  {name} view: {small} sessions {median_ms(times[small]):7.1f} ms,"
            f" {large} sessions {median_ms(times[large]):7.1f} ms"
        )
        print(ratio_line(f"{name} view {large} / {small} sessions (time)", times[large], times[small]))
        grown = queries[large] - queries[small]
        print(
            f"  {name + ' view queries, ' + str(small) + ' / ' + str(large) + ' sessions':<40} {queries[small]} /"
            f" {queries[large]}   goal at most one more (the count of a list cut into pages):"
            f" {'met' if grown <= 1 else 'NOT met'}"
        )
    register_ratio(args)


def register_ratio(args):
    import json

    from webob import Request

    from cursus_xblock.models import Registration, Role
    from cursus_xblock.services import registration
    from cursus_xblock.xblock.viewer import viewer_of
    from tests.factories import SessionFactory, UserFactory
    from tests.xblock.runtime import as_lms_user, make_block

    key = "course-v1:Bench+Reg+2026"
    sessions = [SessionFactory(workspace_key=key, self_registration=True, capacity=None) for _ in range(10)]
    registration.register_users_in_sessions(sessions=sessions, users=UserFactory.create_batch(3), role=Role.LEARNER)

    def direct(i):
        user = UserFactory()
        block = make_block(as_lms_user(user))
        block.scope_ids = block.scope_ids._replace(usage_id=_usage(key))
        start = time.perf_counter()
        registration.self_register(user=user, session=sessions[0])
        block._sessions_html(viewer_of(block))
        return time.perf_counter() - start

    def handler(i):
        user = UserFactory()
        block = make_block(as_lms_user(user))
        block.scope_ids = block.scope_ids._replace(usage_id=_usage(key))
        request = Request.blank(
            "/",
            method="POST",
            body=json.dumps({"session": sessions[1].pk}).encode(),
            content_type="application/json",
        )
        start = time.perf_counter()
        response = block.runtime.handle(block, "register", request)
        elapsed = time.perf_counter() - start
        assert response.status_code == 200, (response.status_code, response.body)
        return elapsed

    rounds = args.pairs * 5
    times = paired({"handler": handler, "direct": direct}, rounds)
    assert Registration.objects.filter(session=sessions[1]).count() == rounds + 1 + 3
    print(
        f"  Register: self_register + the list re-rendered {median_ms(times['direct']):.2f} ms;"
        f" the XBlock handler {median_ms(times['handler']):.2f} ms ({rounds} pairs)"
    )
    print(ratio_line("Register: handler / its parts", times["handler"], times["direct"], at_most=1.25))


if __name__ == "__main__":
    main()
