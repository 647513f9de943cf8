"""Check-in from the admin's attendance grid (issue 16 item 2): a manager opens, shows the code, closes."""

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from cursus_xblock.models import CheckInWindow
from cursus_xblock.services import checkin

from .checkin import live_session
from .test_admin_attendance import EXPECTED, _client, make_callers

pytestmark = pytest.mark.django_db


@pytest.fixture
def held():
    return live_session(learners=2)


@pytest.fixture
def callers(held):
    """The grid's permission matrix's callers, around a séance running now."""
    return make_callers(held)


def _grid(session):
    return reverse("admin:cursus_xblock_session_attendance", args=[session.pk])


def _screen(session, event):
    return reverse("admin:cursus_xblock_session_checkin", args=[session.pk, event.pk])


def test_a_manager_opens_check_in_shows_the_code_and_closes_it(held, callers):
    client = _client(callers["manager"])
    page = client.get(_grid(held.session)).content.decode()
    assert f'name="checkin" value="open:{held.past.pk}"' in page
    assert f'value="open:{held.later.pk}"' not in page  # tomorrow's: not yet

    answer = client.post(_grid(held.session), {"checkin": f"open:{held.past.pk}"})

    assert answer.status_code == 302
    assert [str(m) for m in get_messages(answer.wsgi_request)][0].startswith("Check-in is open for Accueil until ")
    window = CheckInWindow.objects.get(event=held.past)
    assert window.opened_by == callers["manager"]
    screen = client.get(_screen(held.session, held.past)).content.decode()
    code = checkin.checkin_code(window)[0]
    assert f'<p class="cursus-code" aria-live="off">{code}</p>' in screen and "data:image/svg+xml" in screen
    assert '<meta http-equiv="refresh" content="20">' in screen
    checkin.check_in(event=held.past, user=held.learners[0], code=code, typed_name="A B")
    page = client.get(_grid(held.session)).content.decode()
    assert "— to be validated" in page and "1 check-in to validate" in page

    client.post(_grid(held.session), {"checkin": f"close:{held.past.pk}"})
    window.refresh_from_db()
    assert window.closed_by == callers["manager"] and not window.is_open()
    assert "Check-in is not open for this séance." in client.get(_screen(held.session, held.past)).content.decode()


def test_opening_tomorrows_seance_from_the_admin_is_refused(held, callers):
    answer = _client(callers["manager"]).post(_grid(held.session), {"checkin": f"open:{held.later.pk}"})
    assert [str(m) for m in get_messages(answer.wsgi_request)] == [
        "Check-in opens 15 minutes before the séance starts, not earlier."
    ]
    assert not CheckInWindow.objects.exists()


@pytest.mark.parametrize("caller", list(EXPECTED))
def test_permission_matrix_of_check_in_in_the_admin(held, callers, caller):
    client = _client(callers[caller])
    expected = EXPECTED[caller]

    screen = client.get(_screen(held.session, held.past))
    opened = client.post(_grid(held.session), {"checkin": f"open:{held.past.pk}"})

    assert screen.status_code == expected
    assert opened.status_code == (302 if expected == 200 else expected)
    assert CheckInWindow.objects.exists() == (expected == 200)
