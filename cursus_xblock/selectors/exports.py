"""What the exports list: registrations, a session's roster with its waiting list in order, issued documents.

Each function takes a queryset the caller has already narrowed (the admin's filters and selection,
the viewer's organizations, a command's options) and returns ``(header, rows)``: the header a tuple
of translated column names, the rows a generator reading the database in chunks (``.iterator()``),
so 100,000 rows never sit in memory at once. Values stay Python values (datetimes included); the
writers (``utils.spreadsheets``) format them for CSV or XLSX.
"""

from django.db.models import Case, IntegerField, Value, When
from django.utils.translation import gettext_lazy as _

from ..documents.registry import kind_label
from ..models import ACTIVE_STATUSES, IssuedDocument, Registration, RegistrationStatus, Role
from ..services.documents.records import verification_url

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
