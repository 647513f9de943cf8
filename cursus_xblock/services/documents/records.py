"""What an issued document is once recorded: its verification address, its stored bytes, its snapshot.

Shared by issuing, mail and batches (and read by the verification page), so none of them needs
another for these.
"""

import datetime
import zoneinfo

from django.conf import settings as django_settings
from django.urls import reverse

from ...conf import settings
from ...models import EventRegistration, IssuedDocument, Registration
from ...utils.dates import date_range


def site_url():
    return (settings.SITE_URL or getattr(django_settings, "LMS_ROOT_URL", "") or "http://localhost:8000").rstrip("/")


def verification_url(code):
    return site_url() + reverse("cursus_xblock:verify", args=[code])


def normalize(registration, event):
    """(session registration with its user and course, event): an event registration names its event."""
    if isinstance(registration, EventRegistration):
        event = event or registration.event
        registration = registration.registration
    registration = Registration.objects.select_related("user", "session__course").get(pk=registration.pk)
    return registration, event


def snapshot_dates(details):
    """The snapshot's dates in the viewer's language: « 12/12/2026 09:00 – 17:00 (Europe/Paris) »."""
    try:
        start, end = (datetime.datetime.fromisoformat(details[k]) for k in ("start", "end"))
        return date_range(start, end, zoneinfo.ZoneInfo(details["time_zone"]))
    except (KeyError, ValueError, zoneinfo.ZoneInfoNotFoundError):
        return details.get("dates", "")


def read_content(issued):
    """The stored bytes, exactly as issued."""
    with issued.file.open("rb") as handle:
        return handle.read()


def verify(code):
    """The issued document with this verification code, or None."""
    code = (code or "").strip().upper()
    return IssuedDocument.objects.select_related("template_version").filter(verification_code=code).first()
