"""Self check-in as the XBlock and the check-in page show it: windows, signatures and justifications of many
séances at once.

Three queries whatever the number of séances listed, so a trainer's page of sessions stays cheap.
"""

from dataclasses import dataclass, field

from django.db.models import Count, OuterRef, Subquery
from django.utils import timezone

from ..models import (
    AbsenceEvidence,
    CheckInWindow,
    EventRegistration,
    RegistrationStatus,
    Role,
    Signature,
    SignatureRole,
)


@dataclass
class SeanceCheckIn:
    window: object = None  # the CheckInWindow, or None
    open: bool = False
    learners: dict = field(default_factory=dict)  # event registration id: the learner's Signature
    trainers: dict = field(default_factory=dict)  # user id: the countersignature
    evidence: dict = field(default_factory=dict)  # event registration id: number of justifications

    @property
    def to_validate(self):
        return sum(1 for signature in self.learners.values() if signature.to_validate)


def seance_checkins(event_ids, now=None):
    """Each séance's window and signatures (without the images), by event id."""
    now = now or timezone.now()
    states = {pk: SeanceCheckIn() for pk in event_ids}
    if not states:
        return states
    latest = CheckInWindow.objects.filter(event_id=OuterRef("event_id")).order_by("-opened_at", "-pk").values("pk")[:1]
    for window in CheckInWindow.objects.filter(event_id__in=list(states), pk=Subquery(latest)):
        states[window.event_id].window, states[window.event_id].open = window, window.is_open(now)
    for signature in Signature.objects.filter(event_id__in=list(states)).defer("image"):
        state = states[signature.event_id]
        if signature.role == SignatureRole.LEARNER:
            state.learners[signature.event_registration_id] = signature
        else:
            state.trainers[signature.user_id] = signature
    counts = (
        AbsenceEvidence.objects.filter(event_registration__event_id__in=list(states))
        .values_list("event_registration__event_id", "event_registration_id")
        .annotate(count=Count("pk"))
        .order_by()
    )
    for event_id, row_id, count in counts:
        states[event_id].evidence[row_id] = count
    return states


def learner_checkin(event, user):
    """The person's confirmed learner row of the séance (or None) and their signature there (or None)."""
    row = (
        EventRegistration.objects.filter(
            event=event,
            registration__user=user,
            registration__role=Role.LEARNER,
            registration__status=RegistrationStatus.CONFIRMED,
            status=RegistrationStatus.CONFIRMED,
        )
        .select_related("event__session")
        .first()
    )
    signature = (
        Signature.objects.filter(event=event, user=user, role=SignatureRole.LEARNER).defer("image").first()
        if row
        else None
    )
    return row, signature
