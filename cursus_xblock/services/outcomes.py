"""What a registration call reports, per session (or event) and per user.

Refusals are outcomes, not exceptions: registering one user in ten sessions where two are full
reports eight successes and two refusals with their reason. Messages are module constants so
interfaces and tests share them.
"""

from dataclasses import dataclass, field
from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from ..utils.dates import after_colon, interpolate


class Result(models.TextChoices):
    REGISTERED = "registered", pgettext_lazy("outcome", "Registered")
    WAITING = "waiting", _("On the waiting list")
    PENDING = "pending", _("Pending validation")
    ALREADY_REGISTERED = "already_registered", _("Already registered")
    REFUSED = "refused", pgettext_lazy("outcome", "Refused")


class Refusal(models.TextChoices):
    FULL = "full", _("The session is full.")
    CLOSED = "closed", _("Registration for this session is closed.")
    CANCELLED = "cancelled", _("This session is cancelled.")
    ENDED = "ended", _("This session has ended.")
    EVENT_FULL = "event_full", _("This event is full.")
    EVENT_ENDED = "event_ended", _("This event has ended.")
    NOT_IN_SESSION = "not_in_session", _("This event belongs to another session.")
    NOT_CONFIRMED = "not_confirmed", _("Only confirmed participants of the session can join its events.")
    WORKSPACE = "workspace_refused", _("The workspace refused this user.")


@dataclass
class RegistrationOutcome:
    """The result of asking for one user in one session (``event`` set for event registrations)."""

    user: Any
    session: Any
    result: str
    registration: Any = None
    position: int | None = None
    refusal: str = ""
    message: str = ""
    event: Any = None
    event_registration: Any = None

    @property
    def ok(self):
        return self.result != Result.REFUSED

    @property
    def label(self):
        return Result(self.result).label

    def describe(self):
        """One translated sentence for a message or a summary line."""
        params = {
            "user": self.user.get_full_name() or self.user.get_username(),
            "target": self.event or self.session,
            "position": self.position,
            "reason": after_colon(self.message) if self.message else self.message,
        }
        if self.result == Result.WAITING:
            return interpolate(_("%(user)s is on the waiting list of %(target)s (position %(position)s)."), **params)
        if self.result == Result.REFUSED:
            return interpolate(_("%(user)s could not be registered in %(target)s: %(reason)s"), **params)
        return interpolate(_SENTENCES[self.result], **params)


@dataclass
class UnregisterOutcome:
    registration: Any
    previous_status: str
    changed: bool
    promoted: list = field(default_factory=list)


class RegistrationError(Exception):
    """A request that makes no sense for this registration (e.g. validating one that is not pending)."""

    def __init__(self, message, *, code):
        super().__init__(str(message))
        self.message = message
        self.code = code


_SENTENCES = {
    Result.REGISTERED: _("%(user)s is registered for %(target)s."),
    Result.PENDING: _("%(user)s is registered for %(target)s, pending validation."),
    Result.ALREADY_REGISTERED: _("%(user)s was already registered for %(target)s."),
}

NO_SELF_REGISTRATION = _("This session does not take registrations from its learners: ask a training manager.")
NO_SELF_UNREGISTRATION = _("This session does not let its learners unregister themselves: ask a training manager.")
TRAINER_OF_SESSION = _("You are a trainer of this session: a training manager registers learners.")
TRAINERS_BY_MANAGERS = _("Trainers are unregistered by a training manager.")
SESSION_STARTED = _("The session has started: ask a training manager to unregister you.")

NOT_PENDING = _("Only a registration pending validation can be validated or refused.")
NOT_ACTIVE_EVENT = _("Attendance can only be recorded for a confirmed event registration.")
EVENT_NOT_STARTED = _("Attendance can only be recorded once the event has started.")
