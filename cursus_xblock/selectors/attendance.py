"""Attendance as a grid (learners × séances) and as one séance's roll: the admin, the API and the
XBlock read the same rows, in three queries whatever the size of the session."""

from dataclasses import dataclass, field

from django.utils import timezone

from ..models import Attendance, Event, EventRegistration, Registration, RegistrationStatus, Role


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


def attendance_grid(session, now=None):
    """Every confirmed learner × every séance; a cell is None where the learner is not registered."""
    return attendance_grids([session], now=now)[session.pk]


def attendance_grids(sessions, now=None):
    """``attendance_grid`` of several sessions in three queries (the XBlock lists a trainer's sessions)."""
    now = now or timezone.now()
    sessions = {s.pk: s for s in sessions}
    grids = {pk: Grid(session=s, columns=[], rows=[]) for pk, s in sessions.items()}
    index = {}  # event id: (grid, column index)
    for event in Event.objects.filter(session_id__in=list(sessions)).order_by("start", "pk"):
        grid = grids[event.session_id]
        event.session = sessions[event.session_id]
        index[event.pk] = (grid, len(grid.columns))
        grid.columns.append(Column(event=event, started=event.start <= now))
    by_registration = {}
    registrations = (
        Registration.objects.filter(
            session_id__in=list(sessions), role=Role.LEARNER, status=RegistrationStatus.CONFIRMED
        )
        .select_related("user")
        .order_by("user__last_name", "user__first_name", "user__username", "pk")
    )
    for registration in registrations:
        grid = grids[registration.session_id]
        row = Row(registration=registration, cells=[None] * len(grid.columns))
        grid.rows.append(row)
        by_registration[registration.pk] = row
    cells = EventRegistration.objects.filter(
        registration__session_id__in=list(sessions),
        registration__role=Role.LEARNER,
        registration__status=RegistrationStatus.CONFIRMED,
        status=RegistrationStatus.CONFIRMED,
    )
    for cell in cells:
        row = by_registration.get(cell.registration_id)
        if row is None or cell.event_id not in index:
            continue
        grid, i = index[cell.event_id]
        column = grid.columns[i]
        cell.registration, cell.event = row.registration, column.event
        row.cells[i] = cell
        row.seconds += _seconds(column.event)
        column.counted += 1
        if cell.attendance != Attendance.UNKNOWN:
            row.recorded = True
            column.recorded += 1
        if cell.attendance == Attendance.PRESENT:
            row.attended_seconds += _seconds(column.event)
            column.present += 1
    return grids


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


def roll_event(sessions, pk):
    """The séance ``pk`` if it belongs to one of ``sessions`` (a queryset), with its session; else None."""
    return Event.objects.select_related("session").filter(pk=pk, session__in=sessions).first() if pk else None


def roll_cell(event, registration_id):
    """One person's row of a séance's roll call (their event registration), with the person; else None."""
    if not registration_id:
        return None
    return (
        EventRegistration.objects.filter(event=event, registration_id=registration_id)
        .select_related("registration__user")
        .first()
    )
