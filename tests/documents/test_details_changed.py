"""Issue 17, « details changed » (item 1) and the calendar that follows (item 3).

A session's or séance's new dates or place queue one message per learner concerned, sent once by
``cursus_send_notifications``; the message of someone who was sent an invitation carries a
METHOD:REQUEST with the invitation's UIDs and a higher SEQUENCE, parsed here with icalendar.
"""

import datetime
import zoneinfo

import pytest
from django.core import mail
from django.core.management import call_command
from django.urls import reverse
from icalendar import Calendar

from cursus_xblock.models import (
    EventRegistrationType,
    Notification,
    NotificationSwitch,
    NotificationTrigger,
    Role,
)
from cursus_xblock.services import documents, schedule
from cursus_xblock.services import registration as registration_service

from ..factories import EventFactory, SessionFactory, UserFactory

pytestmark = pytest.mark.django_db

PARIS = zoneinfo.ZoneInfo("Europe/Paris")
CHANGED = NotificationTrigger.DETAILS_CHANGED


def _session(**kwargs):
    start = datetime.datetime(2026, 12, 12, 9, 0, tzinfo=PARIS)
    return SessionFactory(start=start, end=start + datetime.timedelta(days=1, hours=8), **kwargs)


def _learner(session, name="Éloïse"):
    user = UserFactory(first_name=name)
    (outcome,) = registration_service.register(user=user, sessions=[session], role=Role.LEARNER, notify=False)
    return outcome.registration


def _invite(registration):
    """E-mail the invitation (PDF and .ics); its calendar's VEVENTs by UID."""
    mail.outbox.clear()
    documents.issue(kind="session_invitation", registration=registration, send_email=True)
    (message,) = mail.outbox
    return _vevents(message)


def _calendar(message):
    found = [a for a in message.attachments if a[0].endswith(".ics")]
    return Calendar.from_ical(found[0][1]) if found else None


def _vevents(message):
    return {str(v["UID"]): v for v in _calendar(message).walk("VEVENT")}


def _send():
    mail.outbox.clear()
    call_command("cursus_send_notifications", verbosity=0)
    return list(mail.outbox)


def _form(session, **changes):
    local = {name: getattr(session, name).astimezone(session.tzinfo) for name in ("start", "end")}
    data = {
        "course": session.course_id,
        "code": session.code,
        "name": session.name,
        "description": "",
        "status": session.status,
        "start_0": local["start"].strftime("%Y-%m-%d"),
        "start_1": local["start"].strftime("%H:%M:%S"),
        "end_0": local["end"].strftime("%Y-%m-%d"),
        "end_1": local["end"].strftime("%H:%M:%S"),
        "time_zone": session.time_zone,
        "place": session.place,
        "capacity": "",
        "waiting_list_enabled": "on",
        "workspace_key": session.workspace_key,
        "events-TOTAL_FORMS": "0",
        "events-INITIAL_FORMS": "0",
        "events-MIN_NUM_FORMS": "0",
        "events-MAX_NUM_FORMS": "1000",
    }
    data.update(changes)
    return data


def _post(client, session, **changes):
    url = reverse("admin:cursus_xblock_session_change", args=[session.pk])
    response = client.post(url, _form(session, **changes))
    assert response.status_code == 302, response.context["adminform"].form.errors
    session.refresh_from_db()
    return response


def test_details_changed_admin_moves_a_session_and_the_invited_calendar_follows(admin_client, media):
    session = _session(name="Premiers secours")
    invited, never = _learner(session), _learner(session, "Noé")
    (uid, invitation), *_ = _invite(invited).items()
    assert uid == f"cursus-session-{session.pk}-user-{invited.user.pk}@localhost"

    _post(admin_client, session, start_0="2026-12-19", end_0="2026-12-20")

    assert Notification.objects.filter(trigger=CHANGED).count() == 2
    sent = {message.to[0]: message for message in _send()}
    assert set(sent) == {invited.user.email, never.user.email}
    message = sent[invited.user.email]
    assert message.subject == "Dates or place changed: Premiers secours"
    assert "have changed" in message.body
    calendar = _calendar(message)
    assert str(calendar["METHOD"]) == "REQUEST"
    assert [str(tz["TZID"]) for tz in calendar.walk("VTIMEZONE")] == ["Europe/Paris"]
    ((new_uid, vevent),) = _vevents(message).items()
    assert new_uid == uid
    assert int(vevent["SEQUENCE"]) > int(invitation["SEQUENCE"])
    assert vevent.decoded("DTSTART") == datetime.datetime(2026, 12, 19, 9, 0, tzinfo=PARIS)
    assert vevent["DTSTART"].params["TZID"] == "Europe/Paris"
    # Never invited: told in words, no calendar entry out of the blue.
    assert _calendar(sent[never.user.email]) is None
    # Sent once: the command run again finds nothing due.
    assert _send() == []


def test_details_changed_two_changes_send_two_messages_whose_sequences_increase(admin_client, media):
    session = _session()
    registration = _learner(session)
    _invite(registration)

    _post(admin_client, session, start_1="10:00:00")
    (first,) = _send()
    _post(admin_client, session, place="Paris, salle Rameau")
    (second,) = _send()

    (one,), (two,) = _vevents(first).values(), _vevents(second).values()
    assert str(one["UID"]) == str(two["UID"])
    assert int(two["SEQUENCE"]) == int(one["SEQUENCE"]) + 1
    assert str(two["LOCATION"]) == "Paris, salle Rameau"
    assert "Paris, salle Rameau" in second.body


def test_details_changed_name_only_sends_nothing(admin_client, media):
    session = _session()
    _invite(_learner(session))
    _post(admin_client, session, name="Nouveau nom")
    assert Notification.objects.filter(trigger=CHANGED).count() == 0
    assert _send() == []


def test_details_changed_do_not_notify_sends_nothing(admin_client, media):
    session = _session()
    _invite(_learner(session))
    page = admin_client.get(reverse("admin:cursus_xblock_session_change", args=[session.pk])).content.decode()
    assert 'name="silent"' in page
    _post(admin_client, session, start_1="10:00:00", silent="on")
    assert session.start == datetime.datetime(2026, 12, 12, 10, 0, tzinfo=PARIS)
    assert Notification.objects.filter(trigger=CHANGED).count() == 0
    assert _send() == []


def test_details_changed_switched_off_for_the_course_sends_nothing(admin_client, media):
    session = _session()
    _learner(session)
    NotificationSwitch.objects.create(course=session.course, trigger=CHANGED, enabled=False)
    _post(admin_client, session, start_1="10:00:00")
    assert _send() == []


def test_details_changed_a_moved_seance_tells_its_learners_with_its_uid(admin_client, media):
    session = _session()
    seance = EventFactory(session=session, registration_type=EventRegistrationType.AUTO)
    registration = _learner(session)
    invitation = _invite(registration)
    uid = f"cursus-event-{seance.pk}-user-{registration.user.pk}@localhost"
    assert list(invitation) == [uid]
    other = EventFactory(session=session, registration_type=EventRegistrationType.MANUAL)

    url = reverse("admin:cursus_xblock_event_change", args=[seance.pk])
    local = (seance.start + datetime.timedelta(hours=2)).astimezone(PARIS)
    end = (seance.end + datetime.timedelta(hours=2)).astimezone(PARIS)
    response = admin_client.post(
        url,
        {
            "session": session.pk,
            "name": seance.name,
            "description": "",
            "start_0": local.strftime("%Y-%m-%d"),
            "start_1": local.strftime("%H:%M:%S"),
            "end_0": end.strftime("%Y-%m-%d"),
            "end_1": end.strftime("%H:%M:%S"),
            "place": "",
            "capacity": "",
            "registration_type": "auto",
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors

    (message,) = _send()
    assert seance.name in message.body
    vevent = _vevents(message)[uid]
    assert int(vevent["SEQUENCE"]) == int(invitation[uid]["SEQUENCE"]) + 1
    assert vevent.decoded("DTSTART") == local
    # A séance nobody is registered in tells nobody.
    other.start += datetime.timedelta(hours=1)
    other.end += datetime.timedelta(hours=1)
    schedule.event_save(event=other)
    assert _send() == []


def test_details_changed_queued_twice_is_one_message(media):
    from cursus_xblock.services import notifications

    session = _session()
    _learner(session)
    session.start += datetime.timedelta(days=1)
    session.end += datetime.timedelta(days=1)
    registration_service.session_update(session=session)
    notifications.queue_details_changed(session)  # the same change queued again (a retry)
    assert Notification.objects.filter(trigger=CHANGED).count() == 1
    assert len(_send()) == 1


def test_a_cancelled_session_sends_cancel_to_everyone_invited(admin_user):
    """Issue 17 item 3: cancelling a session takes its entries out of the calendars of those invited
    (METHOD:CANCEL, the invitation's UIDs); someone never invited is told without a calendar."""
    session = _session()
    invited, never = _learner(session), _learner(session, name="Noé")
    sent = _invite(invited)
    _send()

    registration_service.session_update(session=session, actor=admin_user, status="cancelled")
    messages = {m.to[0]: m for m in _send()}

    cancelled = _calendar(messages[invited.user.email])
    assert str(cancelled["METHOD"]) == "CANCEL"
    events = {str(v["UID"]): v for v in cancelled.walk("VEVENT")}
    assert set(events) == set(sent)
    assert all(str(v["STATUS"]) == "CANCELLED" for v in events.values())
    assert _calendar(messages[never.user.email]) is None
    assert _send() == []  # once
