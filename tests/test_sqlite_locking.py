"""Issue 12 item 7: SQLite under concurrency — writers queue, and a lock past the timeout is a 503.

The test database is a file (``tests/settings.py``), and each thread below has its own connection
and its own client, as concurrent requests to a host on SQLite (the demo) would. Before the fix,
three identical picker POSTs at once gave 200, 500, 500: Django's ``BEGIN`` (``DEFERRED``) lets two
transactions read, then fails one at once with ``database is locked`` when both want to write.
"""

import sqlite3
import threading

import django
import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import connection, connections, transaction
from django.test import Client
from django.urls import reverse

from cursus_xblock.db import sqlite_database
from cursus_xblock.models import Registration, RegistrationHistory, RegistrationStatus, Role
from cursus_xblock.web.middleware import DATABASE_BUSY

from .factories import SessionFactory, UserFactory

pytestmark = [
    pytest.mark.skipif(settings.TEST_DB != "sqlite", reason="SQLite's own locking"),
    pytest.mark.django_db(transaction=True),
]

BUSY = str(DATABASE_BUSY)


def _client(user):
    client = Client(raise_request_exception=False)  # a 500 is an answer here, not a test error
    client.force_login(user)
    return client


def _all_at_once(count, request):
    """``request(i)`` in ``count`` threads released together; their responses in order."""
    barrier = threading.Barrier(count)
    responses = [None] * count

    def run(index):
        try:
            barrier.wait(timeout=30)
            responses[index] = request(index)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return responses


def _picker_post(client, user, session):
    url = reverse("admin:cursus_user_register", args=[user.pk, "learner"])
    return client.post(url, {"session": [str(session.pk)], "reason": ""})


def _api_register(client, user, session):
    url = reverse("cursus_xblock:api-user-registration-list", args=[user.get_username()])
    return client.post(url, {"sessions": [session.pk], "role": "learner"}, content_type="application/json")


def test_item7_identical_picker_posts_at_once_register_once_and_never_500():
    admin = UserFactory(is_staff=True, is_superuser=True)
    learner, session = UserFactory(), SessionFactory()
    clients = [_client(admin) for _ in range(6)]

    responses = _all_at_once(6, lambda i: _picker_post(clients[i], learner, session))

    statuses = [r.status_code for r in responses]
    assert set(statuses) <= {302, 503}, statuses
    assert statuses.count(302) >= 1
    assert Registration.objects.filter(user=learner, session=session).count() == 1
    assert RegistrationHistory.objects.filter(registration__user=learner).count() == 1


def test_item7_racing_api_registrations_fill_the_seats_in_order_and_never_500():
    admin = UserFactory(is_staff=True, is_superuser=True)
    session = SessionFactory(capacity=3)
    racers = UserFactory.create_batch(8)
    clients = [_client(admin) for _ in racers]

    responses = _all_at_once(8, lambda i: _api_register(clients[i], racers[i], session))

    statuses = [r.status_code for r in responses]
    assert set(statuses) <= {200, 503}, statuses
    done = [racers[i] for i, r in enumerate(responses) if r.status_code == 200]
    rows = Registration.objects.filter(session=session)
    assert rows.count() == len(done) and {r.user_id for r in rows} == {u.pk for u in done}
    assert rows.filter(status=RegistrationStatus.CONFIRMED).count() == min(3, len(done))
    waiting = list(rows.filter(status=RegistrationStatus.WAITING).order_by("waiting_order"))
    assert [r.waiting_order for r in waiting] == list(range(1, len(waiting) + 1))


@pytest.fixture
def short_timeout():
    """Connections made from now on wait 0.3 s for a lock; the test's own is made again."""
    options = connection.settings_dict["OPTIONS"]
    before = dict(options)
    options["timeout"] = 0.3
    connection.close()
    yield
    options.clear()
    options.update(before)
    connection.close()


@pytest.fixture
def other_connection(short_timeout):
    """Another connection to the file, to hold SQLite's write lock (a long import, a stuck worker …)."""
    other = sqlite3.connect(connection.settings_dict["NAME"], isolation_level=None)
    yield other
    if other.in_transaction:
        other.execute("ROLLBACK")
    other.close()


def test_item7_a_lock_held_past_the_timeout_is_a_503_and_changes_nothing(other_connection):
    admin = UserFactory(is_staff=True, is_superuser=True)
    learner, session = UserFactory(), SessionFactory()
    client = _client(admin)
    other_connection.execute("BEGIN IMMEDIATE")

    page = _picker_post(client, learner, session)
    api = _api_register(client, learner, session)

    assert page.status_code == 503 and page["Retry-After"] == "5"
    assert BUSY in page.content.decode()
    assert api.status_code == 503
    assert api.json() == {"code": "database_busy", "message": BUSY}
    assert not Registration.objects.filter(user=learner).exists()

    other_connection.execute("ROLLBACK")
    assert _picker_post(client, learner, session).status_code == 302
    assert Registration.objects.filter(user=learner, session=session, role=Role.LEARNER).count() == 1


def test_item7_a_transaction_takes_the_write_lock_when_it_begins(short_timeout):
    SessionFactory()
    other = sqlite3.connect(connection.settings_dict["NAME"], isolation_level=None, timeout=0)
    try:
        with transaction.atomic():
            Registration.objects.exists()  # a read only: with DEFERRED, no write lock yet
            with pytest.raises(sqlite3.OperationalError, match="database is locked"):
                other.execute("BEGIN IMMEDIATE")
    finally:
        other.close()


def test_item7_the_settings_helper_suits_the_running_django():
    entry = sqlite_database("/tmp/x.sqlite3", timeout=7, TEST={"NAME": "/tmp/t.sqlite3"})

    expected = "django.db.backends.sqlite3" if django.VERSION >= (5, 1) else "cursus_xblock.db.sqlite3"
    assert entry == {
        "ENGINE": expected,
        "NAME": "/tmp/x.sqlite3",
        "OPTIONS": {"timeout": 7, "transaction_mode": "IMMEDIATE"},
        "TEST": {"NAME": "/tmp/t.sqlite3"},
    }


def test_item7_our_backend_refuses_an_unknown_transaction_mode():
    from cursus_xblock.db.sqlite3.base import DatabaseWrapper

    wrapper = DatabaseWrapper({**connection.settings_dict, "OPTIONS": {"transaction_mode": "LAZY"}}, alias="other")
    with pytest.raises(ImproperlyConfigured, match="transaction_mode"):
        wrapper.get_connection_params()
