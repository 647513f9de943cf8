"""Self check-in in the XBlock: the trainer's window, code and QR code; the learner's signature; validation.

A mixin of ``CursusXBlock`` beside the roll call. Learners sign only for themselves: the handlers
pass the viewer to the service and read no person from the request. Each answer carries the
block's sessions HTML again, so the page shows the new state at once.
"""

from django.utils import timezone
from rest_framework.exceptions import Throttled
from xblock.exceptions import JsonHandlerError

from .. import permissions
from ..models import RegistrationStatus
from ..selectors.attendance import roll_event
from ..services import checkin as service
from ..services.outcomes import RegistrationError
from ..web.throttling import CheckInThrottle
from . import handlers
from .handlers import _

BAD_INPUT = {"bad_signature", "empty_signature", "no_signature", "bad_typed_name", "bad_window"}


class CheckInMixin:
    """The check-in handlers of ``CursusXBlock``; its page shows their state (``_checkin_*`` helpers)."""

    def _checkin_event(self, data, viewer, *, manage):
        event = roll_event(self._sessions(), handlers.positive_int(data.get("event")))
        if event is None:
            raise JsonHandlerError(404, self.gettext(_("This séance is not offered here.")))
        if manage and not permissions.takes_attendance(viewer.user, event.session):
            message = _("Only the trainers of this session and its training managers manage its check-in.")
            raise JsonHandlerError(403, self.gettext(message))
        return event

    def _checkin_call(self, function, **kwargs):
        try:
            return function(**kwargs)
        except RegistrationError as exc:
            raise JsonHandlerError(400 if exc.code in BAD_INPUT else 409, str(exc.message)) from exc

    def _checkin_answer(self, viewer, message, **extra):
        return {"message": message, "html": self._sessions_html(viewer), **extra}

    @handlers.signed_in_json
    def checkin_open(self, data, viewer):
        """A trainer (or manager) opens check-in for a séance, until 30 minutes after it."""
        event = self._checkin_event(data, viewer, manage=True)
        window = self._checkin_call(service.open_checkin, event=event, actor=viewer.user)
        self.runtime.publish(self, "cursus.checkin.opened", {"event_id": event.pk})
        until = timezone.localtime(window.closes_at, event.session.tzinfo).strftime("%H:%M")
        message = self.gettext(_("Check-in is open until {time}. Show the code or the QR code to the learners."))
        return self._checkin_answer(viewer, message.format(time=until))

    @handlers.signed_in_json
    def checkin_close(self, data, viewer):
        event = self._checkin_event(data, viewer, manage=True)
        self._checkin_call(service.close_checkin, event=event, actor=viewer.user)
        self.runtime.publish(self, "cursus.checkin.closed", {"event_id": event.pk})
        return self._checkin_answer(viewer, self.gettext(_("Check-in is closed.")))

    @handlers.signed_in_json
    def checkin_code(self, data, viewer):
        """The code of the minute, for the trainer's screen to refresh."""
        event = self._checkin_event(data, viewer, manage=True)
        window = service.current_window(event)
        if window is None:
            raise JsonHandlerError(409, str(service.NOT_OPEN))
        return service.code_panel(window)

    @handlers.signed_in_json
    def check_in(self, data, viewer):
        """The viewer checks in at a séance with its code and their signature (drawn, or their typed name)."""
        event = self._checkin_event(data, viewer, manage=False)
        throttle = CheckInThrottle()
        if not throttle.allow_person(viewer.user):
            refused = Throttled(throttle.wait())
            raise JsonHandlerError(429, str(refused.detail))
        image = data.get("image") or None
        self._checkin_call(
            service.check_in,
            event=event,
            user=viewer.user,
            code=str(data.get("code") or "")[:32],
            image=image if image is None or isinstance(image, str) else "bad",
            typed_name=str(data.get("typed_name") or "")[:300],
        )
        self.runtime.publish(self, "cursus.checkin.signed", {"event_id": event.pk})
        message = self.gettext(_("You have checked in. Your trainer will validate your attendance."))
        return self._checkin_answer(viewer, message)

    @handlers.signed_in_json
    def checkin_validate(self, data, viewer):
        """Every check-in waiting at this séance recorded present."""
        event = self._checkin_event(data, viewer, manage=True)
        count = self._checkin_call(service.validate_checkins, event=event, actor=viewer.user)
        message = self.gettext(_("Check-ins validated: {count}.")).format(count=count)
        return self._checkin_answer(viewer, message)

    @handlers.signed_in_json
    def countersign(self, data, viewer):
        """The trainer's own signature on the séance's sign-in sheet, once."""
        event = self._checkin_event(data, viewer, manage=True)
        image = data.get("image") or None
        self._checkin_call(
            service.countersign,
            event=event,
            actor=viewer.user,
            image=image if image is None or isinstance(image, str) else "bad",
            typed_name=str(data.get("typed_name") or "")[:300],
        )
        return self._checkin_answer(viewer, self.gettext(_("Your countersignature is saved.")))

    # --- what the page shows ----------------------------------------------------------------

    def _trainer_checkin(self, event, state, now, tz):
        """The roll's check-in panel: open or not, may open, the code, to validate, countersigned."""
        earliest, latest = service.default_window(event)
        mine = state.trainers.get(getattr(self, "_viewer_id", None))
        return {
            "open": state.open,
            "can_open": not state.open and earliest <= now < latest,
            "until": timezone.localtime(state.window.closes_at, tz).strftime("%H:%M") if state.open else "",
            "panel": service.code_panel(state.window, now) if state.open else None,
            "to_validate": state.to_validate,
            "countersigned": timezone.localtime(mine.signed_at, tz).strftime("%H:%M") if mine else "",
            "can_countersign": mine is None and event.start <= now,
        }

    def _learner_checkin(self, row, item, state, tz):
        """A learner's check-in at one of their séances: a form while open, then when they signed."""
        mine = item["registration"]
        learner = row.learner
        if state is None or mine is None or learner is None or mine.registration_id != learner.pk:
            return None
        if learner.status != RegistrationStatus.CONFIRMED or mine.status != RegistrationStatus.CONFIRMED:
            return None
        signature = state.learners.get(mine.pk)
        justify = evidence_url(mine) if item["event"].start <= timezone.now() and mine.attendance != "present" else ""
        if signature is None and not state.open and not justify:
            return None
        return {
            "open": state.open and signature is None,
            "signed": self._signed_label(signature, tz),
            "evidence_url": justify,
            "evidence": state.evidence.get(mine.pk, 0),
        }

    def _signed_label(self, signature, tz):
        if signature is None:
            return ""
        time = timezone.localtime(signature.signed_at, tz).strftime("%H:%M")
        if signature.to_validate:
            return self.gettext(_("Signed at {time} — present, to be validated")).format(time=time)
        return self.gettext(_("Signed at {time}")).format(time=time)


def evidence_url(event_registration):
    from django.urls import reverse

    return reverse("cursus_xblock:evidence", args=[event_registration.pk])


def checkin_window_reached(event, now):
    """Whether the séance's roll is shown: from when check-in may open (15 minutes before)."""
    return event.start - service.OPENS_BEFORE <= now
