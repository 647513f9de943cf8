"""Sessions and séances as the interfaces list them: one seat count, one search.

Seats taken and people waiting are columns of the session (``Session.seats_taken``,
``waiting_count``), kept by the registrations under the session's lock: a list filters, sorts
and pages on them without reading a registration.
"""

from django.db.models import Count, Q

from ..models import Event, Registration, RegistrationStatus, Role, Session

#: A search reads at most this many words, each cut to this many characters.
SEARCH_WORDS = 10
SEARCH_WORD_LENGTH = 100


def with_seats_taken(sessions):
    """The sessions with ``seats_taken``: a column of theirs, kept by the registrations, so as they are."""
    return sessions


def seats_taken(session):
    """The seats taken in one session (a session or its id), as stored now: one query by primary key."""
    return Session.objects.filter(pk=getattr(session, "pk", session)).values_list("seats_taken", flat=True).get()


def search_words(text):
    """The words of a search box, bounded."""
    return [word[:SEARCH_WORD_LENGTH] for word in text.split()[:SEARCH_WORDS]]


def search(sessions, text):
    """The sessions matching every word in their code, name or place, or their course's code or title."""
    for word in search_words(text):
        sessions = sessions.filter(
            Q(code__icontains=word)
            | Q(name__icontains=word)
            | Q(place__icontains=word)
            | Q(course__code__icontains=word)
            | Q(course__title__icontains=word)
        )
    return sessions


def listed(sessions=None):
    """Sessions with ``seats_taken`` and their course: what every session list shows."""
    if sessions is None:
        sessions = Session.objects.all()
    return with_seats_taken(sessions).select_related("course")


def catalogue():
    """Every session with its seats and course, in date order."""
    return listed().order_by("start", "pk")


class OfIds:
    """The sessions of ``ids`` in that order, read a slice at a time (with their course, from ``sessions``)."""

    def __init__(self, ids, sessions):
        self.ids, self.sessions = ids, sessions

    def count(self):
        return len(self.ids)

    def __len__(self):
        return len(self.ids)

    def __getitem__(self, key):
        if not isinstance(key, slice):
            return self[key : key + 1][0]
        ids = self.ids[key]
        rows = {session.pk: session for session in self.sessions.filter(pk__in=ids).order_by()}
        return [rows[pk] for pk in ids if pk in rows]


def first_ids(sessions, count):
    """The ids of the first ``count`` sessions in their order: one query, from an index when one fits."""
    return list(sessions.select_related(None).values_list("pk", flat=True)[:count])


class IdsFirst:
    """An ordered list of sessions to cut into pages: each page's ids first, then those rows.

    The ids of a page come from the (start, id, capacity, seats taken) index alone, without the
    course join, however deep the page (an OFFSET of 99,980 reads index entries, not rows); then
    the page's own rows are read with their course. A paginator slices it as it would a queryset;
    ``count`` is the plain queryset's.
    """

    def __init__(self, sessions):
        self.sessions = sessions

    def count(self):
        return self.sessions.order_by().count()

    def __len__(self):
        return self.count()

    def __getitem__(self, key):
        if not isinstance(key, slice):
            return self[key : key + 1][0]
        ids = list(self.sessions.select_related(None).values_list("pk", flat=True)[key])
        rows = {session.pk: session for session in self.sessions.filter(pk__in=ids).order_by()}
        return [rows[pk] for pk in ids if pk in rows]


def source_sessions(*, course_code="", workspace_key=""):
    """The sessions of a course by code, else those of a course run by workspace key."""
    if course_code:
        return Session.objects.filter(course__code=course_code)
    if workspace_key:
        return Session.objects.filter(workspace_key=workspace_key)
    return Session.objects.none()


def session_events(session):
    """The session's events with ``seats_taken`` (confirmed learners), in date order."""
    return (
        Event.objects.filter(session=session)
        .annotate(
            seats_taken=Count(
                "registrations",
                filter=Q(
                    registrations__status=RegistrationStatus.CONFIRMED,
                    registrations__registration__role=Role.LEARNER,
                ),
            )
        )
        .order_by("start", "pk")
    )


def events_of_sessions(session_ids):
    """{session id: its events in date order}: one query."""
    grouped = {}
    for event in Event.objects.filter(session_id__in=session_ids).order_by("start", "pk"):
        grouped.setdefault(event.session_id, []).append(event)
    return grouped


def with_registration_counts(sessions):
    """The sessions with ``seats_taken`` and ``waiting_count`` (learners on the waiting list): both columns."""
    return sessions


def status_counts(session):
    """{"<role>_<status>": how many registrations of that role are in that status} for one session: one query."""
    return Registration.objects.filter(session=session).aggregate(
        **{
            f"{role}_{status}": Count("pk", filter=Q(role=role, status=status))
            for role in Role.values
            for status in RegistrationStatus.values
        }
    )
