"""Self check-in (émargement): a trainer opens a séance's window, learners sign with its rotating code.

The code is an HMAC of the séance and the current minute, keyed by the site's secret and a secret
drawn at each opening: the trainer's screen shows it (and a QR code of the short URL carrying it),
the current and the previous minute's codes are accepted, so a photo of yesterday's QR code, or
of this morning's, is worthless. A learner signs for themself only: the services take the
requesting user, never a person named in the request. A signature leaves the attendance as it
was and waits, « to be validated », until a trainer records the attendance (the roll call does it
row by row, ``validate_checkins`` for all at once); every step is a history row or carries its
actor and time. A trainer (or manager) countersigns once per séance.
"""

import base64
import binascii
import datetime
import hashlib
import hmac
import io
import secrets

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..models import (
    Attendance,
    CheckInWindow,
    Event,
    EventRegistration,
    HistoryAction,
    RegistrationStatus,
    Role,
    Signature,
    SignatureRole,
)
from . import attendance, history
from .outcomes import RegistrationError

OPENS_BEFORE = datetime.timedelta(minutes=15)
CLOSES_AFTER = datetime.timedelta(minutes=30)
SLOT_SECONDS = 60
CODE_DIGITS = 6
MAX_SIGNATURE_BYTES = 100 * 1024
MAX_SIGNATURE_PIXELS = (2000, 1000)
PNG_DATA_URL = "data:image/png;base64,"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"

TOO_EARLY = _("Check-in opens 15 minutes before the séance starts, not earlier.")
TOO_LATE = _("The check-in window of this séance is over (it ends 30 minutes after the séance).")
BAD_WINDOW = _("Check-in must close after it opens, within 15 minutes before and 30 minutes after the séance.")
CLOSED = _("Check-in is closed for this séance.")
NOT_OPEN = _("Check-in is not open for this séance.")
NOT_A_LEARNER = _("You are not a registered learner of this séance.")
WRONG_CODE = _("This code is wrong or has expired: enter the code shown on the trainer's screen now.")
NO_SIGNATURE = _("Sign in the box, or type your full name.")
BAD_SIGNATURE = _("The signature must be a PNG image of at most 100 KB, drawn in the box.")
EMPTY_SIGNATURE = _("The signature box is empty: draw your signature, or type your full name.")
BAD_TYPED_NAME = _("Type your full name (2 to 150 characters).")
ALREADY_SIGNED = _("You have already checked in at this séance.")
ALREADY_COUNTERSIGNED = _("You have already countersigned this séance.")
NOT_STARTED = _("A séance is countersigned once it has started.")


def default_window(event):
    """From 15 minutes before the séance to 30 minutes after it."""
    return event.start - OPENS_BEFORE, event.end + CLOSES_AFTER


def latest_window(event, *, lock=False):
    """The séance's latest opening of check-in (its current window, open or not), or None."""
    windows = CheckInWindow.objects.filter(event=event).order_by("-opened_at", "-pk")
    return (windows.select_for_update() if lock else windows).first()


def current_window(event, now=None):
    """The séance's window if check-in is open now; else None."""
    window = latest_window(event)
    return window if window is not None and window.is_open(now) else None


def _slot(now):
    return int(now.timestamp()) // SLOT_SECONDS


def _code(window, slot):
    key = f"{settings.SECRET_KEY}:{window.secret}".encode()
    digest = hmac.new(key, f"{window.event_id}:{slot}".encode(), hashlib.sha256).digest()
    return str(int.from_bytes(digest[:8], "big") % 10**CODE_DIGITS).zfill(CODE_DIGITS)


def checkin_code(window, now=None):
    """The code the trainer's screen shows now, and until when it is the current one."""
    now = now or timezone.now()
    slot = _slot(now)
    return _code(window, slot), datetime.datetime.fromtimestamp((slot + 1) * SLOT_SECONDS, tz=datetime.UTC)


def code_matches(window, code, now=None):
    """The current or the previous minute's code: a learner typing it as it turns still gets in."""
    code = "".join(str(code or "").split())
    slot = _slot(now or timezone.now())
    return any(hmac.compare_digest(code, _code(window, s)) for s in (slot, slot - 1))


@transaction.atomic
def open_checkin(*, event, actor, closes_at=None, now=None):
    """Open (or reopen) check-in for a séance; the caller checked that ``actor`` takes its attendance.

    A new window (and secret) at each opening, the open one closed by ``actor``: the codes of an
    earlier opening stop working, and each opening stays on record.
    """
    now = now or timezone.now()
    earliest, latest = default_window(event)
    if now < earliest:
        raise RegistrationError(TOO_EARLY, code="too_early")
    if now >= latest:
        raise RegistrationError(TOO_LATE, code="too_late")
    closes_at = closes_at or latest
    if not (now < closes_at <= latest):
        raise RegistrationError(BAD_WINDOW, code="bad_window")
    Event.objects.select_for_update().filter(pk=event.pk).first()  # one opening at a time per séance
    previous = latest_window(event)
    if previous is not None and previous.is_open(now):
        _close(previous, actor, now)
    return CheckInWindow.objects.create(
        event=event,
        opens_at=earliest,
        closes_at=closes_at,
        secret=secrets.token_hex(32),
        opened_by=actor,
        opened_at=now,
    )


def _close(window, actor, now):
    window.closes_at, window.closed_by, window.closed_at = now, actor, now
    window.save(update_fields=["closes_at", "closed_by", "closed_at"])


@transaction.atomic
def close_checkin(*, event, actor, now=None):
    """Close check-in early: from now on no code is accepted."""
    now = now or timezone.now()
    Event.objects.select_for_update().filter(pk=event.pk).first()
    window = latest_window(event)
    if window is None or not window.is_open(now):
        raise RegistrationError(NOT_OPEN, code="not_open")
    _close(window, actor, now)
    return window


def signature_image(value):
    """The PNG bytes of a canvas's ``data:image/png;base64,…`` URL, checked; ``RegistrationError`` else.

    Checked for what it is (PNG signature and Pillow's reading, not the name it claims), its size,
    and that something was drawn: a blank box is no signature.
    """
    from PIL import Image, UnidentifiedImageError

    if not isinstance(value, str) or not value.startswith(PNG_DATA_URL):
        raise RegistrationError(BAD_SIGNATURE, code="bad_signature")
    encoded = value[len(PNG_DATA_URL) :]
    if len(encoded) > (MAX_SIGNATURE_BYTES * 4) // 3 + 4:
        raise RegistrationError(BAD_SIGNATURE, code="bad_signature")
    try:
        content = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        raise RegistrationError(BAD_SIGNATURE, code="bad_signature") from None
    if len(content) > MAX_SIGNATURE_BYTES or not content.startswith(PNG_MAGIC):
        raise RegistrationError(BAD_SIGNATURE, code="bad_signature")
    try:
        with Image.open(io.BytesIO(content)) as image:
            if image.format != "PNG" or image.width > MAX_SIGNATURE_PIXELS[0] or image.height > MAX_SIGNATURE_PIXELS[1]:
                raise RegistrationError(BAD_SIGNATURE, code="bad_signature")
            image.load()
            drawn = image.convert("RGBA")
            alpha_box = drawn.getchannel("A").getbbox()
            ink_box = drawn.convert("L").point(lambda v: 255 if v < 200 else 0).getbbox()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise RegistrationError(BAD_SIGNATURE, code="bad_signature") from None
    if alpha_box is None or (ink_box is None and drawn.getchannel("A").getextrema()[0] == 255):
        raise RegistrationError(EMPTY_SIGNATURE, code="empty_signature")
    return content


def _signature_fields(image, typed_name):
    """``(png bytes or None, typed name)`` from what the person sent: a drawing, or else a typed name."""
    if image:
        return signature_image(image), ""
    typed = " ".join(str(typed_name or "").split())
    if not typed:
        raise RegistrationError(NO_SIGNATURE, code="no_signature")
    if not 2 <= len(typed) <= 150:
        raise RegistrationError(BAD_TYPED_NAME, code="bad_typed_name")
    return None, typed


@transaction.atomic
def check_in(*, event, user, code, image=None, typed_name="", now=None):
    """``user`` checks in at ``event`` with the séance's code and their signature; the ``Signature``.

    The learner is the requesting user, always. Their attendance does not change: the signature is
    « present — to be validated » until a trainer records it.
    """
    now = now or timezone.now()
    earliest, latest = default_window(event)
    if now < earliest:
        raise RegistrationError(TOO_EARLY, code="too_early")
    window = latest_window(event)
    if now >= latest:
        raise RegistrationError(TOO_LATE, code="too_late")
    if window is None or not window.is_open(now):
        raise RegistrationError(CLOSED, code="closed")
    row = (
        EventRegistration.objects.select_for_update()
        .select_related("registration")
        .filter(
            event=event,
            registration__user=user,
            registration__role=Role.LEARNER,
            registration__status=RegistrationStatus.CONFIRMED,
            status=RegistrationStatus.CONFIRMED,
        )
        .first()
    )
    if row is None:
        raise RegistrationError(NOT_A_LEARNER, code="not_registered")
    if not code_matches(window, code, now):
        raise RegistrationError(WRONG_CODE, code="wrong_code")
    content, typed = _signature_fields(image, typed_name)
    if Signature.objects.filter(event=event, user=user, role=SignatureRole.LEARNER).exists():
        raise RegistrationError(ALREADY_SIGNED, code="already_signed")
    try:
        with transaction.atomic():
            signature = Signature.objects.create(
                event=event,
                user=user,
                role=SignatureRole.LEARNER,
                event_registration=row,
                image=content,
                typed_name=typed,
                signed_at=now,
            )
    except IntegrityError:  # the same person signing from two tabs at once
        raise RegistrationError(ALREADY_SIGNED, code="already_signed") from None
    history.record(
        [
            history.entry(
                registration=row.registration,
                event_registration=row,
                action=HistoryAction.CHECKED_IN,
                old_value=row.attendance,
                new_value=CHECKED_IN,
                actor=user,
                when=now,
            )
        ]
    )
    return signature


CHECKED_IN = "checked_in"


@transaction.atomic
def validate_checkins(*, event, actor):
    """Every learner who signed and waits for validation is recorded present; the number validated."""
    pending = Signature.objects.filter(
        event=event, role=SignatureRole.LEARNER, validated_at__isnull=True, event_registration__isnull=False
    ).values_list("event_registration_id", flat=True)
    marks = {pk: Attendance.PRESENT for pk in pending}
    if not marks:
        return 0
    attendance.attendance_mark_many(event=event, marks=marks, actor=actor, reason=str(_("Check-in validated")))
    return len(marks)


@transaction.atomic
def countersign(*, event, actor, image=None, typed_name="", now=None):
    """The trainer's (or manager's) own signature on the séance's sheet, once per séance and person."""
    now = now or timezone.now()
    if event.start > now:
        raise RegistrationError(NOT_STARTED, code="event_not_started")
    content, typed = _signature_fields(image, typed_name)
    try:
        with transaction.atomic():
            return Signature.objects.create(
                event=event, user=actor, role=SignatureRole.TRAINER, image=content, typed_name=typed, signed_at=now
            )
    except IntegrityError:
        raise RegistrationError(ALREADY_COUNTERSIGNED, code="already_signed") from None


def checkin_url(event, code=""):
    """The short address learners open (the QR code's), carrying the current code when given."""
    from django.urls import reverse

    from .documents.records import site_url

    url = site_url() + reverse("cursus_xblock:checkin", args=[event.pk])
    return f"{url}?code={code}" if code else url


def code_panel(window, now=None):
    """What the trainer's screen shows of an open window: the code, the short URL and its QR code."""
    from ..documents.render import qr_code_data_uri

    code, expires = checkin_code(window, now)
    url = checkin_url(window.event, code)
    return {"code": code, "url": url, "qr": qr_code_data_uri(url), "expires": expires.isoformat()}
