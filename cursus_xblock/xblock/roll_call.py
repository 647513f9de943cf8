"""The trainer's roll call in the XBlock: each held séance's learners, and the handler saving one state.

A mixin of ``CursusXBlock``: it uses the block's ``gettext``, ``_sessions`` and runtime.
"""

from django.utils import timezone
from xblock.exceptions import JsonHandlerError

from .. import permissions
from ..models import Attendance, RegistrationStatus
from ..selectors.attendance import roll_cell, roll_event
from ..selectors.checkin import SeanceCheckIn
from ..services import attendance as attendance_service
from ..services.outcomes import RegistrationError
from ..utils.dates import elide, long_date_range
from . import handlers
from .checkin import checkin_window_reached, evidence_url
from .handlers import _


def trains_listed(row):
    """The viewer is a confirmed trainer of this listed session."""
    return row.trainer is not None and row.trainer.status == RegistrationStatus.CONFIRMED


class RollCallMixin:
    """The roll call of the sessions a viewer trains, in the block's page and its ``attendance`` handler."""

    def _rolls(self, grid, tz, checkins=None, now=None):
        """The roll call of each séance held (or about to be), for the session's trainer: learners,
        their state, a label, their check-in signature and the séance's check-in panel."""
        now = now or timezone.now()
        checkins = checkins or {}
        states = [(value, str(label)) for value, label in Attendance.choices]
        label = self.gettext(_("Attendance of {person} at {event}"))
        rolls = []
        for i, column in enumerate(grid.columns):
            if not checkin_window_reached(column.event, now):
                continue
            state = checkins.get(column.event.pk) or SeanceCheckIn()
            cells = []
            for row in grid.rows:
                cell = row.cells[i]
                if cell is None:
                    continue
                person = row.user.get_full_name() or row.user.get_username()
                cells.append(
                    {
                        "registration": row.registration.pk,
                        "name": person,
                        "state": cell.attendance,
                        "label": elide(label, {"person": person}).format(person=person, event=column.event.name),
                        "signed": self._signed_label(state.learners.get(cell.pk), tz),
                        "evidence": state.evidence.get(cell.pk, 0),
                        "evidence_url": evidence_url(cell),
                    }
                )
            rolls.append(
                {
                    "event": column.event,
                    "dates": long_date_range(column.event.start, column.event.end, tz),
                    "cells": cells,
                    "states": states,
                    "checkin": self._trainer_checkin(column.event, state, now, tz),
                    "started": column.event.start <= now,
                }
            )
        return rolls

    @handlers.signed_in_json
    def attendance(self, data, viewer):
        """A trainer sets one learner's attendance at one séance of a session of this block."""
        pk = handlers.positive_int(data.get("event"))
        event = roll_event(self._sessions(), pk)
        if event is None:
            raise JsonHandlerError(404, self.gettext(_("This séance is not offered here.")))
        if not permissions.trains(viewer.user, event.session):
            raise JsonHandlerError(403, self.gettext(_("Only the trainers of this session take its attendance.")))
        registration_id = handlers.positive_int(data.get("registration"))
        cell = roll_cell(event, registration_id)
        not_a_learner = self.gettext(_("This person is not a learner of this séance."))
        if cell is None:
            raise JsonHandlerError(409, not_a_learner)
        try:
            attendance_service.attendance_mark_many(event=event, marks={cell.pk: data.get("state")}, actor=viewer.user)
        except RegistrationError as exc:
            if exc.code == "not_registered":  # the service names rows by id: the trainer knows people
                raise JsonHandlerError(409, not_a_learner) from exc
            raise JsonHandlerError(400 if exc.code == "bad_state" else 409, str(exc.message)) from exc
        user = cell.registration.user
        person = user.get_full_name() or user.get_username()
        message = elide(self.gettext(_("Attendance of {person} saved: {state}.")), {"person": person})
        state = Attendance(data.get("state"))
        self.runtime.publish(self, "cursus.attendance.recorded", {"event_id": event.pk, "state": state.value})
        return {"message": message.format(person=person, state=str(state.label)), "state": state.value}
