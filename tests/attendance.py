"""A session held yesterday and today, with learners and a trainer: what the roll-call tests share."""

import datetime
from dataclasses import dataclass

from django.utils import timezone

from cursus_xblock.models import Event, EventRegistration, Organization, Role, Session
from cursus_xblock.services import registration as service

from .factories import CourseFactory, EventFactory, SessionFactory, UserFactory


@dataclass
class Held:
    session: object
    past: object  # a séance that took place yesterday (3 h)
    later: object  # a séance tomorrow
    learners: list
    trainer: object

    def cell(self, learner, event):
        return EventRegistration.objects.get(registration__user=learner, event=event)


def held_session(learners=2, organization="RHONE", trainer="formatrice"):
    """Registered while every séance was ahead (as in life), then moved: one held yesterday, one tomorrow."""
    now = timezone.now()
    organization, _ = Organization.objects.get_or_create(short_name=organization, defaults={"name": organization})
    session = SessionFactory(course=CourseFactory(organization=organization))
    past = EventFactory(session=session, name="Accueil")
    later = EventFactory(session=session, name="Mise en pratique")
    people = [UserFactory(first_name=f"Élève{i}", last_name=f"Dupré{i}") for i in range(learners)]
    for person in people:
        service.register(user=person, sessions=[session], role=Role.LEARNER)
    trainer = UserFactory(username=trainer)
    service.register(user=trainer, sessions=[session], role=Role.TRAINER)
    day = datetime.timedelta(days=1)
    Session.objects.filter(pk=session.pk).update(start=now - day, end=now + 2 * day)
    Event.objects.filter(pk=past.pk).update(start=now - day, end=now - day + datetime.timedelta(hours=3))
    Event.objects.filter(pk=later.pk).update(start=now + day, end=now + day + datetime.timedelta(hours=2))
    for row in (session, past, later):
        row.refresh_from_db()
    return Held(session=session, past=past, later=later, learners=people, trainer=trainer)
