"""Self check-in (émargement): the window a trainer opens for a séance, and the signatures given in it.

A signature is its own row rather than a new attendance state: « present — to be validated » is a
learner's signature not yet validated while their attendance stays what it was (usually unknown).
So the grid, the rates, the certificate threshold, the exports and the API keep counting only what
a trainer recorded, and nothing that reads ``EventRegistration.attendance`` had to change.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .registrations import EventRegistration
from .training import Event


class CheckInWindow(models.Model):
    """One opening of check-in at a séance: when learners may sign, who opened it and who closed it early.

    A row per opening, never rewritten but to close it: the record of who ran check-in when. The
    séance's current window is its latest. ``secret`` keys the séance's rotating code; each opening
    draws its own, so a code shown at a previous opening is worthless.

    .. no_pii: Who opened a window and when; the signatures hold the personal data.
    """

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="checkin_windows", verbose_name=_("event"))
    opens_at = models.DateTimeField(_("check-in opens"))
    closes_at = models.DateTimeField(_("check-in closes"))
    secret = models.CharField(max_length=64)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("opened by"),
    )
    opened_at = models.DateTimeField(_("opened on"), default=timezone.now)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("closed by"),
    )
    closed_at = models.DateTimeField(_("closed on"), null=True, blank=True)

    class Meta:
        ordering = ["-opened_at", "-pk"]
        verbose_name = _("check-in window")
        verbose_name_plural = _("check-in windows")

    def __str__(self):
        return f"{self.event} {self.opens_at:%Y-%m-%d %H:%M}–{self.closes_at:%H:%M}"

    def is_open(self, now=None):
        now = now or timezone.now()
        return self.opens_at <= now < self.closes_at


class SignatureRole(models.TextChoices):
    LEARNER = "learner", _("Learner")
    TRAINER = "trainer", _("Trainer")


class Signature(models.Model):
    """One person's signature at one séance: a learner's check-in, or a trainer's countersignature.

    The image is a PNG (checked, size-limited) or, for someone signing by keyboard alone, the name
    they typed; the time of signing, never an address. A learner's is « to be validated » until a
    trainer records their attendance (``validated_at``).

    .. pii: A person's handwritten signature and the time they signed at a training event.
    .. pii_types: biometric, name
    .. pii_retirement: retained
    """

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="signatures", verbose_name=_("event"))
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("signed by")
    )
    role = models.CharField(_("signed as"), max_length=16, choices=SignatureRole.choices)
    event_registration = models.ForeignKey(
        EventRegistration,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="signatures",
        verbose_name=_("event registration"),
    )
    image = models.BinaryField(_("signature image (PNG)"), null=True, blank=True)
    typed_name = models.CharField(_("typed name"), max_length=150, blank=True)
    signed_at = models.DateTimeField(_("signed on"), default=timezone.now)
    validated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("validated by"),
    )
    validated_at = models.DateTimeField(_("validated on"), null=True, blank=True)

    class Meta:
        ordering = ["event", "role", "signed_at"]
        verbose_name = _("signature")
        verbose_name_plural = _("signatures")
        constraints = [
            models.UniqueConstraint(fields=["event", "user", "role"], name="cursus_signature_unique_event_user_role"),
        ]

    def __str__(self):
        return f"{self.user} — {self.event} ({self.get_role_display()})"

    @property
    def to_validate(self):
        return self.role == SignatureRole.LEARNER and self.validated_at is None


def evidence_path(evidence, filename):
    """A random name: the learner's file name stays in the row, never in a URL or on disk."""
    import secrets

    return f"cursus/evidence/{timezone.now():%Y/%m}/{secrets.token_hex(16)}{evidence.extension}"


class AbsenceEvidence(models.Model):
    """A file justifying an absence (a medical certificate, a convocation): PDF, PNG or JPEG, ≤ 5 MB.

    Attached by the learner or by whoever takes the session's attendance; served only to them.

    .. pii: A document a learner gave to justify an absence (may hold health information).
    .. pii_types: other
    .. pii_retirement: retained
    """

    event_registration = models.ForeignKey(
        EventRegistration, on_delete=models.PROTECT, related_name="evidence", verbose_name=_("event registration")
    )
    file = models.FileField(_("file"), upload_to=evidence_path, max_length=255)
    name = models.CharField(_("file name"), max_length=255)
    media_type = models.CharField(_("media type"), max_length=64)
    size = models.PositiveIntegerField(_("size (bytes)"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("attached by"),
    )
    uploaded_at = models.DateTimeField(_("attached on"), default=timezone.now)

    EXTENSIONS = {"application/pdf": ".pdf", "image/png": ".png", "image/jpeg": ".jpg"}

    class Meta:
        ordering = ["uploaded_at", "pk"]
        verbose_name = _("absence justification")
        verbose_name_plural = _("absence justifications")

    def __str__(self):
        return self.name

    @property
    def extension(self):
        return self.EXTENSIONS.get(self.media_type, "")
