"""Sessions and their séances from a spreadsheet: parse → plan (the dry run) → apply.

A term is planned in one file: a row per session (course code, session code, name, start, end,
time zone, place, capacity, trainers) and a row per séance (the session code, the séance's name,
start, end, place). A row with a séance name is a séance of the session of its code, a session of
the file or one already there; a session code already there updates that session.

``plan`` reads the database only and builds the sessions and séances the rows describe, validated
as the admin's forms would (``full_clean``), without saving them; ``apply`` plans again and saves
what was planned: a new session as the admin saves it, a changed one through
``registration.session_update`` (so a raised capacity gives its seats to the waiting list), the
trainers through ``registration.register_users``. All in one transaction; nothing is silently
skipped: every row comes back with its result.
"""

import datetime
import re
import zoneinfo
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from ... import permissions
from ...models import ACTIVE_STATUSES, Course, Event, Registration, Role, Session
from ...utils.dates import after_colon, interpolate
from .. import registration, schedule
from ..capacity import session_refusal
from ..outcomes import Refusal, Result
from . import files
from .files import ImportFileError, ImportHasErrors, Plan

__all__ = ["ImportFileError", "ImportHasErrors", "apply", "parse", "plan", "report_csv"]


class RowResult:
    """What happens (dry run) or happened (apply) to one row; the first five are not errors."""

    CREATE = "create"
    UPDATE = "update"
    UNCHANGED = "unchanged"
    CREATE_EVENT = "create_event"
    UPDATE_EVENT = "update_event"
    UNKNOWN_COURSE = "unknown_course"
    UNKNOWN_SESSION = "unknown_session"
    OTHER_COURSE = "other_course"
    NOT_MANAGED = "not_managed"
    BAD_DATE = "bad_date"
    BAD_TIME_ZONE = "bad_time_zone"
    END_BEFORE_START = "end_before_start"
    OUTSIDE_SESSION = "outside_session"
    UNKNOWN_TRAINER = "unknown_trainer"
    TRAINER_REFUSED = "trainer_refused"
    BAD_CAPACITY = "bad_capacity"
    DUPLICATE = "duplicate"
    INCOMPLETE = "incomplete"
    SESSION_ERROR = "session_error"
    INVALID = "invalid"

    OK = (CREATE, UPDATE, UNCHANGED, CREATE_EVENT, UPDATE_EVENT)


#: Labels of the dry run; ``DONE`` replaces them once applied.
LABELS = {
    RowResult.CREATE: _("Would create the session"),
    RowResult.UPDATE: _("Would update the session"),
    RowResult.UNCHANGED: _("No change"),
    RowResult.CREATE_EVENT: _("Would create the séance"),
    RowResult.UPDATE_EVENT: _("Would update the séance"),
    RowResult.UNKNOWN_COURSE: _("Unknown course"),
    RowResult.UNKNOWN_SESSION: _("Unknown session"),
    RowResult.OTHER_COURSE: _("Session of another course"),
    RowResult.NOT_MANAGED: _("Course outside your organizations"),
    RowResult.BAD_DATE: _("Bad date"),
    RowResult.BAD_TIME_ZONE: _("Unknown time zone"),
    RowResult.END_BEFORE_START: _("End before start"),
    RowResult.OUTSIDE_SESSION: _("Séance outside its session"),
    RowResult.UNKNOWN_TRAINER: _("Unknown trainer"),
    RowResult.TRAINER_REFUSED: _("Trainers cannot be registered"),
    RowResult.BAD_CAPACITY: _("Bad capacity"),
    RowResult.DUPLICATE: _("Duplicate row"),
    RowResult.INCOMPLETE: _("Incomplete row"),
    RowResult.SESSION_ERROR: _("Its session's row has an error"),
    RowResult.INVALID: _("Invalid row"),
}
DONE = {
    RowResult.CREATE: _("Session created"),
    RowResult.UPDATE: _("Session updated"),
    RowResult.CREATE_EVENT: _("Séance created"),
    RowResult.UPDATE_EVENT: _("Séance updated"),
}

#: The fields a session row sets, in the order its message lists the changes.
SESSION_CHANGES = ("name", "start", "end", "time_zone", "place", "capacity")
EVENT_CHANGES = ("start", "end", "place")


@dataclass
class SessionRow:
    line: int
    course_code: str = ""
    session_code: str = ""
    name: str = ""
    event_name: str = ""
    start_text: str = ""
    end_text: str = ""
    time_zone: str = ""
    place: str = ""
    capacity_text: str = ""
    trainers_text: str = ""
    result: str = ""
    message: str = ""
    applied: bool = False
    # Planned: the session or séance to save, the changed fields of an existing one, the trainers to register.
    target: object = None
    changes: dict = field(default_factory=dict)
    trainers: list = field(default_factory=list)

    @property
    def is_event(self):
        return bool(self.event_name)

    @property
    def ok(self):
        return self.result in RowResult.OK

    @property
    def label(self):
        return (DONE if self.applied else {}).get(self.result) or LABELS[self.result]

    def values(self):
        """What the file said: enough to plan the row again (the admin signs it between dry run and apply)."""
        return [
            self.line,
            self.course_code,
            self.session_code,
            self.name,
            self.event_name,
            self.start_text,
            self.end_text,
            self.time_zone,
            self.place,
            self.capacity_text,
            self.trainers_text,
        ]

    def as_list(self):
        """The row as the report's CSV columns (see ``REPORT_HEADER``)."""
        return [
            self.line,
            self.course_code,
            self.session_code,
            self.event_name,
            self.start_text,
            self.end_text,
            str(self.label),
            str(self.message),
        ]


REPORT_HEADER = (_("line"), _("course"), _("session"), _("séance"), _("start"), _("end"), _("result"), _("message"))


SessionPlan = Plan


# --- parse -----------------------------------------------------------------------------------

#: Accepted column names (lower case, without accents) for each field.
COLUMNS = {
    "course": {"course", "course code", "formation", "code formation", "code de formation", "code de la formation"},
    "session": {"session", "session code", "code session", "code de session", "code de la session", "code"},
    "name": {"name", "session name", "title", "nom", "nom de la session", "intitule", "titre"},
    "event": {"seance", "event", "event name", "seance name", "nom de la seance"},
    "start": {"start", "starts", "start date", "debut", "date de debut", "commence"},
    "end": {"end", "ends", "end date", "fin", "date de fin"},
    "time_zone": {"time zone", "timezone", "tz", "fuseau horaire", "fuseau"},
    "place": {"place", "location", "room", "lieu", "salle"},
    "capacity": {"capacity", "seats", "capacite", "places"},
    "trainers": {"trainers", "trainer", "formateurs", "formateur", "formatrices", "formatrice"},
}
REQUIRED = ("course", "session", "name", "start", "end")
UNLIMITED = {"unlimited", "illimitee", "illimite", "illimitees", "illimites"}
_DATE_FORMATS = ("%d/%m/%Y %H:%M", "%d/%m/%Y %H:%M:%S", "%d/%m/%Y %Hh%M", "%d/%m/%Y")
_TRAINER_SEPARATORS = re.compile(r"[\s,;|]+")


def _text(value):
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        return value.isoformat(sep=" ", timespec="minutes")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def parse(content, filename="", max_rows=None):
    """[SessionRow] of a CSV or XLSX file's bytes; ``ImportFileError`` when it cannot be read
    (or has more than ``max_rows`` rows, by default ``IMPORT_MAX_ROWS``)."""
    header, table = files.table(content, filename)
    positions = files.positions(header, COLUMNS)
    if any(key not in positions for key in REQUIRED):
        raise ImportFileError(
            _("The file needs a column for the course code, the session code, the name, the start and the end.")
        )

    def cell(values, key):
        index = positions.get(key)
        return _text(values[index]) if index is not None and index < len(values) else ""

    return [
        SessionRow(
            line=line,
            course_code=cell(values, "course"),
            session_code=cell(values, "session"),
            name=cell(values, "name"),
            event_name=cell(values, "event"),
            start_text=cell(values, "start"),
            end_text=cell(values, "end"),
            time_zone=cell(values, "time_zone"),
            place=cell(values, "place"),
            capacity_text=cell(values, "capacity"),
            trainers_text=cell(values, "trainers"),
        )
        for line, values in files.data_lines(table, max_rows)
    ]


def row_of(values):
    """A ``SessionRow`` from ``SessionRow.values``."""
    return SessionRow(*values)


def _date(text, zone):
    """An aware datetime, or None: ISO 8601 (with or without an offset) or dd/mm/yyyy hh:mm in ``zone``."""
    try:
        value = datetime.datetime.fromisoformat(text)
    except ValueError:
        value = None
        for pattern in _DATE_FORMATS:
            try:
                value = datetime.datetime.strptime(text, pattern)  # noqa: DTZ007 (made aware below, in the zone)
                break
            except ValueError:
                continue
    if value is None:
        return None
    return value if timezone.is_aware(value) else timezone.make_aware(value, zone)


def _capacity(text):
    """(ok, capacity): empty keeps it (None, ``...``), a word means unlimited, else a whole number ≥ 0."""
    if not text:
        return True, ...
    if files.normal(text) in UNLIMITED:
        return True, None
    if text.isdigit():
        return True, int(text)
    return False, None


# --- plan ------------------------------------------------------------------------------------


def plan(rows, *, actor=None):
    """Decide every row without writing: the dry run. ``actor`` None: no organization limit."""
    context = _Context(rows, actor)
    sessions_of_file = {}
    for row in rows:
        if not row.is_event:
            _plan_session(row, context, sessions_of_file)
    for row in rows:
        if row.is_event:
            _plan_event(row, context, sessions_of_file)
    return SessionPlan(rows=rows)


class _Context:
    """Everything the rows name, read in a few queries."""

    def __init__(self, rows, actor):
        codes = {row.session_code for row in rows if row.session_code}
        self.courses = {c.code: c for c in Course.objects.filter(code__in={r.course_code for r in rows})}
        self.sessions = {s.code: s for s in Session.objects.select_related("course").filter(code__in=codes)}
        self.events = {}
        for event in Event.objects.filter(session__in=self.sessions.values()).order_by("pk"):
            self.events.setdefault((event.session_id, event.name), event)
        self.scope = permissions.training_scope(actor) if actor is not None else permissions.EVERYTHING
        self.actor = actor
        self.people = _people({name for row in rows if not row.is_event for name in _names(row.trainers_text)})
        self.trainers = set(
            Registration.objects.filter(
                session__in=self.sessions.values(), role=Role.TRAINER, status__in=ACTIVE_STATUSES
            ).values_list("session_id", "user_id")
        )
        self.now = timezone.now()

    def manages(self, obj):
        return self.actor is None or permissions.manages(self.actor, obj, self.scope)


def _names(text):
    return [name for name in _TRAINER_SEPARATORS.split(text) if name]


def _people(names):
    """{name: user, or None (nobody), or a list (several people share that e-mail)}: usernames first."""
    User = get_user_model()
    found = {u.get_username(): u for u in User._default_manager.filter(username__in=names)} if names else {}
    emails = {name.lower() for name in names if "@" in name and name not in found}
    by_email = {}
    if emails:
        for user in User._default_manager.annotate(_email=Lower("email")).filter(_email__in=emails):
            by_email.setdefault(user._email, []).append(user)
    people = {}
    for name in names:
        if name in found:
            people[name] = found[name]
        else:
            matches = by_email.get(name.lower(), [])
            people[name] = matches[0] if len(matches) == 1 else (matches or None)
    return people


def _error(row, result, message=""):
    row.result, row.message, row.target, row.changes, row.trainers = result, message, None, {}, []


def _zone_and_dates(row, default_zone):
    """(start, end) in the row's zone, or None with the row's error set."""
    zone_name = row.time_zone or default_zone
    try:
        zone = zoneinfo.ZoneInfo(zone_name)
    except (ValueError, zoneinfo.ZoneInfoNotFoundError):
        _error(row, RowResult.BAD_TIME_ZONE, interpolate(_("“%(zone)s” is not a known time zone."), zone=zone_name))
        return None
    start, end = _date(row.start_text, zone), _date(row.end_text, zone)
    if start is None or end is None:
        _error(
            row,
            RowResult.BAD_DATE,
            _("Dates are written 2026-09-14 09:00 or 14/09/2026 09:00, in the row's time zone unless they say theirs."),
        )
        return None
    if end <= start:
        _error(row, RowResult.END_BEFORE_START, _("The end must be after the start."))
        return None
    return start, end


def _first_message(exc):
    return next(iter(exc.messages), "")


def _plan_session(row, context, planned):
    if not (row.course_code and row.session_code and row.name and row.start_text and row.end_text):
        _error(row, RowResult.INCOMPLETE, _("A session row needs the course, the session code, name, start and end."))
        return
    if row.session_code in planned:
        _error(
            row,
            RowResult.DUPLICATE,
            interpolate(_("Same session code as line %(line)s."), line=planned[row.session_code].line),
        )
        return
    planned[row.session_code] = row
    course = context.courses.get(row.course_code)
    if course is None:
        _error(row, RowResult.UNKNOWN_COURSE, _("No course has this code."))
        return
    if not context.manages(course):
        _error(row, RowResult.NOT_MANAGED, _("You do not manage the organization of this course."))
        return
    existing = context.sessions.get(row.session_code)
    if existing is not None and existing.course_id != course.pk:
        _error(
            row,
            RowResult.OTHER_COURSE,
            interpolate(_("This session code belongs to the course %(course)s."), course=existing.course.code),
        )
        return
    zone_default = existing.time_zone if existing is not None else Session._meta.get_field("time_zone").get_default()
    dates = _zone_and_dates(row, zone_default)
    if dates is None:
        return
    ok, capacity = _capacity(row.capacity_text)
    if not ok:
        _error(row, RowResult.BAD_CAPACITY, _("The capacity is a whole number, empty, or “unlimited”."))
        return
    trainers = []
    for name in _names(row.trainers_text):
        person = context.people.get(name)
        if not person or isinstance(person, list):
            _error(
                row,
                RowResult.UNKNOWN_TRAINER,
                interpolate(_("No single person has the username or e-mail address %(name)s."), name=name),
            )
            return
        trainers.append(person)
    values = {
        "name": row.name,
        "start": dates[0],
        "end": dates[1],
        "time_zone": row.time_zone or zone_default,
        "place": row.place,
    }
    if capacity is not ...:
        values["capacity"] = capacity
    if existing is None:
        session = Session(course=course, code=row.session_code, **{**course.session_defaults(), **values})
        changes = values
    else:
        session = Session(**{f.attname: getattr(existing, f.attname) for f in Session._meta.concrete_fields})
        session.course = existing.course
        changes = {name: value for name, value in values.items() if getattr(existing, name) != value}
        for name, value in changes.items():
            setattr(session, name, value)
    try:
        session.full_clean(validate_unique=False, validate_constraints=False, exclude=["course"])
    except ValidationError as exc:
        _error(row, RowResult.INVALID, _first_message(exc))
        return
    trainers = [
        user for user in dict.fromkeys(trainers) if existing is None or (existing.pk, user.pk) not in context.trainers
    ]
    refusal = session_refusal(session, context.now) if trainers else ""
    if refusal:
        message = interpolate(_("Trainers cannot be registered: %(why)s"), why=after_colon(Refusal(refusal).label))
        _error(row, RowResult.TRAINER_REFUSED, message)
        return
    row.target, row.changes, row.trainers = session, changes, trainers
    if existing is None:
        row.result = RowResult.CREATE
    elif changes or trainers:
        row.result = RowResult.UPDATE
    else:
        row.result = RowResult.UNCHANGED
    row.message = _changes_message(changes if existing is not None else {}, trainers)


def _changes_message(changes, trainers):
    parts = [str(Session._meta.get_field(name).verbose_name) for name in SESSION_CHANGES if name in changes]
    text = ", ".join(parts)
    if trainers:
        names = ", ".join(user.get_username() for user in trainers)
        text = _then(text, interpolate(_("trainers: %(names)s"), names=names))
    return text


def _then(first, *more):
    """Parts of a row's message one after the other, as each language separates them."""
    text = str(first or "")
    for part in more:
        text = str(gettext("%(first)s; %(then)s") % {"first": text, "then": part}) if text else str(part)
    return text


def _plan_event(row, context, planned):
    if not (row.session_code and row.start_text and row.end_text):
        _error(row, RowResult.INCOMPLETE, _("A séance row needs the session code, its name, start and end."))
        return
    session_row = planned.get(row.session_code)
    existing_session = context.sessions.get(row.session_code)
    if session_row is not None and not session_row.ok:
        _error(row, RowResult.SESSION_ERROR, interpolate(_("See line %(line)s, its session."), line=session_row.line))
        return
    session = session_row.target if session_row is not None else existing_session
    if session is None:
        _error(row, RowResult.UNKNOWN_SESSION, _("No session has this code, in the file or already."))
        return
    if session_row is None and not context.manages(existing_session):
        _error(row, RowResult.NOT_MANAGED, _("You do not manage the organization of this session."))
        return
    key = (row.session_code, row.event_name)
    if key in planned:
        _error(
            row,
            RowResult.DUPLICATE,
            interpolate(_("Same session and séance as line %(line)s."), line=planned[key].line),
        )
        return
    planned[key] = row
    dates = _zone_and_dates(row, session.time_zone)
    if dates is None:
        return
    start, end = dates
    if start < session.start or end > session.end:
        _error(row, RowResult.OUTSIDE_SESSION, _("The event must take place within its session's dates."))
        return
    values = {"start": start, "end": end, "place": row.place}
    existing = context.events.get((existing_session.pk, row.event_name)) if existing_session is not None else None
    if existing is None:
        event = Event(session=session, name=row.event_name, **values)
        changes = values
    else:
        event = Event(**{f.attname: getattr(existing, f.attname) for f in Event._meta.concrete_fields})
        event.session = session
        changes = {name: value for name, value in values.items() if getattr(existing, name) != value}
        for name, value in changes.items():
            setattr(event, name, value)
    try:
        event.full_clean(validate_unique=False, validate_constraints=False, exclude=["session"])
    except ValidationError as exc:
        _error(row, RowResult.INVALID, _first_message(exc))
        return
    row.target, row.changes = event, changes
    if existing is None:
        row.result = RowResult.CREATE_EVENT
    else:
        row.result = RowResult.UPDATE_EVENT if changes else RowResult.UNCHANGED
        row.message = ", ".join(
            str(Event._meta.get_field(name).verbose_name) for name in EVENT_CHANGES if name in changes
        )


# --- apply -----------------------------------------------------------------------------------


def apply(rows, *, actor=None, allow_errors=False):
    """Plan again (the database may have moved since the dry run), then save the valid rows.

    All or nothing: one transaction. Sessions first, then séances, each in the order of the file;
    rows that are not valid keep their planned result.
    """
    result = plan(rows, actor=actor)
    if result.errors and not allow_errors:
        raise ImportHasErrors(
            interpolate(
                _("%(count)s rows have errors: correct the file, or apply its valid rows only."),
                count=len(result.errors),
            )
        )
    valid = [row for row in rows if row.ok]
    with transaction.atomic():
        for row in valid:
            if not row.is_event:
                _apply_session(row, actor)
        for row in valid:
            if row.is_event:
                _apply_event(row, actor)
            row.applied = True
    result.applied = True
    return result


def _apply_session(row, actor):
    session = row.target
    if row.result == RowResult.CREATE:
        # As the admin saves a new session: nobody is registered yet, so no waiting list to move.
        session.save()
    elif row.changes:
        existing = Session.objects.get(pk=session.pk)
        promoted = registration.session_update(session=existing, actor=actor, **row.changes)
        row.target = session = existing
        if promoted:
            moved = ngettext(
                "%(count)d learner moved from the waiting list to the session.",
                "%(count)d learners moved from the waiting list to the session.",
                len(promoted),
            ) % {"count": len(promoted)}
            row.message = _then(row.message, moved)
    if row.trainers:
        outcomes = registration.register_users(session=session, users=row.trainers, role=Role.TRAINER, actor=actor)
        refused = [o for o in outcomes if o.result == Result.REFUSED]
        if refused:
            # Only a workspace can refuse a trainer the plan accepted: the row says who and why.
            row.message = _then(row.message, *(f"{o.user.get_username()}: {o.message}" for o in refused))


def _apply_event(row, actor):
    event = row.target  # a new session's séance: its session was saved above, save() takes its id
    if row.result == RowResult.CREATE_EVENT:
        event.save()
    elif row.changes:
        existing = Event.objects.get(pk=event.pk)
        for name, value in row.changes.items():
            setattr(existing, name, value)
        # Through the service, which tells the séance's learners of new dates or place.
        schedule.event_save(event=existing, actor=actor)
        row.target = existing


def report_csv(rows):
    """The per-row report as CSV text (UTF-8 with a BOM, ``;``)."""
    return files.report_csv(REPORT_HEADER, (row.as_list() for row in rows))
