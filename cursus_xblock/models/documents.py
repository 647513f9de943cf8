"""Documents: editable templates (every edit kept as a version) and the register of issued documents.

An issued document points to the exact template version that made it and keeps a snapshot of what
it certified (holder, course, session, dates), so it can be verified years later even if the
session is renamed or the holder's account retired.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .registrations import Registration
from .training import Event, TimeStampedModel


class DocumentKind(models.TextChoices):
    SESSION_INVITATION = "session_invitation", _("Session invitation")
    EVENT_INVITATION = "event_invitation", _("Event invitation")
    SESSION_CERTIFICATE = "session_certificate", _("Session certificate of attendance")
    EVENT_CERTIFICATE = "event_certificate", _("Event certificate of attendance")

    @property
    def for_event(self):
        return self in (DocumentKind.EVENT_INVITATION, DocumentKind.EVENT_CERTIFICATE)

    @property
    def is_certificate(self):
        return self in (DocumentKind.SESSION_CERTIFICATE, DocumentKind.EVENT_CERTIFICATE)


UNKNOWN_KIND = _("“%(value)s” is not a registered kind of document.")


def _built_in_kinds():
    return dict(DocumentKind.choices)


#: ``{value: label}`` of the registered kinds: ``documents.registry`` installs its own reader when
#: imported (the app's ``ready`` imports it); the models sit below it and cannot import it.
_kind_source = [_built_in_kinds]


def use_kinds(source):
    """Make ``source()`` (``{value: label}``) what the kind columns accept and how they label a kind."""
    _kind_source[0] = source


def registered_kinds():
    return _kind_source[0]()


def validate_kind(value):
    """A kind is valid when a generator is registered under it (``documents.registry``), built in or not.

    The built-in ones are ``DocumentKind``'s and the sign-in sheet; a package adds its own through
    the registry, so the column takes no ``choices``: a fixed list would refuse them.
    """
    if value not in registered_kinds():
        raise ValidationError(UNKNOWN_KIND, code="unknown_kind", params={"value": value})


def kind_field():
    return models.CharField(_("kind"), max_length=32, validators=[validate_kind])


class KindLabelMixin:
    def get_kind_display(self):
        """The registered kind's label; the bare value for a kind no longer registered."""
        return registered_kinds().get(self.kind, self.kind)


class DocumentTemplate(KindLabelMixin, TimeStampedModel):
    """An administrator's template for one kind of document in one language.

    .. no_pii:
    """

    kind = kind_field()
    language = models.CharField(_("language"), max_length=16, help_text=_("Language code, e.g. fr or en."))
    name = models.CharField(_("name"), max_length=255)
    email_subject = models.CharField(_("e-mail subject"), max_length=255, blank=True)
    email_body = models.TextField(_("e-mail body"), blank=True, help_text=_("Plain text; same placeholders."))
    body = models.TextField(_("HTML body"), help_text=_("HTML in Django's template language, with the placeholders."))
    css = models.TextField(_("CSS"), blank=True)
    is_default = models.BooleanField(
        _("default"), default=False, help_text=_("Used when nobody picks a template for this kind and language.")
    )
    # "kind:language" for the default template, NULL otherwise: a plain unique column enforces one
    # default per (kind, language) on every database (MySQL ignores conditional constraints).
    default_key = models.CharField(max_length=64, null=True, blank=True, unique=True, editable=False)
    version = models.PositiveIntegerField(_("version"), default=0, editable=False)

    class Meta:
        ordering = ["kind", "language", "name"]
        verbose_name = _("document template")
        verbose_name_plural = _("document templates")

    def __str__(self):
        return f"{self.name} ({self.get_kind_display()}, {self.language})"

    def save(self, *args, **kwargs):
        self.default_key = f"{self.kind}:{self.language}" if self.is_default else None
        super().save(*args, **kwargs)

    @property
    def current_version(self):
        return self.versions.get(number=self.version)


class DocumentTemplateVersion(KindLabelMixin, models.Model):
    """A frozen copy of a template as it was at one save: issued documents point here.

    .. no_pii:
    """

    template = models.ForeignKey(
        DocumentTemplate, on_delete=models.CASCADE, related_name="versions", verbose_name=_("template")
    )
    number = models.PositiveIntegerField(_("version"))
    kind = kind_field()
    language = models.CharField(_("language"), max_length=16)
    name = models.CharField(_("name"), max_length=255)
    email_subject = models.CharField(_("e-mail subject"), max_length=255, blank=True)
    email_body = models.TextField(_("e-mail body"), blank=True)
    body = models.TextField(_("HTML body"))
    css = models.TextField(_("CSS"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("saved by"),
    )
    created_at = models.DateTimeField(_("saved on"), default=timezone.now)

    class Meta:
        ordering = ["template", "-number"]
        verbose_name = _("template version")
        verbose_name_plural = _("template versions")
        constraints = [
            models.UniqueConstraint(fields=["template", "number"], name="cursus_template_version_unique"),
        ]

    def __str__(self):
        return f"{self.name} v{self.number}"


def issued_document_path(document, filename):
    return f"cursus/documents/{document.issued_at:%Y/%m}/{document.verification_code}.pdf"


class IssuedDocument(KindLabelMixin, models.Model):
    """One generated document (invitation, certificate, sign-in sheet …), kept as issued: file, checksum, version.

    A person's document has their registration; a group's (a séance's sign-in sheet) has none, and
    its holder is the séance. Every document has its session, which decides who manages it.

    .. pii: The holder's name (snapshot), the file name and the stored PDF name them; a link to their registration.
        On retirement (USER_RETIRE_LMS_MISC) the name becomes « Retired account », the file name the
        verification code, and the PDF is deleted; code, checksum and certified details stay verifiable.
        A sign-in sheet names every learner of its séance and is kept as issued (an attendance record).
    .. pii_types: name, id
    .. pii_retirement: local_api
    """

    kind = kind_field()
    session = models.ForeignKey(
        "cursus_xblock.Session", on_delete=models.PROTECT, related_name="documents", verbose_name=_("session")
    )
    registration = models.ForeignKey(
        Registration,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="documents",
        verbose_name=_("registration"),
    )
    event = models.ForeignKey(
        Event, on_delete=models.PROTECT, null=True, blank=True, related_name="documents", verbose_name=_("event")
    )
    template_version = models.ForeignKey(
        DocumentTemplateVersion, on_delete=models.PROTECT, related_name="documents", verbose_name=_("template version")
    )
    holder_name = models.CharField(_("holder"), max_length=255)
    details = models.JSONField(
        _("certified details"), default=dict, help_text=_("What the document stated, as issued.")
    )
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("issued by"),
    )
    issued_at = models.DateTimeField(_("issued on"), default=timezone.now, db_index=True)
    verification_code = models.CharField(_("verification code"), max_length=32, unique=True)
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    file = models.FileField(_("file"), upload_to=issued_document_path, max_length=255)
    filename = models.CharField(_("file name"), max_length=255)
    media_type = models.CharField(_("media type"), max_length=100, default="application/pdf")
    size = models.PositiveIntegerField(_("size (bytes)"), default=0)
    emailed_at = models.DateTimeField(_("e-mailed on"), null=True, blank=True)
    # The bulk request that made it, so that a resumed or redelivered batch reuses it instead of
    # issuing a second one, and its ZIP holds it.
    batch = models.ForeignKey(
        "DocumentBatch",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="documents",
        verbose_name=_("batch"),
    )

    class Meta:
        ordering = ["-issued_at", "-pk"]
        verbose_name = _("issued document")
        verbose_name_plural = _("issued documents")
        indexes = [models.Index(fields=["registration", "kind"], name="cursus_issued_reg_kind")]

    def __str__(self):
        return f"{self.get_kind_display()} — {self.holder_name} ({self.verification_code})"

    def save(self, *args, **kwargs):
        if self.session_id is None and self.registration_id is not None:
            self.session_id = self.registration.session_id
        super().save(*args, **kwargs)


class BatchStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("In progress")
    DONE = "done", _("Ready")
    FAILED = "failed", _("Failed")


def batch_path(batch, filename):
    return f"cursus/batches/{batch.created_at:%Y/%m}/{batch.pk}-{filename}"


class DocumentBatch(KindLabelMixin, models.Model):
    """One bulk request (every learner's certificate of a session, say), built into a ZIP file.

    With Celery the admin follows ``done``/``total`` while a worker builds it; without, it is built
    during the request and ready at once.

    .. pii: The ZIP file holds documents that name their holders.
    .. pii_types: name
    .. pii_retirement: local_api
    """

    session = models.ForeignKey(
        "cursus_xblock.Session", on_delete=models.PROTECT, related_name="document_batches", verbose_name=_("session")
    )
    kind = kind_field()
    status = models.CharField(_("status"), max_length=16, choices=BatchStatus.choices, default=BatchStatus.QUEUED)
    total = models.PositiveIntegerField(_("documents to make"), default=0)
    done = models.PositiveIntegerField(_("documents made"), default=0)
    issued = models.PositiveIntegerField(_("documents issued"), default=0)
    refused = models.PositiveIntegerField(_("refused"), default=0)
    failed = models.PositiveIntegerField(_("failed"), default=0)
    file = models.FileField(_("file"), upload_to=batch_path, max_length=255, blank=True)
    error = models.TextField(_("error"), blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("requested by"),
    )
    created_at = models.DateTimeField(_("requested on"), default=timezone.now)
    finished_at = models.DateTimeField(_("finished on"), null=True, blank=True)
    # Touched when the batch is queued, taken and after each document: a queued or running batch
    # whose mark is older than CURSUS_BATCH_STALE_MINUTES lost its worker (or its message).
    progress_at = models.DateTimeField(_("last progress"), null=True, blank=True)
    # Who builds it now: a run writes only while the batch still carries its token, so a run that
    # was taken over (its worker thought dead) stops instead of issuing twice.
    run_token = models.CharField(max_length=32, blank=True, editable=False)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("document batch")
        verbose_name_plural = _("document batches")

    def __str__(self):
        return f"{self.get_kind_display()} — {self.session} ({self.get_status_display()})"

    @property
    def percent(self):
        return round(100 * self.done / self.total) if self.total else (100 if self.status == BatchStatus.DONE else 0)


class BatchOutcome(models.TextChoices):
    ISSUED = "issued", _("Issued")
    REFUSED = "refused", _("Refused")
    FAILED = "failed", _("Failed")


class DocumentBatchItem(models.Model):
    """What a batch did for one person: issued (with the document), refused (why) or failed (the error).

    .. pii: A link to the person's registration; the message says why their document was not made.
    .. pii_types: id
    .. pii_retirement: retained
    """

    batch = models.ForeignKey(DocumentBatch, on_delete=models.CASCADE, related_name="items", verbose_name=_("batch"))
    registration = models.ForeignKey(
        Registration, on_delete=models.CASCADE, related_name="+", verbose_name=_("registration")
    )
    outcome = models.CharField(_("outcome"), max_length=16, choices=BatchOutcome.choices)
    message = models.TextField(_("message"), blank=True)
    document = models.ForeignKey(
        IssuedDocument, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("document")
    )
    updated_at = models.DateTimeField(_("updated on"), default=timezone.now)

    class Meta:
        ordering = ["batch", "pk"]
        verbose_name = _("batch report line")
        verbose_name_plural = _("batch report")
        constraints = [
            models.UniqueConstraint(fields=["batch", "registration"], name="cursus_batch_item_unique"),
        ]

    def __str__(self):
        return f"{self.batch_id}/{self.registration_id}: {self.outcome}"
