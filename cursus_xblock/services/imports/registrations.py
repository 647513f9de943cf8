"""Registrations from a spreadsheet: parse → plan (the dry run) → apply.

The file is read by ``files`` (CSV or XLSX, French or English column names). ``plan`` reads the
database only and says, row by row, what ``apply`` will do, using the registration service's own
rules (``capacity``): who gets a seat, who waits and at which rank, who is already there, and
every error. ``apply`` registers the valid rows through ``registration.register_users``, one call
per (session, role, reason) in the order of the file, so its outcomes are the plan's as long as
nobody else registers in between; nothing is silently skipped: every row comes back with its result.
"""

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ... import permissions
from ...models import ACTIVE_STATUSES, RegistrationStatus, Role, Session
from ...models import Registration as RegistrationModel
from ...utils.dates import interpolate
from .. import registration
from ..capacity import admission, seat_counts_of, session_refusal, waiting_positions_of
from ..notification_groups import one_message_per_person
from ..outcomes import Refusal, Result
from . import files
from .files import ImportFileError, ImportHasErrors, Plan, normal


class RowResult:
    """What happens (dry run) or happened (apply) to one row; the first four are not errors."""

    REGISTERED = "registered"
    WAITING = "waiting"
    PENDING = "pending"
    ALREADY_REGISTERED = "already_registered"
    UNKNOWN_PERSON = "unknown_person"
    UNKNOWN_SESSION = "unknown_session"
    NOT_MANAGED = "not_managed"
    FULL = "full"
    CLOSED = "closed"
    BAD_ROLE = "bad_role"
    DUPLICATE = "duplicate"
    INCOMPLETE = "incomplete"
    WORKSPACE_REFUSED = "workspace_refused"

    OK = (REGISTERED, WAITING, PENDING, ALREADY_REGISTERED)


LABELS = {
    RowResult.REGISTERED: _("Registered"),
    RowResult.WAITING: _("Waiting list"),
    RowResult.PENDING: _("Pending validation"),
    RowResult.ALREADY_REGISTERED: _("Already registered"),
    RowResult.UNKNOWN_PERSON: _("Unknown person"),
    RowResult.UNKNOWN_SESSION: _("Unknown session"),
    RowResult.NOT_MANAGED: _("Session outside your organizations"),
    RowResult.FULL: _("Full, no waiting list"),
    RowResult.CLOSED: _("Session not open to registration"),
    RowResult.BAD_ROLE: _("Unknown role"),
    RowResult.DUPLICATE: _("Duplicate row"),
    RowResult.INCOMPLETE: _("Incomplete row"),
    RowResult.WORKSPACE_REFUSED: _("Refused by the workspace"),
}

_FROM_OUTCOME = {
    Result.REGISTERED: RowResult.REGISTERED,
    Result.WAITING: RowResult.WAITING,
    Result.PENDING: RowResult.PENDING,
    Result.ALREADY_REGISTERED: RowResult.ALREADY_REGISTERED,
}


@dataclass
class ImportRow:
    line: int
    person: str
    session_code: str
    role_text: str
    reason: str = ""
    result: str = ""
    message: str = ""
    position: int | None = None
    user: object = None
    session: object = None
    role: str = ""

    @property
    def ok(self):
        return self.result in RowResult.OK

    @property
    def label(self):
        return LABELS[self.result]

    def as_list(self):
        """The row as the report's CSV columns (see ``REPORT_HEADER``)."""
        return [
            self.line,
            self.person,
            self.session_code,
            self.role_text,
            str(self.label),
            "" if self.position is None else self.position,
            str(self.message),
        ]


REPORT_HEADER = (_("line"), _("person"), _("session"), _("role"), _("result"), _("position"), _("message"))


ImportPlan = Plan


# --- parse -----------------------------------------------------------------------------------

#: Accepted column names (lower case, without accents) for each field.
COLUMNS = {
    "person": {
        "username",
        "user",
        "login",
        "email",
        "e-mail",
        "mail",
        "person",
        "utilisateur",
        "nom d'utilisateur",
        "identifiant",
        "courriel",
        "adresse e-mail",
        "adresse electronique",
        "personne",
    },
    "session": {"session", "session code", "code session", "code de session", "code de la session", "code"},
    "role": {"role"},
    "reason": {"reason", "motif", "raison", "comment", "commentaire"},
}
REQUIRED = ("person", "session", "role")

ROLES = {
    "learner": Role.LEARNER,
    "apprenant": Role.LEARNER,
    "apprenante": Role.LEARNER,
    "participant": Role.LEARNER,
    "trainer": Role.TRAINER,
    "formateur": Role.TRAINER,
    "formatrice": Role.TRAINER,
}


def parse(content, filename="", max_rows=None):
    """[ImportRow] of a CSV or XLSX file's bytes; ``ImportFileError`` when it cannot be read
    (or has more than ``max_rows`` rows, by default ``IMPORT_MAX_ROWS``)."""
    header, table = files.table(content, filename)
    positions = files.positions(header, COLUMNS)
    missing = [key for key in REQUIRED if key not in positions]
    if missing:
        raise ImportFileError(
            _("The file needs a column for the person (username or e-mail), the session code and the role.")
        )

    def cell(values, key):
        index = positions.get(key)
        value = values[index] if index is not None and index < len(values) else ""
        return "" if value is None else str(value).strip()

    return [
        ImportRow(
            line=line,
            person=cell(values, "person"),
            session_code=cell(values, "session"),
            role_text=cell(values, "role"),
            reason=cell(values, "reason"),
        )
        for line, values in files.data_lines(table, max_rows)
    ]


# --- plan ------------------------------------------------------------------------------------


def plan(rows, *, actor=None):
    """Decide every row without writing: the dry run. ``actor`` None: no organization limit."""
    _resolve(rows, actor)
    _simulate([row for row in rows if not row.result])
    return ImportPlan(rows=rows)


def _resolve(rows, actor):
    """People, sessions and roles of the rows, in a few queries; errors set on the rows."""
    User = get_user_model()
    names = {row.person for row in rows if row.person}
    emails = {row.person.lower() for row in rows if "@" in row.person}
    by_name = {u.get_username(): u for u in User._default_manager.filter(username__in=names)} if names else {}
    by_email = {}
    if emails:
        for user in User._default_manager.annotate(_email=Lower("email")).filter(_email__in=emails):
            by_email.setdefault(user._email, []).append(user)
    codes = {row.session_code for row in rows if row.session_code}
    sessions = {s.code: s for s in Session.objects.select_related("course").filter(code__in=codes)}
    scope = permissions.training_scope(actor) if actor is not None else permissions.EVERYTHING
    seen = {}
    for row in rows:
        if not (row.person and row.session_code and row.role_text):
            row.result, row.message = RowResult.INCOMPLETE, _("The person, the session and the role are required.")
            continue
        # A username first (Django allows "@" in them), then an e-mail address.
        row.user = by_name.get(row.person)
        if row.user is None and "@" in row.person:
            found = by_email.get(row.person.lower(), [])
            row.user = found[0] if len(found) == 1 else None
            if len(found) > 1:
                row.result = RowResult.UNKNOWN_PERSON
                row.message = _("Several people have this e-mail address: use the username.")
                continue
        if row.user is None:
            row.result = RowResult.UNKNOWN_PERSON
            row.message = _("No person has this username or e-mail address.")
            continue
        row.session = sessions.get(row.session_code)
        if row.session is None:
            row.result, row.message = RowResult.UNKNOWN_SESSION, _("No session has this code.")
            continue
        if actor is not None and not permissions.manages(actor, row.session, scope):
            row.result = RowResult.NOT_MANAGED
            row.message = _("You do not manage the organization of this session.")
            continue
        row.role = ROLES.get(normal(row.role_text), "")
        if not row.role:
            row.result = RowResult.BAD_ROLE
            row.message = _("The role is learner (apprenant) or trainer (formateur).")
            continue
        key = (row.user.pk, row.session.pk, row.role)
        if key in seen:
            row.result = RowResult.DUPLICATE
            row.message = interpolate(_("Same person, session and role as line %(line)s."), line=seen[key])
            continue
        seen[key] = row.line


def groups(rows):
    """{(session id, role, reason): [rows]} in the order of the file: one registration call each."""
    grouped = {}
    for row in rows:
        grouped.setdefault((row.session.pk, row.role, row.reason), []).append(row)
    return grouped


def _simulate(rows):
    """What ``register_users`` would answer for each group, with the service's own counting rules."""
    if not rows:
        return
    sessions = {row.session.pk: row.session for row in rows}
    existing = {
        (r.session_id, r.user_id, r.role): r
        for r in RegistrationModel.objects.filter(
            session_id__in=sessions, user_id__in={row.user.pk for row in rows}, status__in=ACTIVE_STATUSES
        )
    }
    positions = waiting_positions_of(
        r for r in existing.values() if r.status == RegistrationStatus.WAITING and r.waiting_order is not None
    )
    now = timezone.now()
    refusals = {pk: session_refusal(session, now) for pk, session in sessions.items()}
    counts = seat_counts_of([s for pk, s in sessions.items() if not refusals[pk]])
    for (session_id, role, _reason), members in groups(rows).items():
        session = sessions[session_id]
        for row in members:
            current = existing.get((session_id, row.user.pk, role))
            if current is not None:
                row.result, row.position = RowResult.ALREADY_REGISTERED, positions.get(current.pk)
                continue
            if refusals[session_id]:
                row.result, row.message = RowResult.CLOSED, Refusal(refusals[session_id]).label
                continue
            status, _order, position = admission(session, role, counts.get(session_id))
            if status is None:
                row.result, row.message = RowResult.FULL, Refusal.FULL.label
            else:
                row.result = {
                    RegistrationStatus.CONFIRMED: RowResult.REGISTERED,
                    RegistrationStatus.PENDING: RowResult.PENDING,
                    RegistrationStatus.WAITING: RowResult.WAITING,
                }[status]
                row.position = position


# --- apply -----------------------------------------------------------------------------------


def apply(rows, *, actor=None, allow_errors=False):
    """Plan again (the database may have moved since the dry run), then register the valid rows.

    All or nothing: one transaction. Rows that are not valid keep their planned result.
    """
    result = plan(rows, actor=actor)
    if result.errors and not allow_errors:
        raise ImportHasErrors(
            interpolate(
                _("%(count)s rows have errors: correct the file, or apply its valid rows only."),
                count=len(result.errors),
            )
        )
    # One message per person, however many sessions the file registers them in.
    with transaction.atomic(), one_message_per_person():
        for (_session_id, role, reason), members in groups([row for row in rows if row.ok]).items():
            outcomes = registration.register_users(
                session=members[0].session, users=[row.user for row in members], role=role, actor=actor, reason=reason
            )
            by_user = {outcome.user.pk: outcome for outcome in outcomes}
            for row in members:
                _set_outcome(row, by_user[row.user.pk])
    result.applied = True
    return result


def _set_outcome(row, outcome):
    row.position, row.message = outcome.position, ""
    if outcome.result in _FROM_OUTCOME:
        row.result = _FROM_OUTCOME[outcome.result]
    elif outcome.refusal == Refusal.FULL:
        row.result, row.message = RowResult.FULL, outcome.message
    elif outcome.refusal == Refusal.WORKSPACE:
        row.result, row.message = RowResult.WORKSPACE_REFUSED, outcome.message
    else:
        row.result, row.message = RowResult.CLOSED, outcome.message


def report_csv(rows):
    """The per-row report as CSV text (UTF-8 with a BOM, ``;``: what a spreadsheet opens as is)."""
    return report_csv_of_lists(row.as_list() for row in rows)


def report_csv_of_lists(rows):
    """``report_csv`` of rows already turned into lists (``ImportRow.as_list``)."""
    return files.report_csv(REPORT_HEADER, rows)
