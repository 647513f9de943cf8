"""A person's training record as one training manager may see it: sessions, hours, certificates.

What a transcript lists is bounded by who asks: a manager of one organization sees only the
sessions they manage (``permissions.registrations_managed_by``), never the person's training
elsewhere. Hours follow the certificate's rule (``documents.placeholders.attendance_summary``):
the séances held, recorded present, at their scheduled length. Three queries whatever the record.
"""

from dataclasses import dataclass, field

from django.utils import timezone

from .. import permissions
from ..documents.registry import kinds
from ..models import Attendance, EventRegistration, IssuedDocument, RegistrationStatus, Role


@dataclass
class TranscriptRow:
    registration: object
    seconds: float = 0  # the learner's séances held
    attended_seconds: float = 0
    recorded: bool = False
    certificates: list = field(default_factory=list)  # IssuedDocument, oldest first

    @property
    def session(self):
        return self.registration.session

    @property
    def hours(self):
        return round(self.seconds / 3600, 1)

    @property
    def hours_attended(self):
        return round(self.attended_seconds / 3600, 1)

    @property
    def rate(self):
        if not (self.recorded and self.seconds):
            return None
        return round(100 * self.attended_seconds / self.seconds)


@dataclass
class Transcript:
    person: object
    rows: list

    @property
    def hours_attended(self):
        return round(sum(row.attended_seconds for row in self.rows) / 3600, 1)

    @property
    def certificates(self):
        return [document for row in self.rows for document in row.certificates]


def transcript(person, viewer, now=None):
    """``person``'s registrations in the sessions ``viewer`` manages, oldest session first."""
    now = now or timezone.now()
    registrations = list(
        permissions.registrations_managed_by(viewer)
        .filter(user=person)
        .select_related("session__course")
        .order_by("session__start", "session__pk", "role", "pk")
    )
    rows = {registration.pk: TranscriptRow(registration) for registration in registrations}
    learning = [r.pk for r in registrations if r.role == Role.LEARNER and r.status == RegistrationStatus.CONFIRMED]
    cells = EventRegistration.objects.filter(
        registration_id__in=learning, status=RegistrationStatus.CONFIRMED, event__start__lte=now
    ).select_related("event")
    for cell in cells:
        row = rows[cell.registration_id]
        seconds = (cell.event.end - cell.event.start).total_seconds()
        row.seconds += seconds
        if cell.attendance != Attendance.UNKNOWN:
            row.recorded = True
        if cell.attendance == Attendance.PRESENT:
            row.attended_seconds += seconds
    certificates = IssuedDocument.objects.filter(
        registration_id__in=list(rows), kind__in=[kind.value for kind in kinds().values() if kind.certificate]
    ).order_by("issued_at", "pk")
    for document in certificates:
        rows[document.registration_id].certificates.append(document)
    return Transcript(person=person, rows=list(rows.values()))
