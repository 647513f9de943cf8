"""Registrations of people in sessions and events, their history, and the workspace role locks.

Uniqueness of a registration is a plain unique constraint on (user, session, role) — one row per
triple whose status changes — because MySQL/MariaDB ignore conditional unique constraints and
Open edX runs on them. The history table keeps every earlier state.
"""

import contextvars

from django.conf import settings
from django.db import models, transaction
from django.db.models import Case, Count, F, OuterRef, Q, Subquery, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from .training import ACTIVE_STATUSES, SEAT_STATUSES, Attendance, Event, RegistrationStatus, Role, Session

#: The fields whose change moves a registration in or out of its session's counters.
COUNTED_FIELDS = frozenset({"session", "session_id", "role", "status"})


def count_seat_changes(changes):
    """Apply [(counted before, counted after)] (see ``Registration.counted``) to the sessions' counters.

    One UPDATE for any number of sessions, adding to the stored values (``F``), so it is exact
    whoever else writes: the services hold the session's lock already, anyone else waits for the
    row. The instances in memory are not touched: the services read the counters from the row they
    lock (``locks.lock_sessions``) or read them again.
    """
    deltas = {}
    for before, after in changes:
        for counted, sign in ((before, -1), (after, 1)):
            if counted and (counted[1] or counted[2]):
                taken, waiting = deltas.get(counted[0], (0, 0))
                deltas[counted[0]] = (taken + sign * counted[1], waiting + sign * counted[2])
    deltas = {pk: delta for pk, delta in deltas.items() if delta != (0, 0)}
    if not deltas:
        return
    if len(deltas) == 1:
        ((pk, (taken, waiting)),) = deltas.items()
        Session.objects.filter(pk=pk).update(
            seats_taken=F("seats_taken") + taken, waiting_count=F("waiting_count") + waiting
        )
        return
    updates = {}
    for name, index in (("seats_taken", 0), ("waiting_count", 1)):
        whens = [When(pk=pk, then=Value(delta[index])) for pk, delta in deltas.items() if delta[index]]
        if whens:
            updates[name] = F(name) + Case(*whens, default=Value(0), output_field=models.IntegerField())
    Session.objects.filter(pk__in=deltas).update(**updates)


def recount_seats(session_ids=None, *, fix=True):
    """{session id: ((stored taken, waiting), (counted taken, waiting))} where the counters are wrong.

    Counts every registration (slow on a large table): for the check command and for writes that
    bypass ``count_seat_changes`` (a queryset ``update``). ``fix`` stores the counted values, each
    session counted again under its lock, so a registration made meanwhile is neither lost nor
    counted twice.
    """
    sessions = Session.objects.all() if session_ids is None else Session.objects.filter(pk__in=session_ids)
    wrong = _miscounted(sessions)
    if fix:
        for pk in wrong:
            with transaction.atomic():
                if Session.objects.select_for_update().filter(pk=pk).exists():
                    for _stored, (taken, waiting) in _miscounted(Session.objects.filter(pk=pk)).values():
                        Session.objects.filter(pk=pk).update(seats_taken=taken, waiting_count=waiting)
    return wrong


def _miscounted(sessions):
    learners = Registration.objects.filter(session=OuterRef("pk"), role=Role.LEARNER).order_by().values("session")

    def counted(statuses):
        rows = learners.filter(status__in=statuses).annotate(n=Count("pk")).values("n")
        return Coalesce(Subquery(rows[:1]), Value(0))

    rows = sessions.annotate(
        real_taken=counted(SEAT_STATUSES), real_waiting=counted([RegistrationStatus.WAITING])
    ).filter(~Q(seats_taken=F("real_taken")) | ~Q(waiting_count=F("real_waiting")))
    return {
        pk: ((taken, waiting), (real_taken, real_waiting))
        for pk, taken, waiting, real_taken, real_waiting in rows.order_by("pk").values_list(
            "pk", "seats_taken", "waiting_count", "real_taken", "real_waiting"
        )
    }


_COUNTED_HERE = contextvars.ContextVar("cursus_counted_here", default=False)


class RegistrationQuerySet(models.QuerySet):
    """Bulk writes keep the sessions' counters as ``Registration.save`` does."""

    def bulk_create(self, objs, *args, **kwargs):
        objs = list(objs)
        if kwargs.get("ignore_conflicts") or kwargs.get("update_conflicts"):
            # Which rows went in is not known: count them.
            created = super().bulk_create(objs, *args, **kwargs)
            recount_seats({obj.session_id for obj in objs})
            return created
        created = super().bulk_create(objs, *args, **kwargs)
        count_seat_changes((None, obj.counted()) for obj in objs)
        for obj in objs:
            obj._counted = obj.counted()
        return created

    def bulk_update(self, objs, fields, *args, **kwargs):
        objs = list(objs)
        if not COUNTED_FIELDS & set(fields):
            return super().bulk_update(objs, fields, *args, **kwargs)
        unknown = [obj.pk for obj in objs if getattr(obj, "_counted", None) is None]
        stored = {}
        if unknown:
            stored = {
                pk: _counted(session_id, role, status)
                for pk, session_id, role, status in Registration.objects.filter(pk__in=unknown).values_list(
                    "pk", "session_id", "role", "status"
                )
            }
        before = [stored[obj.pk] if obj.pk in stored else obj._counted for obj in objs]
        token = _COUNTED_HERE.set(True)  # Django's bulk_update runs update(): counted here instead.
        try:
            updated = super().bulk_update(objs, fields, *args, **kwargs)
        finally:
            _COUNTED_HERE.reset(token)
        count_seat_changes((was, obj.counted()) for was, obj in zip(before, objs, strict=True))
        for obj in objs:
            obj._counted = obj.counted()
        return updated

    def update(self, **kwargs):
        if _COUNTED_HERE.get() or not COUNTED_FIELDS & set(kwargs):
            return super().update(**kwargs)
        sessions = set(self.order_by().values_list("session_id", flat=True).distinct())
        updated = super().update(**kwargs)
        recount_seats(sessions | set(self.order_by().values_list("session_id", flat=True).distinct()))
        return updated

    def delete(self):
        sessions = set(self.order_by().values_list("session_id", flat=True).distinct())
        deleted = super().delete()
        recount_seats(sessions)
        return deleted


def _counted(session_id, role, status):
    learner = role == Role.LEARNER
    return (session_id, int(learner and status in SEAT_STATUSES), int(learner and status == RegistrationStatus.WAITING))


class Registration(models.Model):
    """A user in a session as learner or trainer: one row per (user, session, role), whose status changes.

    .. pii: Links a user to the training sessions they attend or teach.
        On retirement (USER_RETIRE_LMS_MISC) those in sessions that have not ended are cancelled.
    .. pii_types: id
    .. pii_retirement: retained
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="cursus_registrations", verbose_name=_("user")
    )
    session = models.ForeignKey(
        Session, on_delete=models.PROTECT, related_name="registrations", verbose_name=_("session")
    )
    role = models.CharField(_("role"), max_length=16, choices=Role.choices)
    status = models.CharField(_("status"), max_length=16, choices=RegistrationStatus.choices)
    waiting_order = models.PositiveBigIntegerField(
        _("waiting-list order"), null=True, blank=True, help_text=_("Rank of arrival on the waiting list.")
    )
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("registered by"),
    )
    registered_at = models.DateTimeField(_("registered on"), default=timezone.now)
    updated_at = models.DateTimeField(_("modified"), auto_now=True)

    objects = RegistrationQuerySet.as_manager()

    class Meta:
        ordering = ["session__start", "pk"]
        verbose_name = _("registration")
        verbose_name_plural = _("registrations")
        permissions = [("manage_registrations", _("Can manage training registrations"))]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "session", "role"],
                name="cursus_registration_unique_user_session_role",
                violation_error_message=_("This user already has this role in this session."),
            ),
        ]
        indexes = [
            # Covers seat counts, the last waiting-list order and waiting ranks (``services.capacity``):
            # read from the index alone, however many registrations the session holds.
            models.Index(fields=["session", "role", "status", "waiting_order"], name="cursus_reg_seats"),
            models.Index(fields=["user", "status"], name="cursus_reg_user_status"),
        ]

    def __str__(self):
        return f"{self.user} — {self.session} ({self.get_role_display()})"

    def save(self, *args, **kwargs):
        """Saved, and its session's counters moved by what changed (``count_seat_changes``)."""
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and not COUNTED_FIELDS & set(update_fields):
            return super().save(*args, **kwargs)
        before = None if self._state.adding else getattr(self, "_counted", None)
        if before is None and not self._state.adding:
            stored = Registration.objects.filter(pk=self.pk).values_list("session_id", "role", "status").first()
            before = _counted(*stored) if stored else None
        super().save(*args, **kwargs)
        self._counted = self.counted()
        count_seat_changes([(before, self._counted)])

    def delete(self, *args, **kwargs):
        before = Registration.objects.filter(pk=self.pk).values_list("session_id", "role", "status").first()
        deleted = super().delete(*args, **kwargs)
        if before:
            count_seat_changes([(_counted(*before), None)])
        return deleted

    @property
    def is_active(self):
        return self.status in ACTIVE_STATUSES

    def counted(self):
        """(session id, holds a seat, waits): what this row adds to its session's counters."""
        return _counted(self.session_id, self.role, self.status)

    @classmethod
    def from_db(cls, db, field_names, values):
        instance = super().from_db(db, field_names, values)
        fields = instance.__dict__
        if "session_id" in fields and "role" in fields and "status" in fields:
            instance._counted = instance.counted()
        return instance

    def rolled_back(self):
        """Its fields were set back by hand to what the database holds again after a rollback."""
        self._counted = self.counted()

    def refresh_from_db(self, *args, **kwargs):
        super().refresh_from_db(*args, **kwargs)
        self._counted = self.counted()


class PersonRegistrations(Registration):
    """The admin index's « Registrations by person » entry (no table of its own).

    The per-user page lives on the host's user admin, which a training manager without the host's
    ``auth.view_user`` cannot browse; this proxy gives the training section a way to people that
    the training role alone opens. No permissions of its own: the rule book decides.
    """

    class Meta:
        proxy = True
        default_permissions = ()
        verbose_name = _("registrations by person")
        verbose_name_plural = _("registrations by person")


class EventRegistration(models.Model):
    """A session registration's presence at one event, with attendance.

    Unique per (registration, event); the registration fixes user and role, so this is one row
    per (user, event, role).

    .. pii: Attendance of a user at a training event.
    .. pii_types: id
    .. pii_retirement: retained
    """

    registration = models.ForeignKey(
        Registration, on_delete=models.PROTECT, related_name="event_registrations", verbose_name=_("registration")
    )
    event = models.ForeignKey(Event, on_delete=models.PROTECT, related_name="registrations", verbose_name=_("event"))
    status = models.CharField(_("status"), max_length=16, choices=RegistrationStatus.choices)
    waiting_order = models.PositiveBigIntegerField(_("waiting-list order"), null=True, blank=True)
    attendance = models.CharField(
        _("attendance"), max_length=24, choices=Attendance.choices, default=Attendance.UNKNOWN
    )
    attendance_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("attendance recorded by"),
    )
    attendance_at = models.DateTimeField(_("attendance recorded on"), null=True, blank=True)
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("registered by"),
    )
    registered_at = models.DateTimeField(_("registered"), default=timezone.now)
    updated_at = models.DateTimeField(_("modified"), auto_now=True)

    class Meta:
        ordering = ["event__start", "pk"]
        verbose_name = _("event registration")
        verbose_name_plural = _("event registrations")
        constraints = [
            models.UniqueConstraint(
                fields=["registration", "event"],
                name="cursus_eventreg_unique_registration_event",
                violation_error_message=_("This participant is already registered for this event."),
            ),
        ]
        indexes = [models.Index(fields=["event", "status"], name="cursus_eventreg_event_status")]

    def __str__(self):
        return f"{self.registration.user} — {self.event}"


class WorkspaceRoleLock(models.Model):
    """The row every decision to give or take one person's workspace role locks first.

    Sessions of one course may share a workspace, so locking the session in hand does not stop a
    change in another session from deciding at the same time on the same role: two unregisters
    would each see the other's registration still confirmed and keep the role, or a revoke would
    miss a registration confirmed a moment before in another session. One row per (person,
    workspace, workspace role), created when first needed and locked with ``SELECT … FOR UPDATE``,
    serializes those decisions without holding up anyone else. It records nothing else.

    .. no_pii: A user id and a workspace key, no personal data; the registrations hold the facts.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    workspace_key = models.CharField(max_length=255)
    role = models.CharField(max_length=32)

    class Meta:
        default_permissions = ()
        constraints = [
            models.UniqueConstraint(fields=["workspace_key", "role", "user"], name="cursus_workspace_role_lock_unique"),
        ]

    def __str__(self):
        return f"{self.user_id} {self.workspace_key} {self.role}"


class HistoryAction(models.TextChoices):
    REGISTERED = "registered", pgettext_lazy("history action", "Registered")
    PROMOTED = "promoted", _("Promoted from the waiting list")
    VALIDATED = "validated", _("Validated")
    REFUSED = "refused", pgettext_lazy("history action", "Refused")
    CANCELLED = "cancelled", _("Unregistered")
    ATTENDANCE = "attendance", _("Attendance recorded")
    CHECKED_IN = "checked_in", _("Checked in (signed)")
    EVIDENCE = "evidence", _("Justification attached")
    NOT_PROMOTED = "not_promoted", _("Not promoted: refused by the workspace")


def value_label(value):
    """The translated label of a status or attendance value stored in the history."""
    labels = {
        **dict(Attendance.choices),
        **dict(RegistrationStatus.choices),
        "checked_in": _("Checked in — to be validated"),
        "evidence": _("Justification attached"),
    }
    return labels.get(value, value) if value else "—"


class AppendOnlyQuerySet(models.QuerySet):
    """History is evidence: bulk updates and deletes are refused."""

    def update(self, **kwargs):
        raise TypeError("Registration history is append-only.")

    def delete(self):
        raise TypeError("Registration history is append-only.")


class RegistrationHistory(models.Model):
    """Append-only record of every change to a registration: who, when, what (from → to), why.

    .. pii: Who changed a user's registration, and the reason they gave.
    .. pii_types: id, other
    .. pii_retirement: retained
    """

    registration = models.ForeignKey(
        Registration, on_delete=models.PROTECT, related_name="history", verbose_name=_("registration")
    )
    event_registration = models.ForeignKey(
        EventRegistration,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="history",
        verbose_name=_("event registration"),
    )
    action = models.CharField(_("action"), max_length=16, choices=HistoryAction.choices)
    old_value = models.CharField(_("from"), max_length=24, blank=True)
    new_value = models.CharField(_("to"), max_length=24)
    reason = models.TextField(_("reason"), blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )
    created_at = models.DateTimeField(_("date"), default=timezone.now, db_index=True)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("registration history entry")
        verbose_name_plural = _("registration history")

    def __str__(self):
        return f"{self.get_action_display()}: {self.old_value or '∅'} → {self.new_value}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise TypeError("Registration history is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError("Registration history is append-only.")

    def old_value_label(self):
        return value_label(self.old_value)

    def new_value_label(self):
        return value_label(self.new_value)
