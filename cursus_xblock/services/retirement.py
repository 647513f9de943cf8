"""Forgetting a retired account, while keeping counts and the register of documents verifiable.

Called by the LMS's retirement signal (``openedx/receivers.py``); any host may call it too.
"""

import logging

from django.conf import settings as django_settings
from django.db import transaction
from django.db.models import Value
from django.db.models.functions import Concat
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from ..models import (
    ACTIVE_STATUSES,
    DocumentBatch,
    IssuedDocument,
    Notification,
    NotificationStatus,
    Registration,
    SessionStatus,
)
from .inputs import RETIRED_REASON
from .registration import unregister

log = logging.getLogger(__name__)

#: Stored as written here (an English msgid, like any free-text reason); the catalogue has it.
#: What issued documents show instead of a retired holder's name.
RETIRED_HOLDER = _("Retired account")
#: Why a notification waiting when the account was retired was never sent.
NOT_SENT = _("The account was retired before this message was sent.")


@transaction.atomic
def retire(*, user):
    """End the person's current registrations and take their name off the documents.

    * registrations in sessions that have not ended are cancelled through ``unregister`` (seats go
      to the waiting list, roles are revoked, history says why); past ones stay, as do history
      rows, which point to the (retired) user id only;
    * issued documents keep their verification code, checksum and certified details, so the
      register still verifies them, but the holder's name becomes « Retired account » and the
      stored PDF, which names them, is deleted, as are the session ZIPs that may contain it;
    * notifications still waiting are never sent, and the log forgets the address they went to.
    """
    now = timezone.now()
    upcoming = (
        Registration.objects.filter(user=user, status__in=ACTIVE_STATUSES, session__end__gt=now)
        .exclude(session__status=SessionStatus.CANCELLED)
        .order_by("pk")
    )
    for registration in upcoming:
        unregister(registration=registration, actor=None, reason=RETIRED_REASON)
    _forget_documents(user)
    _forget_notifications(user)


def _forget_notifications(user):
    unsent = (NotificationStatus.PENDING, NotificationStatus.FAILED)
    with translation.override(django_settings.LANGUAGE_CODE):
        Notification.objects.filter(user=user, status__in=unsent).update(
            status=NotificationStatus.SKIPPED, next_attempt_at=None, error=str(NOT_SENT)
        )
    Notification.objects.filter(user=user).exclude(recipient="").update(recipient="")


def _forget_documents(user):
    documents = IssuedDocument.objects.filter(registration__user=user)
    batches = DocumentBatch.objects.filter(session__registrations__user=user).exclude(file="").distinct()
    files = [d.file for d in documents.exclude(file="")] + [b.file for b in batches]
    with translation.override(django_settings.LANGUAGE_CODE):
        holder = str(RETIRED_HOLDER)
    documents.update(
        holder_name=holder,
        file="",
        filename=Concat("kind", Value("_"), "verification_code", Value(".pdf")),
    )
    DocumentBatch.objects.filter(pk__in=[b.pk for b in batches]).update(file="")
    # Files are not transactional: delete them once the database agrees.
    transaction.on_commit(lambda: _delete_files(files))


def _delete_files(files):
    for stored in files:
        try:
            stored.storage.delete(stored.name)
        except OSError:
            log.exception("Could not delete %s of a retired account", stored.name)
