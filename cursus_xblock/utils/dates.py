"""Showing a session's dates the way people read them: in the session's own time zone, zone named."""

from django.utils import formats, timezone


def local(value, tz):
    return timezone.localtime(value, tz)


def date_range(start, end, tz):
    """« 12/12/2026 09:00 – 17:30 (Europe/Paris) », the end's date repeated only when it differs."""
    start, end = local(start, tz), local(end, tz)
    first = formats.date_format(start, "SHORT_DATETIME_FORMAT")
    if start.date() == end.date():
        last = formats.time_format(end, "TIME_FORMAT")
    else:
        last = formats.date_format(end, "SHORT_DATETIME_FORMAT")
    return f"{first} – {last} ({tz.key})"


def long_date_range(start, end, tz):
    """« 12 December 2026, 09:00 – 17:30 (Europe/Paris) »: for learners, who read dates in words."""
    start, end = local(start, tz), local(end, tz)
    first = f"{formats.date_format(start, 'DATE_FORMAT')}, {formats.time_format(start, 'TIME_FORMAT')}"
    if start.date() == end.date():
        last = formats.time_format(end, "TIME_FORMAT")
    else:
        last = f"{formats.date_format(end, 'DATE_FORMAT')}, {formats.time_format(end, 'TIME_FORMAT')}"
    return f"{first} – {last} ({tz.key})"
