"""Delivering the queued messages: claimed once, sent in the person's language, retried with a growing
delay, never to an inactive or retired account."""

import datetime
import logging

from django.conf import settings as django_settings
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from ...backends import get_backend
from ...conf import settings
from ...models import (
    Notification,
    NotificationStatus,
)
from .texts import build_message

log = logging.getLogger(__name__)

#: A delivery that started this long ago without finishing lost its process: it may be tried again.
CLAIM = datetime.timedelta(minutes=10)

INACTIVE = _("The account is inactive or retired: nothing is sent to it.")

NO_EMAIL = _("This person has no e-mail address.")


def retry_delay(attempts):
    """1, 2, 4 … minutes after the first, second, third … failure."""
    return datetime.timedelta(minutes=2 ** max(attempts - 1, 0))


def send_due(*, now=None, limit=None):
    """Send every message that is due (new, or failed and waited long enough); {status: count}."""
    now = now or timezone.now()
    ids = list(
        Notification.objects.filter(
            status__in=(NotificationStatus.PENDING, NotificationStatus.FAILED), next_attempt_at__lte=now
        )
        .order_by("next_attempt_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )
    counts = {}
    for pk in ids:
        row = deliver(pk, now=now)
        if row is not None:
            counts[row.status] = counts.get(row.status, 0) + 1
    return counts


def deliver(notification_id, *, now=None):
    """Send one message if it is due and nobody else is sending it; the row afterwards, or None."""
    now = now or timezone.now()
    row = Notification.objects.filter(pk=notification_id).select_related("user").first()
    if row is None or row.status not in (NotificationStatus.PENDING, NotificationStatus.FAILED):
        return None
    if row.next_attempt_at is None or row.next_attempt_at > now:
        return None
    claimed = Notification.objects.filter(
        pk=row.pk, status=row.status, attempts=row.attempts, next_attempt_at=row.next_attempt_at
    ).update(attempts=row.attempts + 1, next_attempt_at=now + CLAIM)
    if not claimed:
        return None
    row.attempts += 1
    user = row.user
    if not can_receive(user):
        return _finish(row, NotificationStatus.SKIPPED, error=str(INACTIVE if user.email else NO_EMAIL))
    language = person_language(user)
    try:
        message = build_message(row, language)
        message.send()  # the copy is a Cc of the same message: sent with it, never on its own
    except Exception as exc:
        log.exception("Notification %s could not be sent", row.pk)
        retry_at = now + retry_delay(row.attempts) if row.attempts < settings.NOTIFICATION_MAX_ATTEMPTS else None
        return _finish(row, NotificationStatus.FAILED, error=str(exc)[:2000], next_attempt_at=retry_at)
    return _finish(
        row,
        NotificationStatus.SENT,
        sent_at=timezone.now(),
        language=language,
        recipient=user.email,
        copied_to=", ".join(message.cc)[:254],
        subject=message.subject[:255],
        error="",
        next_attempt_at=None,
    )


def _finish(row, status, **fields):
    fields.setdefault("next_attempt_at", None)
    for name, value in {"status": status, **fields}.items():
        setattr(row, name, value)
    Notification.objects.filter(pk=row.pk).update(status=status, **fields)
    return row


def can_receive(user):
    """Never an inactive or retired account.

    Open edX retires an account by replacing its address with
    ``{RETIRED_EMAIL_PREFIX}<hash>@{RETIRED_EMAIL_DOMAIN}`` (``retired__user_…@retired.invalid``)
    and making its password unusable; the account may stay active, so the address is what tells.
    """
    retired_prefix = getattr(django_settings, "RETIRED_EMAIL_PREFIX", "retired__user_")
    retired_domain = getattr(django_settings, "RETIRED_EMAIL_DOMAIN", "retired.invalid")
    email = (user.email or "").lower()
    return bool(
        user.is_active
        and email
        and not email.startswith(retired_prefix)
        and not email.endswith("@" + retired_domain.lower())
    )


def person_language(user):
    """The person's language preference (Open edX), else the site's; one the site offers."""
    language = get_backend().preferred_language(user) or django_settings.LANGUAGE_CODE
    try:
        return translation.get_supported_language_variant(language)
    except LookupError:
        return translation.get_supported_language_variant(django_settings.LANGUAGE_CODE)
