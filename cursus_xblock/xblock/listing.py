"""What the Cursus XBlock shows one viewer: six queries, whatever the number of sessions.

The sessions of the block's source (a training course, or the sessions whose workspace is the
course run the block sits in), each with the viewer's own registration, its séances with the
viewer's event registrations, the viewer's issued documents, and — for a session the viewer
trains — its learners. Past and cancelled sessions are listed only when the author asked for past
sessions or the viewer is registered in them: their certificates are there. The rows are read by
the selectors; whether the viewer may register or leave is the registration service's rule.
"""

from dataclasses import dataclass, field

from django.db.models import Q
from django.utils import timezone

from ..models import RegistrationStatus, Role, SessionStatus, seats_left
from ..selectors import documents as document_selectors
from ..selectors import registrations as registration_selectors
from ..selectors import sessions as session_selectors
from ..services.registration import offers_self_registration, self_unregistration_error, session_refusal

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


def block_sessions(sessions, *, viewer=None, show_past=False, now=None):
    """The rows to show ``viewer`` (None: anonymous) for the ``sessions`` queryset."""
    now = now or timezone.now()
    mine = registration_selectors.active_by_session(viewer, sessions) if viewer is not None else {}

    visible = ~Q(status=SessionStatus.CANCELLED)
    if not show_past:
        visible &= Q(end__gt=now)
    listed = sessions.filter(visible | Q(pk__in=list(mine)))
    found = list(session_selectors.listed(listed).order_by("start", "pk")[: MAX_SESSIONS + 1])
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
    by_session = session_selectors.events_of_sessions([row.session.pk for row in rows])
    own = registration_selectors.event_registrations_of(
        [row.registration.pk for row in rows if row.registration], active_only=True
    )
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
    for registration_id, documents in document_selectors.newest_documents_of(by_registration).items():
        row = by_registration[registration_id]
        row.documents = sorted(documents, key=lambda d: document_selectors.kind_order(d, row.session.start))


def _attach_learners(rows):
    """For the sessions the viewer trains: their learners with status and waiting rank (one query)."""
    trained = {
        row.session.pk: row for row in rows if row.trainer and row.trainer.status == RegistrationStatus.CONFIRMED
    }
    if not trained:
        return
    for session_id, learners in registration_selectors.learners_of(trained).items():
        trained[session_id].learners = learners
