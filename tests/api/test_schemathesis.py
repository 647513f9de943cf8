"""Schemathesis against the live schema, through Django's WSGI application, as an administrator.

Each operation gets its schema examples, then a few positive and a few negative generated cases
(fixed seed, a deadline per request): a few hundred requests in all. Checks: no server error, and
every documented response matches its schema. Driven through Hypothesis directly (``as_strategy``):
Schemathesis' own pytest plugin reaches into pytest internals that pytest 9.2 no longer has.
"""

import base64
import datetime

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from cursus_xblock.models import Role
from cursus_xblock.services import registration as registration_service

from ..factories import EventFactory, SessionFactory

SCHEMA_URL = "/cursus/api/v1/schema/?format=json"
PASSWORD = "s3cret-schemathesis"
#: Generated cases per operation and mode (after the schema's own examples).
MAX_EXAMPLES = {GenerationMode.POSITIVE: 12, GenerationMode.NEGATIVE: 8}
DEADLINE = datetime.timedelta(seconds=5)
CHECKS = [not_a_server_error, response_schema_conformance]
AUTHORIZATION = "Basic " + base64.b64encode(f"manager:{PASSWORD}".encode()).decode()


@pytest.fixture
def api_schema(db, people, world, issued):
    """The schema as the WSGI app serves it (Django's per-request connection handling paused, as in its test client)."""
    people.manager.set_password(PASSWORD)
    people.manager.save()
    SessionFactory(pk=12, self_registration=True, self_unregistration=True)  # the schema's example
    EventFactory(pk=40, session=world.session)  # the schema's séance
    for _ in range(3):
        SessionFactory(self_registration=True, self_unregistration=True)
    registration_service.register(user=people.other, sessions=[world.session], role=Role.LEARNER)
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield schemathesis.openapi.from_wsgi(SCHEMA_URL, get_wsgi_application())
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def _run(strategy, max_examples, calls):
    @given(case=strategy)
    @settings(
        max_examples=max_examples,
        deadline=DEADLINE,
        derandomize=True,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    def run(case):
        response = case.call(headers={"Authorization": AUTHORIZATION})
        calls.append(response.status_code)
        case.validate_response(response, checks=CHECKS)

    run()


def test_the_api_matches_its_schema(api_schema, subtests):
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) == 19
    calls = []
    for operation in operations:
        with subtests.test(operation=operation.label):
            for strategy in operation.get_strategies_from_examples():
                _run(strategy, 1, calls)
            for mode, max_examples in MAX_EXAMPLES.items():
                _run(operation.as_strategy(generation_mode=mode), max_examples, calls)
    # Bounded, and not only refusals: the administrator's valid requests get through.
    assert 100 <= len(calls) <= 400, len(calls)
    assert sum(200 <= status < 300 for status in calls) >= 20, sorted(calls)
