"""Justifications of absence: a file (PDF, PNG or JPEG, at most 5 MB) attached to a learner's séance.

The learner attaches their own; the people who take the session's attendance attach anyone's. The
type is read from the file's first bytes, not from the name or the browser's word, and nothing is
stored when anything is wrong. Each attachment is a history row (actor, time). A justification
does not change the attendance: the trainer decides « absent (justified) ».
"""

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .. import permissions
from ..models import AbsenceEvidence, Attendance, EventRegistration, HistoryAction, RegistrationStatus, Role
from . import history
from .outcomes import RegistrationError

MAX_BYTES = 5 * 1024 * 1024
MAGIC = (
    (b"%PDF-", "application/pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
)

NOT_ALLOWED = _("Only the learner and the people who take the session's attendance may attach a justification.")
NOT_AN_ABSENCE = _("This learner is recorded present at this séance: there is no absence to justify.")
NOT_A_LEARNER = _("Justifications are attached to a confirmed learner of the séance.")
NO_FILE = _("Choose a file to attach.")
TOO_BIG = _("The file is larger than 5 MB.")
BAD_TYPE = _("The file must be a PDF, PNG or JPEG document.")


def may_attach(user, event_registration):
    """The learner themself, or someone who takes the session's attendance."""
    if not (user and user.is_authenticated and user.is_active):
        return False
    registration = event_registration.registration
    return registration.user_id == user.pk or permissions.takes_attendance(user, registration.session)


def media_type_of(head):
    return next((media for magic, media in MAGIC if head.startswith(magic)), None)


@transaction.atomic
def attach_evidence(*, event_registration, actor, upload):
    """Store ``upload`` (a Django ``UploadedFile``) as the justification of this absence; the row."""
    row = (
        EventRegistration.objects.select_for_update()
        .select_related("registration__session", "event")
        .get(pk=event_registration.pk)
    )
    if not may_attach(actor, row):
        raise RegistrationError(NOT_ALLOWED, code="forbidden")
    if (
        row.registration.role != Role.LEARNER
        or row.status != RegistrationStatus.CONFIRMED
        or row.registration.status != RegistrationStatus.CONFIRMED
    ):
        raise RegistrationError(NOT_A_LEARNER, code="not_registered")
    if row.attendance == Attendance.PRESENT:
        raise RegistrationError(NOT_AN_ABSENCE, code="present")
    if upload is None or not getattr(upload, "size", 0):
        raise RegistrationError(NO_FILE, code="no_file")
    if upload.size > MAX_BYTES:
        raise RegistrationError(TOO_BIG, code="too_big")
    upload.seek(0)
    content = upload.read(MAX_BYTES + 1)
    if len(content) > MAX_BYTES:
        raise RegistrationError(TOO_BIG, code="too_big")
    media_type = media_type_of(content[:8])
    if media_type is None:
        raise RegistrationError(BAD_TYPE, code="bad_type")
    now = timezone.now()
    evidence = AbsenceEvidence(
        event_registration=row,
        name=(getattr(upload, "name", "") or "justification")[-255:],
        media_type=media_type,
        size=len(content),
        uploaded_by=actor,
        uploaded_at=now,
    )
    evidence.file.save("justification", ContentFile(content), save=False)
    try:
        evidence.save()
    except Exception:
        evidence.file.delete(save=False)
        raise
    history.record(
        [
            history.entry(
                registration=row.registration,
                event_registration=row,
                action=HistoryAction.EVIDENCE,
                old_value=row.attendance,
                new_value="evidence",
                actor=actor,
                reason=evidence.name,
                when=now,
            )
        ]
    )
    return evidence


def read_evidence(evidence):
    with evidence.file.open("rb") as handle:
        return handle.read()
