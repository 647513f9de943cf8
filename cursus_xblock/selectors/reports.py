"""The training reports' figures: fill rates, attendance, hours, no-shows, cancellations, certificates.

Every figure is read with a fixed number of queries whatever the number of sessions (grouped
aggregates, one query per figure), so the reports page costs the same for ten sessions or a
thousand. Months are the site's local months: a figure per month is a ``Count`` filtered on that
month's bounds, computed here, rather than a database ``TruncMonth`` (which on MySQL needs the
time-zone tables loaded, and in UTC would put the first hours of a month in the one before).

Hours come from the séances' own lengths: the database gives, per séance, how many learners were
present, absent or not yet recorded, and the hours are summed here from each séance's duration
(summing durations in SQL is not portable across SQLite, PostgreSQL and MySQL).
"""

import datetime
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.db.models import Count, Q
from django.utils import timezone

from .. import permissions
from ..models import (
    Attendance,
    DocumentKind,
    Event,
    EventRegistration,
    HistoryAction,
    IssuedDocument,
    RegistrationHistory,
    RegistrationStatus,
    Role,
    Session,
    SessionStatus,
)

#: A period longer than this many months is refused (one Count per month in a query).
MAX_MONTHS = 60
CERTIFICATE_KINDS = (DocumentKind.SESSION_CERTIFICATE, DocumentKind.EVENT_CERTIFICATE)


@dataclass(frozen=True)
class Filters:
    """What the manager asked: a course, an organization, a period of local dates (both included)."""

    start: datetime.date
    end: datetime.date
    course_id: int | None = None
    organization_id: int | None = None

    @property
    def bounds(self):
        """The period as aware datetimes in the site's time zone: [start 00:00, day after end 00:00)."""
        zone = timezone.get_default_timezone()
        first = datetime.datetime.combine(self.start, datetime.time(), zone)
        after = datetime.datetime.combine(self.end + datetime.timedelta(days=1), datetime.time(), zone)
        return first, after

    @property
    def months(self):
        """The local months the period touches, as ``datetime.date`` of their first day."""
        months, month = [], self.start.replace(day=1)
        while month <= self.end:
            months.append(month)
            month = (month + datetime.timedelta(days=32)).replace(day=1)
        return months


def default_filters(today=None):
    """The calendar year so far and to come: January to December of this year."""
    today = today or timezone.localdate()
    return Filters(start=today.replace(month=1, day=1), end=today.replace(month=12, day=31))


def month_bounds(filters):
    """[(first day, (from, to))] per month, the first and last months cut to the period."""
    zone = timezone.get_default_timezone()
    first, after = filters.bounds
    out = []
    for month in filters.months:
        following = (month + datetime.timedelta(days=32)).replace(day=1)
        low = max(datetime.datetime.combine(month, datetime.time(), zone), first)
        high = min(datetime.datetime.combine(following, datetime.time(), zone), after)
        out.append((month, (low, high)))
    return out


def _narrow(queryset, user, filters, session_path):
    """The rows the viewer manages, of the chosen course and organization."""
    queryset = permissions.managed(queryset, user)
    prefix = f"{session_path}__" if session_path else ""
    if filters.course_id:
        queryset = queryset.filter(**{f"{prefix}course_id": filters.course_id})
    if filters.organization_id:
        queryset = queryset.filter(**{f"{prefix}course__organization_id": filters.organization_id})
    return queryset


# --- fill rate per session -----------------------------------------------------------------------


@dataclass
class FillRate:
    session: object
    capacity: int | None
    confirmed: int
    pending: int
    waiting: int

    @property
    def seats_taken(self):
        return self.confirmed + self.pending

    @property
    def rate(self):
        """Percent of the seats taken (confirmed or pending); None when the capacity is unlimited or zero."""
        if not self.capacity:
            return None
        return round(100 * self.seats_taken / self.capacity)


def fill_rates(user, filters):
    """The sessions (not cancelled) running in the period, with their learners by status: one query."""
    first, after = filters.bounds
    learners = Q(registrations__role=Role.LEARNER)
    sessions = (
        _narrow(Session.objects.all(), user, filters, "")
        .filter(start__lt=after, end__gt=first)
        .exclude(status=SessionStatus.CANCELLED)
        .select_related("course")
        .annotate(
            confirmed=Count("registrations", filter=learners & Q(registrations__status=RegistrationStatus.CONFIRMED)),
            pending=Count("registrations", filter=learners & Q(registrations__status=RegistrationStatus.PENDING)),
            waiting=Count("registrations", filter=learners & Q(registrations__status=RegistrationStatus.WAITING)),
        )
        .order_by("start", "pk")
    )
    return [FillRate(s, s.capacity, s.confirmed, s.pending, s.waiting) for s in sessions]


# --- attendance per séance, per learner; hours; no-shows -----------------------------------------


def _hours(seconds):
    return round(seconds / 3600, 1)


@dataclass
class EventFigures:
    event: object
    learners: int = 0
    present: int = 0
    justified: int = 0
    unjustified: int = 0

    @property
    def recorded(self):
        return self.present + self.justified + self.unjustified

    @property
    def seconds(self):
        return (self.event.end - self.event.start).total_seconds()

    @property
    def rate(self):
        """Percent of the séance's learners present, as on the roll-call grid; None before any record."""
        if not (self.recorded and self.learners):
            return None
        return round(100 * self.present / self.learners)

    @property
    def hours_trained(self):
        return _hours(self.present * self.seconds)


@dataclass
class LearnerFigures:
    user: object
    events: int = 0
    recorded: int = 0
    seconds: float = 0
    attended_seconds: float = 0
    unjustified: int = 0
    unjustified_seconds: float = 0

    @property
    def rate(self):
        """Hours present out of the hours of the learner's séances held, once anything is recorded."""
        if not (self.recorded and self.seconds):
            return None
        return round(100 * self.attended_seconds / self.seconds)

    @property
    def hours(self):
        return _hours(self.seconds)

    @property
    def hours_trained(self):
        return _hours(self.attended_seconds)

    @property
    def hours_missed(self):
        return _hours(self.unjustified_seconds)


@dataclass
class Attendances:
    events: list
    learners: list
    by_course: list = field(default_factory=list)  # [(course, hours, attendances)]
    by_month: list = field(default_factory=list)  # [(first day of the month, hours)]

    @property
    def no_shows(self):
        """Learners absent without justification at least once, the most absent first."""
        return sorted(
            (row for row in self.learners if row.unjustified),
            key=lambda row: (-row.unjustified, -row.unjustified_seconds, _sort_name(row.user)),
        )


def _sort_name(user):
    return (user.last_name.lower(), user.first_name.lower(), user.get_username().lower())


def _roll_cells():
    """The cells every attendance figure counts: confirmed learners registered to the séance."""
    return EventRegistration.objects.filter(
        status=RegistrationStatus.CONFIRMED,
        registration__role=Role.LEARNER,
        registration__status=RegistrationStatus.CONFIRMED,
    )


def attendances(user, filters, now=None):
    """The séances held in the period (started by ``now``), their learners and hours: three queries.

    One grouped query per séance, one per (learner, séance, state) for the learners' figures, one for
    the learners' names.
    """
    now = now or timezone.now()
    first, after = filters.bounds
    events_q = (
        _narrow(Event.objects.all(), user, filters, "session")
        .filter(start__gte=first, start__lt=min(after, now))
        .exclude(session__status=SessionStatus.CANCELLED)
    )
    cells = Q(registrations__status=RegistrationStatus.CONFIRMED) & Q(
        registrations__registration__role=Role.LEARNER,
        registrations__registration__status=RegistrationStatus.CONFIRMED,
    )
    events = (
        events_q.select_related("session__course")
        .annotate(
            learners=Count("registrations", filter=cells),
            present=Count("registrations", filter=cells & Q(registrations__attendance=Attendance.PRESENT)),
            justified=Count("registrations", filter=cells & Q(registrations__attendance=Attendance.ABSENT_JUSTIFIED)),
            unjustified=Count(
                "registrations", filter=cells & Q(registrations__attendance=Attendance.ABSENT_UNJUSTIFIED)
            ),
        )
        .order_by("start", "pk")
    )
    event_rows = {e.pk: EventFigures(e, e.learners, e.present, e.justified, e.unjustified) for e in events}

    per_learner = {}
    counted = (
        _roll_cells()
        .filter(event__in=events_q)
        .values_list("registration__user_id", "event_id", "attendance")
        .order_by()
        .annotate(n=Count("pk"))
    )
    for user_id, event_id, state, n in counted:
        figures = event_rows.get(event_id)
        if figures is None:
            continue
        row = per_learner.setdefault(user_id, LearnerFigures(user=None))
        seconds = figures.seconds * n
        row.events += n
        row.seconds += seconds
        if state != Attendance.UNKNOWN:
            row.recorded += n
        if state == Attendance.PRESENT:
            row.attended_seconds += seconds
        elif state == Attendance.ABSENT_UNJUSTIFIED:
            row.unjustified += n
            row.unjustified_seconds += seconds
    people = get_user_model()._default_manager.filter(
        pk__in=_roll_cells().filter(event__in=events_q).values("registration__user_id")
    )
    for person in people:
        if person.pk in per_learner:
            per_learner[person.pk].user = person
    learners = sorted((row for row in per_learner.values() if row.user is not None), key=lambda r: _sort_name(r.user))

    zone = timezone.get_default_timezone()
    by_course, by_month = {}, {}
    for row in event_rows.values():
        course = row.event.session.course
        _, seconds, present = by_course.get(course.pk, (course, 0, 0))
        by_course[course.pk] = (course, seconds + row.present * row.seconds, present + row.present)
        month = timezone.localtime(row.event.start, zone).date().replace(day=1)
        by_month[month] = by_month.get(month, 0) + row.present * row.seconds
    return Attendances(
        events=list(event_rows.values()),
        learners=learners,
        by_course=[
            (course, _hours(seconds), present)
            for course, seconds, present in sorted(by_course.values(), key=lambda v: v[0].code)
        ],
        by_month=[(month, _hours(by_month.get(month, 0))) for month in filters.months],
    )


# --- cancellations and certificates per month ----------------------------------------------------


def _per_month(filters, field_name):
    return {
        f"m{i}": Count("pk", filter=Q(**{f"{field_name}__gte": low, f"{field_name}__lt": high}))
        for i, (_, (low, high)) in enumerate(month_bounds(filters))
    }


@dataclass
class MonthlyCounts:
    months: list  # first days
    rows: list  # [(label, [count per month])]

    @property
    def totals(self):
        return [sum(row[1][i] for row in self.rows) for i in range(len(self.months))]

    @property
    def total(self):
        return sum(self.totals)


def cancellations(user, filters):
    """Registrations cancelled (unregistered) per month and role, from the history: one query."""
    first, after = filters.bounds
    history = _narrow(RegistrationHistory.objects.all(), user, filters, "registration__session").filter(
        action=HistoryAction.CANCELLED, event_registration__isnull=True, created_at__gte=first, created_at__lt=after
    )
    counts = (
        history.values("registration__role")
        .order_by("registration__role")
        .annotate(**_per_month(filters, "created_at"))
    )
    months = filters.months
    found = {row["registration__role"]: [row[f"m{i}"] for i in range(len(months))] for row in counts}
    return MonthlyCounts(months=months, rows=[(role, found.get(role, [0] * len(months))) for role in Role.values])


def certificates(user, filters):
    """Certificates issued per month and course: one query."""
    first, after = filters.bounds
    documents = _narrow(IssuedDocument.objects.all(), user, filters, "session").filter(
        kind__in=CERTIFICATE_KINDS, issued_at__gte=first, issued_at__lt=after
    )
    counts = (
        documents.values("session__course__code", "session__course__title")
        .order_by("session__course__code")
        .annotate(**_per_month(filters, "issued_at"))
    )
    months = filters.months
    return MonthlyCounts(
        months=months,
        rows=[
            (
                f"{row['session__course__title']} [{row['session__course__code']}]",
                [row[f"m{i}"] for i in range(len(months))],
            )
            for row in counts
        ],
    )
