"""Attendance as a grid (learners × séances) and as one séance's roll: the admin, the API and the
XBlock read the same rows, in three queries whatever the size of the session."""

from dataclasses import dataclass, field

from django.utils import timezone

from ..models import Attendance, EventRegistration, Registration, RegistrationStatus, Role


@dataclass
class Column:
    event: object
    started: bool
    present: int = 0
    recorded: int = 0
    counted: int = 0

    @property
    def rate(self):
        """Percent of the séance's learners present; None before the séance or before any record."""
        if not (self.started and self.recorded and self.counted):
            return None
        return round(100 * self.present / self.counted)


@dataclass
class Row:
    registration: object
    cells: list = field(default_factory=list)  # an EventRegistration or None per column
    seconds: float = 0
    attended_seconds: float = 0
    recorded: bool = False

    @property
    def user(self):
        return self.registration.user

    @property
    def hours_attended(self):
        return round(self.attended_seconds / 3600, 1)

    @property
    def rate(self):
        """As on the certificate (``documents.placeholders.attendance_summary``): hours present out of
        the hours of the learner's séances, once anything has been recorded."""
        if not (self.recorded and self.seconds):
            return None
        return round(100 * self.attended_seconds / self.seconds)


@dataclass
class Grid:
    session: object
    columns: list
    rows: list


def _seconds(event):
    return (event.end - event.start).total_seconds()


def learners(session):
    return (
        Registration.objects.filter(session=session, role=Role.LEARNER, status=RegistrationStatus.CONFIRMED)
        .select_related("user")
        .order_by("user__last_name", "user__first_name", "user__username", "pk")
    )


def attendance_grid(session, now=None):
    """Every confirmed learner × every séance; a cell is None where the learner is not registered."""
    now = now or timezone.now()
    columns = [Column(event=e, started=e.start <= now) for e in session.events.order_by("start", "pk")]
    index = {c.event.pk: i for i, c in enumerate(columns)}
    rows = [Row(registration=r, cells=[None] * len(columns)) for r in learners(session)]
    by_registration = {row.registration.pk: row for row in rows}
    cells = EventRegistration.objects.filter(
        registration__in=[row.registration.pk for row in rows],
        event__session=session,
        status=RegistrationStatus.CONFIRMED,
    )
    for cell in cells:
        row, i = by_registration[cell.registration_id], index[cell.event_id]
        column = columns[i]
        cell.registration = row.registration
        cell.event = column.event
        row.cells[i] = cell
        row.seconds += _seconds(column.event)
        column.counted += 1
        if cell.attendance != Attendance.UNKNOWN:
            row.recorded = True
            column.recorded += 1
        if cell.attendance == Attendance.PRESENT:
            row.attended_seconds += _seconds(column.event)
            column.present += 1
    return Grid(session=session, columns=columns, rows=rows)


def event_roll(event):
    """The séance's confirmed learners with their attendance, by name."""
    return (
        EventRegistration.objects.filter(
            event=event,
            status=RegistrationStatus.CONFIRMED,
            registration__role=Role.LEARNER,
            registration__status=RegistrationStatus.CONFIRMED,
        )
        .select_related("registration__user", "attendance_by")
        .order_by("registration__user__last_name", "registration__user__first_name", "registration__user__username")
    )
