"""iCalendar invitations: parsed back with icalendar, checked property by property, and strictly."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar
from icalendar.parser import Contentline, Contentlines

from cursus_xblock.documents.calendar import CalendarItem, build_calendar

PARIS = ZoneInfo("Europe/Paris")
MONTREAL = ZoneInfo("America/Montreal")
NOW = datetime(2026, 11, 2, 8, 30, 15, tzinfo=UTC)


def item(**overrides):
    values = {
        "uid": "cursus-event-12-user-7@example.org",
        "sequence": 0,
        "summary": "Séance 1 — Théorie",
        "start": datetime(2026, 12, 12, 9, 0, tzinfo=PARIS),
        "end": datetime(2026, 12, 12, 17, 30, tzinfo=PARIS),
        "time_zone": "Europe/Paris",
        "location": "Lyon — salle Molière",
        "description": "Apporter un ordinateur portable.\nPause déjeuner : 12 h 30.",
        "url": "https://lms.example.org/courses/course-v1:Org+C1+2026/cursus/",
    }
    values.update(overrides)
    return CalendarItem(**values)


# Across a DST change: Montreal springs forward on 2026-03-08, Paris falls back on 2026-10-25.
MONTREAL_ACROSS_DST = item(
    uid="cursus-event-13-user-7@example.org",
    summary="Séance 2 — Pratique",
    start=datetime(2026, 3, 7, 9, 0, tzinfo=MONTREAL),
    end=datetime(2026, 3, 9, 16, 0, tzinfo=MONTREAL),
    time_zone="America/Montreal",
    location="Montréal — salle Émile-Nelligan",
)
PARIS_ACROSS_DST = item(
    uid="cursus-event-14-user-7@example.org",
    start=datetime(2026, 10, 24, 9, 0, tzinfo=PARIS),
    end=datetime(2026, 10, 26, 17, 0, tzinfo=PARIS),
)


def build(items=None, **kwargs):
    kwargs.setdefault("now", NOW)
    return build_calendar([item()] if items is None else items, **kwargs)


def parse(data):
    return Calendar.from_ical(data)


def test_calendar_properties():
    calendar = parse(build())
    assert calendar["METHOD"] == "REQUEST"
    assert calendar["VERSION"] == "2.0"
    assert calendar["CALSCALE"] == "GREGORIAN"
    assert calendar["PRODID"] == "-//cursus-xblock//Training sessions//EN"
    assert "UID" not in calendar  # Calendar.new() would add a random one
    assert parse(build(product_id="-//Example//Formations//FR"))["PRODID"] == "-//Example//Formations//FR"


def test_one_vevent_per_item_with_its_properties_and_accents():
    items = [item(sequence=3), MONTREAL_ACROSS_DST]
    events = parse(build(items)).events
    assert len(events) == 2
    first, second = events
    assert str(first["UID"]) == "cursus-event-12-user-7@example.org"
    assert first["SEQUENCE"] == 3
    assert str(first["SUMMARY"]) == "Séance 1 — Théorie"
    assert str(first["LOCATION"]) == "Lyon — salle Molière"
    assert str(first["DESCRIPTION"]) == "Apporter un ordinateur portable.\nPause déjeuner : 12 h 30."
    assert str(first["URL"]) == "https://lms.example.org/courses/course-v1:Org+C1+2026/cursus/"
    assert str(second["UID"]) == "cursus-event-13-user-7@example.org"
    assert second["SEQUENCE"] == 0
    assert str(second["SUMMARY"]) == "Séance 2 — Pratique"
    assert str(second["LOCATION"]) == "Montréal — salle Émile-Nelligan"


def test_empty_optional_texts_are_left_out():
    (event,) = parse(build([item(location="", description="", url="")])).events
    assert "LOCATION" not in event and "DESCRIPTION" not in event and "URL" not in event


@pytest.mark.parametrize(
    "calendar_item, zone",
    [(item(), "Europe/Paris"), (PARIS_ACROSS_DST, "Europe/Paris"), (MONTREAL_ACROSS_DST, "America/Montreal")],
    ids=["paris", "paris-across-dst", "montreal-across-dst"],
)
def test_times_are_written_in_the_session_zone_and_keep_the_instant(calendar_item, zone):
    (event,) = parse(build([calendar_item])).events
    for name, expected in (("DTSTART", calendar_item.start), ("DTEND", calendar_item.end)):
        assert event[name].params["TZID"] == zone
        assert event[name].dt.astimezone(UTC) == expected.astimezone(UTC)


def test_input_in_another_zone_is_converted_to_the_session_zone():
    start = datetime(2026, 12, 12, 8, 0, tzinfo=UTC)  # 09:00 in Paris
    data = build([item(start=start, end=start + timedelta(hours=3))])
    assert b"DTSTART;TZID=Europe/Paris:20261212T090000\r\n" in data
    assert b"DTEND;TZID=Europe/Paris:20261212T120000\r\n" in data


def test_a_vtimezone_for_each_zone_used_that_gives_the_right_offsets():
    items = [item(), PARIS_ACROSS_DST, MONTREAL_ACROSS_DST]
    calendar = parse(build(items))
    assert sorted(tz.tz_name for tz in calendar.timezones) == ["America/Montreal", "Europe/Paris"]
    assert calendar.get_missing_tzids() == set()
    data = build(items)
    assert data.index(b"BEGIN:VTIMEZONE") < data.index(b"BEGIN:VEVENT")
    # The VTIMEZONE alone (not the IANA database the parser would use) places each time correctly.
    zones = {tz.tz_name: tz.to_tz(lookup_tzid=False) for tz in calendar.timezones}
    for calendar_item, event in zip(items, calendar.events, strict=True):
        zone = zones[calendar_item.time_zone]
        for name, expected in (("DTSTART", calendar_item.start), ("DTEND", calendar_item.end)):
            wall = event[name].dt.replace(tzinfo=None)
            assert wall.replace(tzinfo=zone).astimezone(UTC) == expected.astimezone(UTC), (calendar_item.uid, name)
    # Both sides of each change are covered: standard then daylight in Montreal, the reverse in Paris.
    assert MONTREAL_ACROSS_DST.start.utcoffset() == timedelta(hours=-5)
    assert MONTREAL_ACROSS_DST.end.utcoffset() == timedelta(hours=-4)
    assert PARIS_ACROSS_DST.start.utcoffset() == timedelta(hours=2)
    assert PARIS_ACROSS_DST.end.utcoffset() == timedelta(hours=1)


def test_a_utc_session_needs_no_vtimezone():
    start = datetime(2026, 12, 12, 9, 0, tzinfo=UTC)
    data = build([item(start=start, end=start + timedelta(hours=2), time_zone="UTC")])
    assert b"DTSTART:20261212T090000Z\r\n" in data
    assert parse(data).timezones == []


def test_cancel():
    invitation = item(sequence=1)
    cancellation = item(sequence=2)
    calendar = parse(build([cancellation], method="CANCEL"))
    assert calendar["METHOD"] == "CANCEL"
    (event,) = calendar.events
    assert event["STATUS"] == "CANCELLED"
    assert str(event["UID"]) == invitation.uid
    assert event["SEQUENCE"] == 2


def test_request_has_no_status():
    (event,) = parse(build()).events
    assert "STATUS" not in event


def test_attendee_and_organizer():
    (event,) = parse(
        build(
            organizer_email="formation@example.org",
            organizer_name="Équipe formation, Lyon",
            attendee_email="zoe.muller@example.org",
            attendee_name="Zoé Müller",
        )
    ).events
    organizer = event["ORGANIZER"]
    assert str(organizer) == "mailto:formation@example.org"
    assert organizer.params["CN"] == "Équipe formation, Lyon"
    attendee = event["ATTENDEE"]  # one attendee: the address itself, not a list
    assert str(attendee) == "mailto:zoe.muller@example.org"
    assert attendee.params["CN"] == "Zoé Müller"
    assert attendee.params["ROLE"] == "REQ-PARTICIPANT"
    assert attendee.params["PARTSTAT"] == "NEEDS-ACTION"
    assert attendee.params["RSVP"] == "FALSE"


def test_people_without_names_and_without_addresses():
    (event,) = parse(build(organizer_email="formation@example.org", attendee_email="zoe@example.org")).events
    assert str(event["ORGANIZER"]) == "mailto:formation@example.org"
    assert "CN" not in event["ORGANIZER"].params
    assert "CN" not in event["ATTENDEE"].params
    (event,) = parse(build()).events
    assert "ORGANIZER" not in event and "ATTENDEE" not in event


def test_dtstamp_is_now_in_utc_and_the_rest_deterministic():
    now = datetime(2026, 11, 2, 9, 30, 15, 123456, tzinfo=PARIS)
    data = build(now=now)
    assert b"DTSTAMP:20261102T083015Z\r\n" in data
    (event,) = parse(data).events
    assert event["DTSTAMP"].dt == NOW
    assert build(now=now) == data


def test_dtstamp_defaults_to_the_current_time():
    before = datetime.now(tz=UTC).replace(microsecond=0)
    (event,) = parse(build_calendar([item()])).events
    after = datetime.now(tz=UTC)
    assert before <= event["DTSTAMP"].dt <= after


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"start": datetime(2026, 12, 12, 9, 0)}, "start must be an aware datetime"),  # noqa: DTZ001
        ({"end": datetime(2026, 12, 12, 17, 0)}, "end must be an aware datetime"),  # noqa: DTZ001
        ({"start": datetime(2026, 12, 12, 9, 0).date()}, "start must be an aware datetime"),  # noqa: DTZ001
        ({"end": datetime(2026, 12, 12, 8, 0, tzinfo=PARIS)}, "must be after start"),
        ({"end": datetime(2026, 12, 12, 9, 0, tzinfo=PARIS)}, "must be after start"),
        ({"time_zone": "Europe/Lyon"}, "Unknown time zone"),
        ({"time_zone": "../etc/passwd"}, "Unknown time zone"),
        ({"time_zone": ""}, "IANA time zone name"),
        ({"sequence": -1}, "sequence must be an integer"),
        ({"uid": " "}, "uid must be a non-empty string"),
    ],
)
def test_invalid_items_are_refused(overrides, message):
    with pytest.raises(ValueError, match=message):
        item(**overrides)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"now": datetime(2026, 11, 2, 8, 30)}, "now must be an aware datetime"),  # noqa: DTZ001
        ({"method": "REFRESH"}, "method must be one of REQUEST, CANCEL, PUBLISH"),
        ({"items": []}, "at least one"),
        ({"items": [item(), item()]}, "its own uid"),
    ],
)
def test_invalid_calls_are_refused(kwargs, message):
    with pytest.raises(ValueError, match=message):
        build(**kwargs)


def test_output_survives_a_strict_reparse():
    data = build(
        [item(), PARIS_ACROSS_DST, MONTREAL_ACROSS_DST],
        organizer_email="formation@example.org",
        organizer_name='Équipe "formation"; Lyon',
        attendee_email="zoe@example.org",
        attendee_name="Zoé Müller",
    )
    text = data.decode("utf-8")  # strict: raises on any invalid byte
    assert text.endswith("\r\n") and "\n" not in text.replace("\r\n", "")
    for line in Contentlines.from_ical(text):
        if line:
            Contentline(line, strict=True).parts()  # raises on a malformed line
    calendar = parse(data)
    # The required properties (RFC 5545 3.6, 3.6.1), by hand: icalendar 6.3 has no Calendar.validate().
    assert {"PRODID", "VERSION"} <= set(calendar)
    for event in calendar.events:
        assert {"UID", "DTSTAMP", "DTSTART"} <= set(event)
    # The parser is lenient for events: it records errors instead of raising, so look at them.
    assert [(component.name, component.errors) for component in calendar.walk() if component.errors] == []
    assert calendar.to_ical() == data
    assert calendar.events[0]["ORGANIZER"].params["CN"] == 'Équipe "formation"; Lyon'


def test_lines_are_folded_at_75_octets_without_splitting_characters():
    description = "Théorie et pratique — séance intensive, "
    description = description * 8
    data = build([item(description=description, summary="Séance " + "é" * 60)])
    lines = data.split(b"\r\n")
    assert lines[-1] == b""
    assert any(line.startswith(b" ") for line in lines)  # something was folded
    for line in lines:
        assert len(line) <= 75, line
        line.decode("utf-8")  # a fold never falls inside a multi-byte character
    (event,) = parse(data).events
    assert str(event["DESCRIPTION"]) == description
    assert str(event["SUMMARY"]) == "Séance " + "é" * 60


def test_issue11_the_same_bytes_with_the_lms_icalendar():
    """The LMS pins icalendar 6.3.x, which has no ``vCalAddress.new`` and none of 7's ``summary``,
    ``organizer``, ``attendees`` … attributes (setting one there writes nothing). The event is
    built with ``Component.add``: these bytes, which icalendar 7 wrote before, on 6.3 and 7 alike."""
    data = build(
        method="CANCEL",
        organizer_email="formation@example.org",
        organizer_name="Équipe formation, Lyon",
        attendee_email="zoe@example.org",
        attendee_name="Zoé Müller",
    )

    assert data.decode()[data.decode().index("BEGIN:VEVENT") :] == (
        "BEGIN:VEVENT\r\n"
        "SUMMARY:Séance 1 — Théorie\r\n"
        "DTSTART;TZID=Europe/Paris:20261212T090000\r\n"
        "DTEND;TZID=Europe/Paris:20261212T173000\r\n"
        "DTSTAMP:20261102T083015Z\r\n"
        "UID:cursus-event-12-user-7@example.org\r\n"
        "SEQUENCE:0\r\n"
        'ATTENDEE;CN="Zoé Müller";PARTSTAT=NEEDS-ACTION;ROLE=REQ-PARTICIPANT;RSVP\r\n'
        " =FALSE:mailto:zoe@example.org\r\n"
        "DESCRIPTION:Apporter un ordinateur portable.\\nPause déjeuner : 12 h 30.\r\n"
        "LOCATION:Lyon — salle Molière\r\n"
        'ORGANIZER;CN="Équipe formation, Lyon":mailto:formation@example.org\r\n'
        "STATUS:CANCELLED\r\n"
        "URL:https://lms.example.org/courses/course-v1:Org+C1+2026/cursus/\r\n"
        "END:VEVENT\r\n"
        "END:VCALENDAR\r\n"
    )
