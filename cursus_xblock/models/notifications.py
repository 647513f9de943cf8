"""Automatic notifications: the messages people get when their registration changes.

``Notification`` is the send log. One row per (person, trigger, object, version) — the object is
what changed (a registration, a session), the version the change itself (the time its history
entry was written) — so a signal received twice, a command run twice or a task delivered twice
finds the row already there and sends nothing more. ``NotificationTemplate`` holds the texts an
administrator edits, one per trigger and language; ``NotificationSwitch`` turns a trigger off (or
back on) for a course or a session.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..utils.compat import check_constraint
from .training import Course, Session


class NotificationTrigger(models.TextChoices):
    REGISTERED = "registered", _("Registered (confirmed)")
    WAITING = "waiting", _("Placed on the waiting list")
    PROMOTED = "promoted", _("Promoted from the waiting list")
    PENDING = "pending", _("Pending validation")
    VALIDATED = "validated", _("Registration validated")
    REFUSED = "refused", _("Registration refused")
    UNREGISTERED = "unregistered", _("Unregistered by a manager")
    UNREGISTERED_SELF = "unregistered_self", _("Unregistered by themself")
    SESSION_CANCELLED = "session_cancelled", _("Session cancelled")
    DETAILS_CHANGED = "details_changed", _("Session or séance details changed (dates, place)")
    REMINDER_SESSION = "reminder_session", _("Reminder before the session")
    REMINDER_EVENT = "reminder_event", _("Reminder before an event")
    REGISTERED_MANY = "registered_many", _("Registered in several sessions at once")
    SESSION_ENDED = "session_ended", _("After the session (certificate available)")
    TRAINER_ASSIGNED = "trainer_assigned", _("Trainer assigned to a session")
    TRAINER_UNASSIGNED = "trainer_unassigned", _("Trainer unassigned from a session")
    TRAINER_LEARNERS = "trainer_learners", _("Learner list changed (daily digest to the trainers)")
    TRAINER_ROLL_CALL = "trainer_roll_call", _("Roll-call reminder to the trainers, the day before each event")


class NotificationStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")
    SKIPPED = "skipped", _("Not sent")


class Notification(models.Model):
    """One message to one person, and what became of it.

    .. pii: Which messages were sent to a user about their training registrations, when, and to which
        address. On retirement the address is erased and unsent messages are dropped.
    .. pii_types: id, email_address
    .. pii_retirement: local_api
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="cursus_notifications", verbose_name=_("user")
    )
    trigger = models.CharField(_("trigger"), max_length=32, choices=NotificationTrigger.choices)
    object_key = models.CharField(_("about"), max_length=64)
    version = models.CharField(_("version"), max_length=64)
    session = models.ForeignKey(
        Session, on_delete=models.CASCADE, related_name="notifications", verbose_name=_("session")
    )
    registration = models.ForeignKey(
        "cursus_xblock.Registration",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="notifications",
        verbose_name=_("registration"),
    )
    #: Extra values the message shows (the waiting-list position, the reason given).
    data = models.JSONField(_("details"), default=dict, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=NotificationStatus.choices, default=NotificationStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True, default=timezone.now)
    language = models.CharField(_("language"), max_length=16, blank=True)
    recipient = models.CharField(_("sent to"), max_length=254, blank=True)
    #: The course's copy address the message went to as Cc, in the same send (so never twice).
    copied_to = models.CharField(_("copy to"), max_length=254, blank=True)
    subject = models.CharField(_("subject"), max_length=255, blank=True)
    error = models.TextField(_("error"), blank=True)
    created_at = models.DateTimeField(_("created on"), default=timezone.now, db_index=True)
    sent_at = models.DateTimeField(_("sent on"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "trigger", "object_key", "version"], name="cursus_notification_once"
            ),
        ]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="cursus_notification_due")]

    def __str__(self):
        return f"{self.get_trigger_display()} → {self.user}"


class NotificationTemplate(models.Model):
    """The subject and bodies of one trigger's message in one language, in the documents' template language."""

    trigger = models.CharField(_("trigger"), max_length=32, choices=NotificationTrigger.choices)
    language = models.CharField(_("language"), max_length=16)
    subject = models.CharField(_("subject"), max_length=255)
    body_text = models.TextField(_("text body"))
    body_html = models.TextField(_("HTML body"), blank=True, help_text=_("Empty: the text body only."))
    updated_at = models.DateTimeField(_("modified on"), auto_now=True)

    class Meta:
        ordering = ["trigger", "language"]
        verbose_name = _("notification template")
        verbose_name_plural = _("notification templates")
        constraints = [
            models.UniqueConstraint(fields=["trigger", "language"], name="cursus_notification_template_unique"),
        ]

    def __str__(self):
        return f"{self.get_trigger_display()} ({self.language})"


class NotificationSwitch(models.Model):
    """A trigger turned on or off for a course, or for one session (which wins over its course)."""

    course = models.ForeignKey(
        Course,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="notification_switches",
        verbose_name=_("course"),
    )
    session = models.ForeignKey(
        Session,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="notification_switches",
        verbose_name=_("session"),
    )
    trigger = models.CharField(_("trigger"), max_length=32, choices=NotificationTrigger.choices)
    enabled = models.BooleanField(_("send"), default=False)

    class Meta:
        verbose_name = _("notification setting")
        verbose_name_plural = _("notification settings")
        constraints = [
            check_constraint(
                condition=Q(course__isnull=False, session__isnull=True) | Q(course__isnull=True, session__isnull=False),
                name="cursus_notification_switch_one_owner",
            ),
            models.UniqueConstraint(fields=["course", "trigger"], name="cursus_notification_switch_course"),
            models.UniqueConstraint(fields=["session", "trigger"], name="cursus_notification_switch_session"),
        ]

    def __str__(self):
        return f"{self.get_trigger_display()}: {self.enabled}"
