"""What the exports list: registrations, a session's roster with its waiting list in order, issued documents,
a session's attendance grid.

Each function takes a queryset the caller has already narrowed (the admin's filters and selection,
the viewer's organizations, a command's options) and returns ``(header, rows)``: the header a tuple
of translated column names, the rows a generator reading the database in chunks (``.iterator()``),
so 100,000 rows never sit in memory at once. Values stay Python values (datetimes included); the
writers (``utils.spreadsheets``) format them for CSV or XLSX.
"""

import datetime

from django.db.models import Case, IntegerField, Value, When
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .. import permissions
from ..documents.registry import kind_label
from ..models import ACTIVE_STATUSES, Attendance, IssuedDocument, Registration, RegistrationStatus, Role, Session
from ..services.documents.records import verification_url
from .attendance import attendance_grid

CHUNK = 2000

REGISTRATION_HEADER = (
    _("person"),
    _("username"),
    _("e-mail"),
    _("session code"),
    _("session"),
    _("course"),
    _("role"),
    _("status"),
    _("registered on"),
    _("registered by"),
)
ROSTER_HEADER = (
    _("session code"),
    _("session"),
    _("role"),
    _("status"),
    _("waiting-list position"),
    _("person"),
    _("username"),
    _("e-mail"),
    _("registered on"),
)
DOCUMENT_HEADER = (
    _("kind"),
    _("verification code"),
    _("holder"),
    _("session code"),
    _("issued on"),
    _("verification URL"),
)


def _name(first, last, username):
    return f"{first} {last}".strip() or username


def registration_rows(queryset):
    """Every registration of ``queryset``, by session then person."""
    roles, statuses = dict(Role.choices), dict(RegistrationStatus.choices)
    values = (
        queryset.order_by("session__code", "user__last_name", "user__first_name", "pk")
        .values_list(
            "user__first_name",
            "user__last_name",
            "user__username",
            "user__email",
            "session__code",
            "session__name",
            "session__course__code",
            "role",
            "status",
            "registered_at",
            "registered_by__username",
        )
        .iterator(chunk_size=CHUNK)
    )

    def rows():
        for first, last, username, email, code, name, course, role, status, at, by in values:
            yield (
                _name(first, last, username),
                username,
                email,
                code,
                name,
                course,
                roles[role],
                statuses[status],
                at,
                by or "",
            )

    return REGISTRATION_HEADER, rows()


def roster_rows(sessions):
    """The people of these sessions: confirmed, then pending, then the waiting list in its order.

    Cancelled registrations are left out. The waiting-list position is counted here, the rows
    coming ordered by session, role and waiting order.
    """
    roles, statuses = dict(Role.choices), dict(RegistrationStatus.choices)
    rank = Case(
        When(status=RegistrationStatus.CONFIRMED, then=Value(0)),
        When(status=RegistrationStatus.PENDING, then=Value(1)),
        default=Value(2),
        output_field=IntegerField(),
    )
    values = (
        Registration.objects.filter(session__in=sessions, status__in=ACTIVE_STATUSES)
        .annotate(rank=rank)
        .order_by("session__code", "session_id", "-role", "rank", "waiting_order", "user__last_name", "pk")
        .values_list(
            "session_id",
            "session__code",
            "session__name",
            "role",
            "status",
            "user__first_name",
            "user__last_name",
            "user__username",
            "user__email",
            "registered_at",
        )
        .iterator(chunk_size=CHUNK)
    )

    def rows():
        queue, position = None, 0
        for session_id, code, name, role, status, first, last, username, email, at in values:
            position = position + 1 if status == RegistrationStatus.WAITING and queue == (session_id, role) else 1
            queue = (session_id, role) if status == RegistrationStatus.WAITING else None
            waiting = position if status == RegistrationStatus.WAITING else ""
            yield (
                code,
                name,
                roles[role],
                statuses[status],
                waiting,
                _name(first, last, username),
                username,
                email,
                at,
            )

    return ROSTER_HEADER, rows()


def document_rows(queryset=None):
    """Issued documents, newest first, with the address that verifies each."""
    queryset = IssuedDocument.objects.all() if queryset is None else queryset
    values = (
        queryset.order_by("-issued_at", "-pk")
        .values_list("kind", "verification_code", "holder_name", "session__code", "issued_at")
        .iterator(chunk_size=CHUNK)
    )

    def rows():
        for kind, code, holder, session_code, issued_at in values:
            yield (kind_label(kind), code, holder, session_code, issued_at, verification_url(code))

    return DOCUMENT_HEADER, rows()


def event_heading(event, tz):
    """A séance's column name in an attendance grid: its name, its local start and its id.

    The id (in brackets) lets the import find the séance again even if it was renamed; a file written
    by hand may give the name and the date only (``services.imports.attendance`` reads both).
    """
    start = timezone.localtime(event.start, tz)
    return f"{event.name} — {start:%Y-%m-%d %H:%M} [{event.pk}]"


def status_cell(value, labels):
    """The status in words of the active language, then its machine value: « Présent·e [present] »."""
    return f"{labels[value]} [{value}]"


def attendance_rows(session, now=None):
    """A session's attendance grid: one row per confirmed learner, one column per séance.

    The grid is read by ``selectors.attendance`` in three queries and held whole (a session has
    hundreds of learners, not millions); words are translated now, in the caller's language, since
    a streamed response is written after the view has returned. A cell is empty where the learner
    is not registered in the séance.
    """
    grid = attendance_grid(session, now=now)
    tz = session.tzinfo
    labels = {value: str(label) for value, label in Attendance.choices}
    header = (
        str(_("username")),
        str(_("e-mail")),
        str(_("person")),
        *(event_heading(column.event, tz) for column in grid.columns),
        str(_("Hours attended")),
        str(_("Attendance rate")),
    )

    def rows():
        for row in grid.rows:
            user = row.user
            yield (
                user.get_username(),
                user.email,
                _name(user.first_name, user.last_name, user.get_username()),
                *("" if cell is None else status_cell(cell.attendance, labels) for cell in row.cells),
                row.hours_attended,
                "" if row.rate is None else row.rate,
            )

    return header, rows()


# --- one export, filtered as the command and the API ask -----------------------------------------

#: What can be exported, by name.
EXPORTS = ("registrations", "roster", "documents", "attendance")
ONE_SESSION = _("The attendance export is per session: name one session (its code).")


class ExportRefused(ValueError):
    """The filters do not make an export (the attendance of several sessions at once)."""

    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


def export_rows(what, *, actor=None, course="", session="", status="", start_from=None, start_until=None):
    """(header, rows) of the export ``what``, narrowed by these filters and to what ``actor`` manages.

    ``actor`` None: everything (a shell). ``start_from`` / ``start_until``: days (dates) the
    sessions start within, in the site's time zone. ``status``: of registrations only.
    """
    prefix = {"registrations": "session__", "roster": "", "documents": "session__", "attendance": ""}[what]
    lookups = {}
    if course:
        lookups[f"{prefix}course__code"] = course
    if session:
        lookups[f"{prefix}code"] = session
    if start_from:
        lookups[f"{prefix}start__gte"] = _start_of(start_from)
    if start_until:
        lookups[f"{prefix}start__lt"] = _start_of(start_until + datetime.timedelta(days=1))
    if what == "registrations":
        queryset = Registration.objects.filter(**lookups)
        if status:
            queryset = queryset.filter(status=status)
        if actor is not None:
            queryset = permissions.registrations_managed_by(actor, queryset)
        return registration_rows(queryset)
    if what == "documents":
        queryset = IssuedDocument.objects.filter(**lookups)
        if actor is not None:
            queryset = permissions.documents_managed_by(actor, queryset)
        return document_rows(queryset)
    sessions = Session.objects.filter(**lookups)
    if actor is not None:
        sessions = permissions.sessions_managed_by(actor, sessions)
    if what == "roster":
        return roster_rows(sessions)
    found = list(sessions[:2])
    if len(found) != 1:  # a grid's columns are its séances: one session at a time
        raise ExportRefused(ONE_SESSION)
    return attendance_rows(found[0])


def _start_of(day):
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time()))
