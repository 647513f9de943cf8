"""Training: courses, their sessions and events (séances), and the choices registrations use.

Registrations and their history live in ``registrations.py``.
"""

import zoneinfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from ..utils.compat import check_constraint


def validate_time_zone(value):
    if value not in zoneinfo.available_timezones():
        raise ValidationError(_("“%(value)s” is not a known time zone (e.g. Europe/Paris)."), params={"value": value})


def default_time_zone():
    return settings.TIME_ZONE or "UTC"


def validate_workspace_key(value):
    """The workspace backend's say on a key (the Open edX one wants a course run key)."""
    if value:
        from ..backends import get_backend

        get_backend().validate_workspace_key(value)


def _workspace_errors(value):
    try:
        validate_workspace_key(value)
    except ValidationError as exc:
        return exc.messages
    return []


class Role(models.TextChoices):
    LEARNER = "learner", _("Learner")
    TRAINER = "trainer", _("Trainer")


class RegistrationStatus(models.TextChoices):
    CONFIRMED = "confirmed", _("Confirmed")
    PENDING = "pending", _("Pending validation")
    WAITING = "waiting", _("Waiting list")
    CANCELLED = "cancelled", pgettext_lazy("registration status", "Cancelled")


#: A registration in one of these states blocks a new one for the same (user, session, role).
ACTIVE_STATUSES = (RegistrationStatus.CONFIRMED, RegistrationStatus.PENDING, RegistrationStatus.WAITING)
#: Learners in these states hold a seat.
SEAT_STATUSES = (RegistrationStatus.CONFIRMED, RegistrationStatus.PENDING)


class SessionStatus(models.TextChoices):
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed to registration")
    CANCELLED = "cancelled", pgettext_lazy("session status", "Cancelled")


class EventRegistrationType(models.TextChoices):
    AUTO = "auto", _("Automatic")
    MANUAL = "manual", _("Manual")


class Attendance(models.TextChoices):
    # With a context: Django's own catalogues translate a bare "Unknown" (« Inconnu »), and which
    # one wins depends on the Django version.
    UNKNOWN = "unknown", pgettext_lazy("attendance", "Unknown")
    PRESENT = "present", _("Present")
    ABSENT_JUSTIFIED = "absent_justified", _("Absent (justified)")
    ABSENT_UNJUSTIFIED = "absent_unjustified", _("Absent (unjustified)")


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(_("created on"), auto_now_add=True)
    updated_at = models.DateTimeField(_("modified on"), auto_now=True)

    class Meta:
        abstract = True


class ScheduledModel(TimeStampedModel):
    """Counts changes of its dates and place, so calendar invitations can say « this replaces the last one ».

    ``schedule_sequence`` is the iCalendar SEQUENCE of what was sent: it goes up by one each time
    ``save()`` stores a different start, end or place (a calendar entry shows all three). (A
    queryset ``update()`` bypasses it.)
    """

    schedule_sequence = models.PositiveIntegerField(_("schedule revision"), default=0, editable=False)

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if self.schedule_changed():
            self.schedule_sequence += 1
            if kwargs.get("update_fields") is not None:
                kwargs["update_fields"] = {*kwargs["update_fields"], "schedule_sequence"}
        super().save(*args, **kwargs)
        self._stored_schedule = self._schedule()

    def _schedule(self):
        return (self.__dict__.get("start"), self.__dict__.get("end"), self.__dict__.get("place"))

    def schedule_changed(self):
        """Whether ``save()`` would store other dates or another place than those read."""
        stored = getattr(self, "_stored_schedule", None)
        if stored is None or None in stored[:2]:  # new, or its dates not read (deferred)
            return False
        return stored[:2] != self._schedule()[:2] or self.place_changed()

    def place_changed(self):
        stored = getattr(self, "_stored_schedule", None)
        return stored is not None and stored[2] is not None and stored[2] != self.__dict__.get("place")

    @classmethod
    def from_db(cls, db, field_names, values):
        instance = super().from_db(db, field_names, values)
        instance._stored_schedule = instance._schedule()
        return instance


def seats_left(capacity, seats_taken):
    """Seats still free: None when unlimited, never below zero (a lowered capacity may be exceeded)."""
    if capacity is None:
        return None
    return max(capacity - seats_taken, 0)


class Course(TimeStampedModel):
    """A training offer; its ``default_*`` fields pre-fill the sessions created for it.

    .. no_pii:
    """

    code = models.CharField(
        _("code"),
        max_length=64,
        unique=True,
        error_messages={"unique": _("A course with this code already exists.")},
    )
    title = models.CharField(_("title"), max_length=255)
    description = models.TextField(_("description"), blank=True)
    organization = models.ForeignKey(
        "cursus_xblock.Organization",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="courses",
        verbose_name=_("organization"),
        help_text=_(
            "Its training managers see and manage this course's sessions. In Open edX, taken from the course "
            "run of the default workspace. Empty: only site-wide training managers see it."
        ),
    )
    default_capacity = models.PositiveIntegerField(
        _("default capacity"),
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
        help_text=_("Learner seats of new sessions. Empty: unlimited."),
    )
    default_workspace_key = models.CharField(
        _("default workspace"),
        max_length=255,
        blank=True,
        help_text=_("Workspace of new sessions; in Open edX a course run key such as course-v1:Org+Course+Run."),
    )
    default_self_registration = models.BooleanField(_("self-registration allowed by default"), default=False)
    default_self_unregistration = models.BooleanField(_("self-unregistration allowed by default"), default=False)
    default_validation_required = models.BooleanField(_("validation required by default"), default=False)
    default_waiting_list_enabled = models.BooleanField(_("waiting list enabled by default"), default=True)
    certificate_min_attendance = models.PositiveSmallIntegerField(
        _("minimum attendance for a certificate (%)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
        help_text=_(
            "Percent of the hours of the learner's events. Empty: the site's setting "
            "(CURSUS_CERTIFICATE_MIN_ATTENDANCE)."
        ),
    )
    notification_copy_to = models.EmailField(
        _("copy of the learners' messages to"),
        blank=True,
        help_text=_(
            "Each automatic message to a learner of this course is also sent, as a copy (Cc), to this address. "
            "Empty: no copy."
        ),
    )

    class Meta:
        ordering = ["code"]
        verbose_name = _("training course")
        verbose_name_plural = _("training courses")

    def __str__(self):
        return f"{self.title} [{self.code}]"

    def save(self, *args, **kwargs):
        """In Open edX a course belongs to the organization of its default course run."""
        from .organizations import organization_for_workspace

        organization = organization_for_workspace(self.default_workspace_key)
        if organization is not None and organization.pk != self.organization_id:
            self.organization = organization
            if kwargs.get("update_fields") is not None:
                kwargs["update_fields"] = {*kwargs["update_fields"], "organization"}
        super().save(*args, **kwargs)

    def clean(self):
        super().clean()
        self.default_workspace_key = self.default_workspace_key.strip()
        errors = _workspace_errors(self.default_workspace_key)
        if errors:
            raise ValidationError({"default_workspace_key": errors})

    def session_defaults(self):
        """Initial values for a new session of this course."""
        return {
            "capacity": self.default_capacity,
            "workspace_key": self.default_workspace_key,
            "self_registration": self.default_self_registration,
            "self_unregistration": self.default_self_unregistration,
            "validation_required": self.default_validation_required,
            "waiting_list_enabled": self.default_waiting_list_enabled,
        }


#: The ``Session`` columns the registrations keep (``models.registrations.count_seat_changes``).
SEAT_COUNTERS = ("seats_taken", "waiting_count")


class SessionQuerySet(models.QuerySet):
    def upcoming(self, now=None):
        return self.filter(start__gt=now or timezone.now())


class Session(ScheduledModel):
    """One dated run of a course, with its capacity, registration rules and workspace.

    .. no_pii:
    """

    course = models.ForeignKey(Course, on_delete=models.PROTECT, related_name="sessions", verbose_name=_("course"))
    code = models.CharField(
        _("code"),
        max_length=64,
        unique=True,
        error_messages={"unique": _("A session with this code already exists.")},
    )
    name = models.CharField(_("name"), max_length=255)
    description = models.TextField(_("description"), blank=True)
    start = models.DateTimeField(_("start"))
    end = models.DateTimeField(_("end"))
    time_zone = models.CharField(
        _("time zone"),
        max_length=64,
        default=default_time_zone,
        validators=[validate_time_zone],
        help_text=_("Time zone in which dates are shown and documents printed."),
    )
    certificate_min_attendance = models.PositiveSmallIntegerField(
        _("minimum attendance for a certificate (%)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
        help_text=_("Empty: the course's minimum."),
    )
    place = models.CharField(_("place"), max_length=255, blank=True)
    capacity = models.PositiveIntegerField(
        _("capacity"),
        validators=[MinValueValidator(0)],
        null=True,
        blank=True,
        help_text=_("Learner seats. Empty: unlimited. Lowering it never unregisters anyone: new learners wait."),
    )
    workspace_key = models.CharField(
        _("workspace"),
        max_length=255,
        blank=True,
        db_index=True,
        help_text=_(
            "Learners become collaborators of this workspace and trainers its managers; "
            "in Open edX, a course run key such as course-v1:Org+Course+Run."
        ),
    )
    self_registration = models.BooleanField(_("self-registration allowed"), default=False)
    self_unregistration = models.BooleanField(_("self-unregistration allowed"), default=False)
    validation_required = models.BooleanField(
        _("validation required"), default=False, help_text=_("New learners wait for a manager's validation.")
    )
    waiting_list_enabled = models.BooleanField(
        _("waiting list enabled"),
        default=True,
        help_text=_("When full, new learners join a waiting list instead of being refused."),
    )
    status = models.CharField(_("status"), max_length=16, choices=SessionStatus.choices, default=SessionStatus.OPEN)
    # Kept by the registrations themselves (``models.registrations``), under the session's lock in
    # the services, so a catalogue filters and sorts on them without counting any registration.
    seats_taken = models.PositiveIntegerField(
        _("seats taken"), default=0, editable=False, help_text=_("Learners confirmed or pending validation.")
    )
    waiting_count = models.PositiveIntegerField(_("waiting"), default=0, editable=False)

    objects = SessionQuerySet.as_manager()

    class Meta:
        ordering = ["start", "pk"]
        verbose_name = _("training session")
        verbose_name_plural = _("training sessions")
        constraints = [
            check_constraint(condition=Q(end__gt=F("start")), name="cursus_session_end_after_start"),
        ]
        indexes = [
            models.Index(fields=["course", "start"], name="cursus_session_course_start"),
            # The catalogue's order (start, id) with what ``seats_available`` compares: a page's ids,
            # however deep, and the count of sessions with seats, read from this index alone.
            models.Index(fields=["start", "id", "capacity", "seats_taken"], name="cursus_session_catalogue"),
        ]

    def __str__(self):
        return f"{self.name} [{self.code}]"

    def save(self, *args, **kwargs):
        """A course without an organization takes the one of its first session's course run.

        Saving an existing session never writes its seat counters: the instance an administrator
        edits was read before registrations changed them, and only the registrations keep them.
        """
        if not self._state.adding and kwargs.get("update_fields") is None and not kwargs.get("force_insert"):
            kwargs["update_fields"] = [
                f.name for f in self._meta.concrete_fields if not f.primary_key and f.name not in SEAT_COUNTERS
            ]
        super().save(*args, **kwargs)
        from .organizations import organization_for_workspace

        organization = organization_for_workspace(self.workspace_key)
        if organization is not None and self.course.organization_id is None:
            Course.objects.filter(pk=self.course_id, organization__isnull=True).update(organization=organization)
            self.course.organization = organization

    def clean(self):
        super().clean()
        errors = {}
        if self.start and self.end and self.end <= self.start:
            errors["end"] = _("The end must be after the start.")
        self.workspace_key = self.workspace_key.strip()
        workspace_errors = _workspace_errors(self.workspace_key)
        if workspace_errors:
            errors["workspace_key"] = workspace_errors
        elif self.workspace_key and self.course_id:
            # A course run of another organization would let its managers enroll people there.
            from ..backends import get_backend

            found = get_backend().workspace_organization(self.workspace_key)
            course = self.course
            if found is not None and course.organization_id is not None and found[0] != course.organization.short_name:
                errors["workspace_key"] = _(
                    "This course run belongs to the organization %(run)s, not to the course's (%(course)s)."
                ) % {"run": found[0], "course": course.organization.short_name}
        if errors:
            raise ValidationError(errors)

    @property
    def required_attendance(self):
        """The minimum for a certificate: the session's, else its course's, else the site's setting."""
        from ..conf import settings as cursus_settings

        for value in (self.certificate_min_attendance, self.course.certificate_min_attendance):
            if value is not None:
                return value
        return cursus_settings.CERTIFICATE_MIN_ATTENDANCE

    @property
    def tzinfo(self):
        return zoneinfo.ZoneInfo(self.time_zone)

    def has_started(self, now=None):
        return self.start <= (now or timezone.now())

    def has_ended(self, now=None):
        return self.end <= (now or timezone.now())


class Event(ScheduledModel):
    """A dated slot (séance) of a session.

    .. no_pii:
    """

    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="events", verbose_name=_("session"))
    name = models.CharField(_("name"), max_length=255)
    description = models.TextField(_("description"), blank=True)
    start = models.DateTimeField(_("start"))
    end = models.DateTimeField(_("end"))
    place = models.CharField(_("place"), max_length=255, blank=True, help_text=_("Empty: the session's place."))
    capacity = models.PositiveIntegerField(
        _("capacity"),
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
        help_text=_("Only for manual registration. Empty: unlimited."),
    )
    registration_type = models.CharField(
        _("registration"),
        max_length=16,
        choices=EventRegistrationType.choices,
        default=EventRegistrationType.AUTO,
        help_text=_("Automatic: every participant of the session is registered. Manual: chosen one by one."),
    )

    class Meta:
        ordering = ["start", "pk"]
        verbose_name = _("event")
        verbose_name_plural = _("events")
        constraints = [
            check_constraint(condition=Q(end__gt=F("start")), name="cursus_event_end_after_start"),
        ]

    def __str__(self):
        return self.name

    def clean(self):
        super().clean()
        errors = {}
        if self.start and self.end and self.end <= self.start:
            errors["end"] = _("The end must be after the start.")
        try:
            session = self.session  # may be an unsaved session in the admin inline
        except Session.DoesNotExist:
            session = None
        if session is not None and session.start and session.end:
            if self.start and not (session.start <= self.start <= session.end):
                errors["start"] = _("The event must take place within its session's dates.")
            if self.end and not (session.start <= self.end <= session.end):
                errors["end"] = _("The event must take place within its session's dates.")
        if self.capacity is not None and self.registration_type == EventRegistrationType.AUTO:
            errors["capacity"] = _("A capacity applies only to events with manual registration.")
        if errors:
            raise ValidationError(errors)

    @property
    def effective_place(self):
        return self.place or self.session.place


class TrainingReport(Session):
    """The admin index's « Reports » entry (no table of its own): figures read across sessions.

    No permissions of its own: the rule book decides (every training manager, on what they manage).
    """

    class Meta:
        proxy = True
        default_permissions = ()
        verbose_name = _("report")
        verbose_name_plural = _("reports")
