"""What the Cursus XBlock shows one viewer: six queries, whatever the number of sessions.

The sessions of the block's source (a training course, or the sessions whose workspace is the
course run the block sits in), each with the viewer's own registration, its séances with the
viewer's event registrations, the viewer's issued documents, and — for a session the viewer
trains — its learners. Past and cancelled sessions are listed only when the author asked for past
sessions or the viewer is registered in them: their certificates are there.
"""

from dataclasses import dataclass, field

from django.db.models import Q
from django.utils import timezone

from .models import (
    ACTIVE_STATUSES,
    DocumentKind,
    IssuedDocument,
    Registration,
    RegistrationStatus,
    Role,
    Session,
    SessionStatus,
    seats_left,
)
from .selectors import event_registrations_of, events_of_sessions, registrations_annotated
from .services.registration import offers_self_registration, self_unregistration_error, session_refusal

#: A unit lists at most this many sessions (the nearest first); the block says how many it left out.
MAX_SESSIONS = 100


@dataclass
class SessionRow:
    session: object
    seats_left: int | None
    learner: object = None  # the viewer's active learner registration
    trainer: object = None  # the viewer's active trainer registration
    position: int | None = None  # on the waiting list
    refusal: str = ""  # why nobody can register now ('' when they can)
    can_register: bool = False
    can_leave: bool = False
    events: list = field(default_factory=list)
    documents: list = field(default_factory=list)
    learners: list = field(default_factory=list)

    @property
    def registration(self):
        return self.learner or self.trainer

    @property
    def full(self):
        return self.seats_left == 0

    @property
    def waiting_list_only(self):
        return self.full and self.session.waiting_list_enabled


@dataclass
class Listing:
    rows: list
    hidden: int = 0  # sessions beyond MAX_SESSIONS


def source_sessions(*, course_code="", workspace_key=""):
    """The sessions a block points at: a course's by code, else the course run's by workspace key."""
    if course_code:
        return Session.objects.filter(course__code=course_code)
    if workspace_key:
        return Session.objects.filter(workspace_key=workspace_key)
    return Session.objects.none()


def block_sessions(sessions, *, viewer=None, show_past=False, now=None):
    """The rows to show ``viewer`` (None: anonymous) for the ``sessions`` queryset."""
    now = now or timezone.now()
    mine = {}
    if viewer is not None:
        for registration in registrations_annotated(
            Registration.objects.filter(user=viewer, session__in=sessions, status__in=ACTIVE_STATUSES)
        ):
            mine.setdefault(registration.session_id, {})[registration.role] = registration

    visible = ~Q(status=SessionStatus.CANCELLED)
    if not show_past:
        visible &= Q(end__gt=now)
    listed = sessions.filter(visible | Q(pk__in=list(mine)))
    found = list(listed.with_seats_taken().select_related("course").order_by("start", "pk")[: MAX_SESSIONS + 1])
    hidden = 0
    if len(found) > MAX_SESSIONS:  # counted only when there are more than shown
        found, hidden = found[:MAX_SESSIONS], listed.count() - MAX_SESSIONS

    rows = []
    for session in found:
        own = mine.get(session.pk, {})
        learner, trainer = own.get(Role.LEARNER), own.get(Role.TRAINER)
        refusal = session_refusal(session, now)
        if learner is not None:
            learner.session = session  # loaded already: the rules below read it
        rows.append(
            SessionRow(
                session=session,
                seats_left=seats_left(session.capacity, session.seats_taken),
                learner=learner,
                trainer=trainer,
                position=_position(learner),
                refusal=refusal,
                can_register=viewer is not None
                and offers_self_registration(session, seats_taken=session.seats_taken, active_roles=set(own), now=now),
                can_leave=learner is not None and self_unregistration_error(learner, now) is None,
            )
        )
    _attach_events(rows)
    _attach_documents(rows)
    _attach_learners(rows)
    return Listing(rows=rows, hidden=hidden)


def _position(learner):
    if learner is None or learner.status != RegistrationStatus.WAITING:
        return None
    return learner.waiting_ahead + 1


def _attach_events(rows):
    """Each row's séances, with the viewer's registration to each (two queries)."""
    by_session = events_of_sessions([row.session.pk for row in rows])
    own = event_registrations_of([row.registration.pk for row in rows if row.registration], active_only=True)
    for row in rows:
        for event in by_session.get(row.session.pk, []):
            event.session = row.session  # loaded already: its place needs no query
            mine = own.get((row.registration.pk, event.pk)) if row.registration else None
            row.events.append({"event": event, "registration": mine})


def _attach_documents(rows):
    """The newest issued document of each kind (and séance) for the viewer's registrations: one query."""
    by_registration = {row.registration.pk: row for row in rows if row.registration is not None}
    if not by_registration:
        return
    seen = set()
    for document in (
        IssuedDocument.objects.filter(registration__in=list(by_registration))
        .select_related("event")
        .order_by("-issued_at", "-pk")
    ):
        key = (document.registration_id, document.kind, document.event_id)
        if key in seen:
            continue
        seen.add(key)
        by_registration[document.registration_id].documents.append(document)
    order = list(DocumentKind.values)
    for row in by_registration.values():
        row.documents.sort(key=lambda d: (order.index(d.kind), d.event.start if d.event else row.session.start))


def _attach_learners(rows):
    """For the sessions the viewer trains: their learners with status and waiting rank (one query)."""
    trained = {
        row.session.pk: row for row in rows if row.trainer and row.trainer.status == RegistrationStatus.CONFIRMED
    }
    if not trained:
        return
    waiting = {}  # session id: waiting learners seen so far, in waiting-list order
    for registration in (
        Registration.objects.filter(session__in=list(trained), role=Role.LEARNER, status__in=ACTIVE_STATUSES)
        .select_related("user")
        .order_by("session", "waiting_order", "pk")
    ):
        position = None
        if registration.status == RegistrationStatus.WAITING:
            position = waiting[registration.session_id] = waiting.get(registration.session_id, 0) + 1
        trained[registration.session_id].learners.append({"registration": registration, "position": position})
    for row in trained.values():
        # Confirmed and pending by name, then the waiting list in its order.
        row.learners.sort(key=lambda item: (item["position"] or 0, _sort_name(item["registration"].user)))


def _sort_name(user):
    return (user.last_name.lower(), user.first_name.lower(), user.get_username())
