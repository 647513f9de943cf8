"""A session's attendance from a spreadsheet: parse → plan (the dry run) → apply.

Two layouts are read, told apart by their header:

* **wide**, as the grid's export writes it (``selectors.exports.attendance_rows``): one row per
  learner (username and/or e-mail), one column per séance named « name — YYYY-MM-DD HH:MM [id] »
  (the id, or else the name and the date, finds the séance), a status per cell. An exported file
  edited in a spreadsheet comes back as it is; an empty cell leaves that attendance as it is.
* **long**: one row per mark, with the columns person (username or e-mail), séance (its id, or its
  name with a date column when two séances share it) and status.

Column names and status words are French or English; a status may also be the machine value or
the export's « words [value] ». ``plan`` reads the database only and says for every cell what
``apply`` will do; ``apply`` writes through ``attendance.attendance_mark_many`` (one call per
séance, one transaction), so every change has its history row with the actor and the reason.
"""

import datetime
import re
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models.functions import Lower
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from ...models import Attendance, Event, EventRegistration, RegistrationStatus, Role
from ...utils.dates import interpolate
from .. import attendance
from . import files
from .files import ImportFileError, ImportHasErrors, normal

__all__ = ["ImportFileError", "ImportHasErrors", "apply", "parse", "plan"]

#: The reason of the history rows an import writes.
REASON = "import"


class CellResult:
    """What happens (dry run) or happened (apply) to one cell; the first two are not errors."""

    CHANGE = "change"
    UNCHANGED = "unchanged"
    UNKNOWN_PERSON = "unknown_person"
    NOT_REGISTERED = "not_registered"
    UNKNOWN_EVENT = "unknown_event"
    BAD_STATUS = "bad_status"
    DUPLICATE = "duplicate"
    NOT_STARTED = "not_started"
    INCOMPLETE = "incomplete"

    OK = (CHANGE, UNCHANGED)


LABELS = {
    CellResult.CHANGE: _("Would change"),
    CellResult.UNCHANGED: _("Unchanged"),
    CellResult.UNKNOWN_PERSON: _("Unknown person"),
    CellResult.NOT_REGISTERED: _("Not registered in this séance"),
    CellResult.UNKNOWN_EVENT: _("Unknown séance"),
    CellResult.BAD_STATUS: _("Unknown status"),
    CellResult.DUPLICATE: _("Duplicate"),
    CellResult.NOT_STARTED: _("Séance not started yet"),
    CellResult.INCOMPLETE: _("Incomplete row"),
}
APPLIED_LABELS = {CellResult.CHANGE: _("Changed")}

REPORT_HEADER = (
    _("line"),
    _("person"),
    _("séance"),
    _("status in the file"),
    _("result"),
    _("before"),
    _("after"),
    _("message"),
)


@dataclass
class AttendanceCell:
    """One mark of the file: a (person, séance, status) of a long row, or a cell of a wide row."""

    line: int
    person: str
    event_text: str
    date_text: str
    status_text: str
    result: str = ""
    message: str = ""
    old: str = ""
    new: str = ""
    applied: bool = False
    event: object = None
    event_registration_id: int | None = None

    def values(self):
        """What the signed form keeps between the dry run and the apply."""
        return [self.line, self.person, self.event_text, self.date_text, self.status_text]

    @property
    def ok(self):
        return self.result in CellResult.OK

    @property
    def label(self):
        return (APPLIED_LABELS if self.applied else LABELS).get(self.result, LABELS[self.result])

    def as_list(self):
        """The cell as the report's CSV columns (see ``REPORT_HEADER``)."""
        states = dict(Attendance.choices)
        event = self.event_text if not self.date_text else f"{self.event_text} — {self.date_text}"
        return [
            self.line,
            self.person,
            event,
            self.status_text,
            str(self.label),
            str(states.get(self.old, "")),
            str(states.get(self.new, "")),
            str(self.message),
        ]


@dataclass
class AttendancePlan:
    rows: list = field(default_factory=list)
    applied: bool = False

    @property
    def errors(self):
        return [cell for cell in self.rows if not cell.ok]

    def counts(self):
        """[(label, number of cells)], in the order results first appear."""
        counts, labels = {}, {}
        for cell in self.rows:
            counts[cell.result] = counts.get(cell.result, 0) + 1
            labels[cell.result] = cell.label
        return [(labels[result], number) for result, number in counts.items()]


# --- parse -----------------------------------------------------------------------------------

USERNAME = {"username", "user", "login", "utilisateur", "nom d'utilisateur", "identifiant"}
EMAIL = {"email", "e-mail", "mail", "courriel", "adresse e-mail", "adresse electronique"}
COLUMNS = {
    "username": USERNAME,
    "email": EMAIL,
    "person": {"person", "personne", "learner", "apprenant", "apprenante", "participant"},
    "event": {"seance", "event", "seance id", "event id", "id", "identifiant de la seance"},
    "date": {"date", "start", "debut", "date de la seance", "event date"},
    "status": {"status", "statut", "attendance", "presence", "etat"},
}
#: Columns of the wide layout that are not séances (the export's summary columns, in both languages).
SUMMARY = {
    "name",
    "nom",
    "full name",
    "nom complet",
    "hours",
    "heures",
    "hours attended",
    "heures suivies",
    "heures de presence",
    "rate",
    "taux",
    "attendance rate",
    "taux de presence",
}
EMPTY = {"", "-", "—", "–"}

SYNONYMS = {
    Attendance.PRESENT: {"present", "presente", "present e", "p", "yes", "oui"},
    Attendance.ABSENT_JUSTIFIED: {
        "excused",
        "justified",
        "absent justified",
        "justified absence",
        "absent justifie",
        "absente justifiee",
        "absence justifiee",
        "excuse",
        "excusee",
    },
    Attendance.ABSENT_UNJUSTIFIED: {
        "absent",
        "absente",
        "unjustified",
        "absent unjustified",
        "unjustified absence",
        "absent non justifie",
        "absente non justifiee",
        "absence non justifiee",
        "no",
        "non",
    },
    Attendance.UNKNOWN: {"unknown", "inconnu", "inconnue", "non renseigne", "non renseignee", "?"},
}
MACHINE = re.compile(r"\[\s*([a-z_]+)\s*\]\s*$")
HEADING_ID = re.compile(r"\[\s*#?(\d+)\s*\]\s*$")
HEADING_DATE = re.compile(
    r"^(.*?)\s+[—–-]\s+(\d{4}-\d{2}-\d{2}(?:[ T]\d{2}:\d{2})?|\d{2}/\d{2}/\d{4}(?: \d{2}:\d{2})?)\s*$"
)


def _words(text):
    """``normal`` without the punctuation a label carries: « Absent (justified) » → « absent justified »."""
    return " ".join(re.sub(r"[()·.,]", " ", normal(text)).split())


def _vocabulary():
    """Status words → values: machine values, the labels in French and English, the usual synonyms."""
    words = {}
    for value, names in SYNONYMS.items():
        words[value] = value
        for name in names:
            words[name] = value
    for language in ("en", "fr"):
        with translation.override(language):
            for value, label in Attendance.choices:
                words[_words(str(label))] = value
    return words


def status_of(text):
    """The attendance value a cell means, or "" when it is not a status."""
    text = str(text or "").strip()
    machine = MACHINE.search(text)
    if machine and machine.group(1) in Attendance.values:
        return machine.group(1)
    return _vocabulary().get(_words(text), "")


def _text(value):
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        return f"{value:%Y-%m-%d %H:%M}"
    if isinstance(value, datetime.date):
        return f"{value:%Y-%m-%d}"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def parse(content, filename=""):
    """[AttendanceCell] of a CSV or XLSX file's bytes, wide or long; ``ImportFileError`` when unreadable."""
    header, table = files.table(content, filename)
    header = [_text(name) for name in header]
    found = files.positions(header, COLUMNS)
    if "username" not in found and "email" not in found and "person" in found:
        found["username"] = found.pop("person")  # a long file's « person » column: a username or an e-mail
    if "username" not in found and "email" not in found:
        raise ImportFileError(_("The file needs a column for the person: username or e-mail."))
    if "status" in found and "event" in found:
        return _long(found, table)
    ignored = {found[key] for key in ("username", "email", "person", "date") if key in found}
    events = [
        (index, name)
        for index, name in enumerate(header)
        if index not in ignored and name and _words(name) not in _summary_names()
    ]
    if not events:
        raise ImportFileError(
            _(
                "The file needs either a column per séance (as the attendance export writes it), or the columns "
                "séance and status (one row per mark)."
            )
        )
    return _wide(found, events, table)


def _summary_names():
    names = set(SUMMARY)
    for language in ("en", "fr"):
        with translation.override(language):
            names |= {_words(str(_("Hours attended"))), _words(str(_("Attendance rate"))), _words(str(_("person")))}
    return names


def _cell(values, index):
    return _text(values[index]) if index is not None and index < len(values) else ""


def _person(values, found):
    return _cell(values, found.get("username")) or _cell(values, found.get("email"))


def _long(found, table):
    return [
        AttendanceCell(
            line=line,
            person=_person(values, found),
            event_text=_cell(values, found["event"]),
            date_text=_cell(values, found.get("date")),
            status_text=_cell(values, found["status"]),
        )
        for line, values in files.data_lines(table)
    ]


def _wide(found, events, table):
    cells = []
    for line, values in files.data_lines(table):
        person = _person(values, found)
        marks = [
            AttendanceCell(line=line, person=person, event_text=name, date_text="", status_text=_cell(values, index))
            for index, name in events
            if _cell(values, index) not in EMPTY
        ]
        # A learner's row with no mark at all is reported, not dropped.
        cells.extend(marks or [AttendanceCell(line=line, person=person, event_text="", date_text="", status_text="")])
    return cells


# --- plan ------------------------------------------------------------------------------------


def plan(cells, *, session, actor=None, now=None):
    """Decide every cell against ``session`` without writing: the dry run.

    ``actor`` is who imports (checked by the caller: the session's training managers and trainers).
    """
    now = now or timezone.now()
    people = _people(cells)
    events = list(Event.objects.filter(session=session).order_by("start", "pk"))
    rows = {
        (row.registration.user_id, row.event_id): row
        for row in EventRegistration.objects.filter(
            event__session=session,
            status=RegistrationStatus.CONFIRMED,
            registration__role=Role.LEARNER,
            registration__status=RegistrationStatus.CONFIRMED,
        ).select_related("registration")
    }
    seen = {}
    for cell in cells:
        _decide(cell, people, events, rows, seen, session, now)
    return AttendancePlan(rows=cells)


def _decide(cell, people, events, rows, seen, session, now):  # noqa: C901 (one rule after the other, in order)
    cell.result, cell.message, cell.old, cell.new, cell.applied = "", "", "", "", False
    if not (cell.person and cell.event_text and cell.status_text):
        cell.result = CellResult.INCOMPLETE
        cell.message = _("The person, the séance and the status are required.")
        return
    user, problem = people.get(cell.person, (None, _("No person has this username or e-mail address.")))
    if user is None:
        cell.result, cell.message = CellResult.UNKNOWN_PERSON, problem
        return
    cell.event, problem = _event(cell, events, session)
    if cell.event is None:
        cell.result, cell.message = CellResult.UNKNOWN_EVENT, problem
        return
    cell.new = status_of(cell.status_text)
    if not cell.new:
        cell.result = CellResult.BAD_STATUS
        cell.message = _(
            "The status is present, excused, absent or unknown (présent, absent justifié, absent non justifié, "
            "inconnu)."
        )
        return
    row = rows.get((user.pk, cell.event.pk))
    if row is None:
        cell.result = CellResult.NOT_REGISTERED
        cell.message = _("This person is not a confirmed learner of this séance.")
        return
    if row.pk in seen:
        cell.result = CellResult.DUPLICATE
        cell.message = interpolate(_("Same person and séance as line %(line)s."), line=seen[row.pk])
        return
    seen[row.pk] = cell.line
    cell.event_registration_id, cell.old = row.pk, row.attendance
    if cell.new != Attendance.UNKNOWN and cell.event.start > now:
        cell.result = CellResult.NOT_STARTED
        cell.message = _("This séance has not started yet: only « unknown » can be recorded.")
        return
    cell.result = CellResult.CHANGE if cell.new != cell.old else CellResult.UNCHANGED


def _people(cells):
    """{text of the file: (user or None, why not)}: a username first, then an e-mail address."""
    User = get_user_model()
    texts = {cell.person for cell in cells if cell.person}
    by_name = {u.get_username(): u for u in User._default_manager.filter(username__in=texts)} if texts else {}
    emails = {text.lower() for text in texts if "@" in text}
    by_email = {}
    if emails:
        for user in User._default_manager.annotate(_email=Lower("email")).filter(_email__in=emails):
            by_email.setdefault(user._email, []).append(user)
    people = {}
    for text in texts:
        if text in by_name:
            people[text] = (by_name[text], "")
            continue
        found = by_email.get(text.lower(), [])
        if len(found) == 1:
            people[text] = (found[0], "")
        elif found:
            people[text] = (None, _("Several people have this e-mail address: use the username."))
    return people


def _event(cell, events, session):
    """(the séance of the session the cell names, or None and why)."""
    text, date = cell.event_text, cell.date_text
    by_id = HEADING_ID.search(text)
    if by_id or text.isdigit():
        pk = int(by_id.group(1) if by_id else text)
        found = next((event for event in events if event.pk == pk), None)
        return found, ("" if found else _("This session has no séance with this id."))
    heading = HEADING_DATE.match(text)
    if heading and not date:
        text, date = heading.groups()
    candidates = [event for event in events if normal(event.name) == normal(text)]
    if date:
        moment = _moment(date)
        if moment is None:
            return None, _("The date of the séance is not a date (2026-09-14 or 2026-09-14 09:00).")
        candidates = [event for event in candidates if _starts(event, moment, session.tzinfo)]
    if len(candidates) == 1:
        return candidates[0], ""
    if candidates:
        return None, _("Several séances have this name: give their date and time, or their id.")
    return None, _("This session has no séance with this name and date.")


def _moment(text):
    """(date, "HH:MM" or None) of a date as the export or a spreadsheet writes it."""
    text = text.strip().replace("T", " ")
    for fmt, timed in (
        ("%Y-%m-%d %H:%M:%S", True),
        ("%Y-%m-%d %H:%M", True),
        ("%d/%m/%Y %H:%M", True),
        ("%Y-%m-%d", False),
        ("%d/%m/%Y", False),
    ):
        try:
            value = datetime.datetime.strptime(text, fmt)  # noqa: DTZ007 (compared with the séance's local start)
        except ValueError:
            continue
        return value.date(), (f"{value:%H:%M}" if timed else None)
    return None


def _starts(event, moment, tz):
    start = timezone.localtime(event.start, tz)
    day, time = moment
    return start.date() == day and (time is None or f"{start:%H:%M}" == time)


# --- apply -----------------------------------------------------------------------------------


def apply(cells, *, session, actor=None, allow_errors=False):
    """Plan again (the database may have moved since the dry run), then record the valid cells.

    One transaction and one ``attendance_mark_many`` per séance: all or nothing. Cells with errors
    keep their planned result and write nothing.
    """
    result = plan(cells, session=session, actor=actor)
    if result.errors and not allow_errors:
        raise ImportHasErrors(
            interpolate(
                _("%(count)s cells have errors: correct the file, or apply its valid cells only."),
                count=len(result.errors),
            )
        )
    by_event = {}
    for cell in cells:
        if cell.ok:
            by_event.setdefault(cell.event, {})[cell.event_registration_id] = cell.new
    with transaction.atomic():
        for event, marks in by_event.items():
            attendance.attendance_mark_many(event=event, marks=marks, actor=actor, reason=REASON)
    for cell in cells:
        cell.applied = cell.ok
    result.applied = True
    return result


def report_csv(cells):
    """The per-cell report as CSV text (UTF-8 with a BOM, ``;``)."""
    return files.report_csv(REPORT_HEADER, (cell.as_list() for cell in cells))
