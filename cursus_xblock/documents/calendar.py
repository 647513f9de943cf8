"""iCalendar (RFC 5545) files for training invitations and cancellations.

Pure: plain data in, bytes out, no Django model imported. Times are written in the session's own
time zone (``DTSTART;TZID=Europe/Paris:20261212T090000``) with a generated ``VTIMEZONE`` for each
zone used, so that a calendar client shows the right local time wherever the reader is.

Sending one by e-mail (iMIP, RFC 6047): the MIME part is
``text/calendar; charset="utf-8"; method=REQUEST`` (or ``method=CANCEL``), the method matching the
``METHOD`` inside. Outlook reads only the first ``VEVENT`` of such a message, so send one item per
message when the recipient may use Outlook.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from icalendar import Calendar, Event, Timezone, vCalAddress, vUri

METHODS = ("REQUEST", "CANCEL", "PUBLISH")
DEFAULT_PRODUCT_ID = "-//cursus-xblock//Training sessions//EN"


def _aware(value):
    return isinstance(value, datetime) and value.tzinfo is not None and value.utcoffset() is not None


def _zone(name):
    """The ``ZoneInfo`` for an IANA name, or ``ValueError``: unknown and malformed names alike."""
    if not isinstance(name, str) or not name:
        raise ValueError(f"time_zone must be an IANA time zone name such as 'Europe/Paris', got {name!r}.")
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"Unknown time zone {name!r}: use an IANA name such as 'Europe/Paris'.") from exc


@dataclass(frozen=True)
class CalendarItem:
    """One ``VEVENT``: one event (séance) for one person.

    ``uid`` stays the same for that event and person across every message about it (invitation,
    new dates, cancellation); ``sequence`` increases each time the dates change. ``start`` and
    ``end`` are aware datetimes in any zone: they are written in ``time_zone``, the session's (a
    time in the hour repeated when summer time ends is read back as its first occurrence).
    """

    uid: str
    sequence: int
    summary: str
    start: datetime
    end: datetime
    time_zone: str
    location: str = ""
    description: str = ""
    url: str = ""

    def __post_init__(self):
        if not isinstance(self.uid, str) or not self.uid.strip():
            raise ValueError("CalendarItem.uid must be a non-empty string.")
        if isinstance(self.sequence, bool) or not isinstance(self.sequence, int) or self.sequence < 0:
            raise ValueError(f"CalendarItem.sequence must be an integer >= 0, got {self.sequence!r}.")
        for name in ("start", "end"):
            value = getattr(self, name)
            if not _aware(value):
                raise ValueError(f"CalendarItem.{name} must be an aware datetime (with a time zone), got {value!r}.")
        if self.end <= self.start:
            raise ValueError(
                f"CalendarItem.end ({self.end.isoformat()}) must be after start ({self.start.isoformat()})."
            )
        _zone(self.time_zone)


def _address(email, name, **params):
    """A ``mailto:`` address with its parameters (``role="CHAIR"`` → ``ROLE=CHAIR``).

    By hand rather than ``vCalAddress.new``, which the LMS's icalendar (6.3) does not have; the
    result is the same (booleans as ``TRUE``/``FALSE``).
    """
    address = vCalAddress(f"mailto:{email}")
    if name:
        address.params["CN"] = name
    for key, value in params.items():
        address.params[key.upper()] = ("TRUE" if value else "FALSE") if isinstance(value, bool) else value
    return address


def _vtimezone(name, items):
    """The ``VTIMEZONE`` for zone ``name``, covering the years of ``items`` (kept small: the
    generated component lists every transition of that period as an ``RDATE``).

    icalendar writes transitions as DTSTART/RDATE, never RRULE; Outlook desktop is reported to
    ignore RDATE in VTIMEZONE, which the tests cannot check.
    """
    zone = _zone(name)
    first = min(item.start.astimezone(zone) for item in items).year
    last = max(item.end.astimezone(zone) for item in items).year
    return Timezone.from_tzinfo(zone, tzid=name, first_date=date(first, 1, 1), last_date=date(last + 1, 1, 1))


def build_calendar(
    items: Iterable[CalendarItem],
    *,
    method: str = "REQUEST",
    organizer_email: str = "",
    organizer_name: str = "",
    attendee_email: str = "",
    attendee_name: str = "",
    product_id: str = DEFAULT_PRODUCT_ID,
    now: datetime | None = None,
) -> bytes:
    """The ``.ics`` file (UTF-8 bytes, CRLF, lines folded at 75 octets) with one ``VEVENT`` per item.

    ``method="REQUEST"`` invites (or updates: same ``uid``, higher ``sequence``).
    ``method="PUBLISH"`` is a plain calendar to import ("Add to calendar"): no reply expected.
    ``method="CANCEL"`` cancels: each ``VEVENT`` gets ``STATUS:CANCELLED``; pass the same ``uid``
    as the invitation and a ``sequence`` **greater than the last one sent** for that uid, or
    clients ignore the cancellation as out of date. This module keeps no history: the caller
    tracks the sequence.

    ``ORGANIZER`` and ``ATTENDEE`` (``mailto:``) are written only when their e-mail is given; iTIP
    (RFC 5546) expects both in a REQUEST or CANCEL sent by e-mail. ``now`` (aware) fixes
    ``DTSTAMP``, written in UTC; it defaults to the current time, the only non-deterministic part.
    """
    items = list(items)
    method = method.upper() if isinstance(method, str) else method
    if method not in METHODS:
        raise ValueError(f"method must be one of {', '.join(METHODS)}, got {method!r}.")
    if not items:
        raise ValueError("build_calendar needs at least one CalendarItem.")
    if not all(isinstance(item, CalendarItem) for item in items):
        raise ValueError("build_calendar takes CalendarItem instances.")
    uids = [item.uid for item in items]
    if len(set(uids)) != len(uids):
        raise ValueError("Each CalendarItem of one calendar needs its own uid.")
    if now is None:
        now = datetime.now(tz=UTC)
    elif not _aware(now):
        raise ValueError(f"now must be an aware datetime, got {now!r}.")
    stamp = now.astimezone(UTC).replace(microsecond=0)

    calendar = Calendar()  # not Calendar.new(): it adds a random calendar UID
    calendar.add("PRODID", product_id)
    calendar.add("VERSION", "2.0")
    calendar.add("CALSCALE", "GREGORIAN")
    calendar.add("METHOD", method)

    events = []
    for item in items:
        zone = _zone(item.time_zone)
        # Component.add throughout: icalendar 6.3 (the LMS's) has no summary, location, url,
        # status, organizer or attendees attributes, and setting one there would silently write
        # nothing (a Component takes any attribute).
        event = Event()
        event.add("UID", item.uid)
        event.add("SEQUENCE", item.sequence)
        event.add("DTSTAMP", stamp)
        event.add("DTSTART", item.start.astimezone(zone))
        event.add("DTEND", item.end.astimezone(zone))
        event.add("SUMMARY", item.summary)
        if item.location:
            event.add("LOCATION", item.location)
        if item.description:
            event.add("DESCRIPTION", item.description)
        if item.url:
            event.add("URL", vUri(item.url))
        if method == "CANCEL":
            event.add("STATUS", "CANCELLED")
        if organizer_email:
            event.add("ORGANIZER", _address(organizer_email, organizer_name))
        if attendee_email:
            event.add(
                "ATTENDEE",
                _address(attendee_email, attendee_name, role="REQ-PARTICIPANT", partstat="NEEDS-ACTION", rsvp=False),
            )
        events.append(event)

    # VTIMEZONEs first (clients read them before the events referring to them), for the zones
    # actually referenced: UTC is written with a "Z" and needs none.
    used = {}
    for item, event in zip(items, events, strict=True):
        tzid = event["DTSTART"].params.get("TZID")
        if tzid:
            used.setdefault(tzid, []).append(item)
    for tzid in sorted(used):
        calendar.add_component(_vtimezone(tzid, used[tzid]))
    for event in events:
        calendar.add_component(event)
    return calendar.to_ical()
