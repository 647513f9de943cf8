"""Receivers of the platform's signals: a learner unenrolled in the LMS, an account retired.

``connect()`` is called from ``CursusConfig.ready``. The unenrollment receiver listens to
openedx-events' ``COURSE_UNENROLLMENT_COMPLETED`` (a library, installed everywhere); the
retirement receiver listens to the LMS's ``USER_RETIRE_LMS_MISC``, which the Open edX backend
(``backend.py``) imports when edx-platform is there, and which simply does not exist anywhere else.

Both change registrations only through the registration service, so history, seats, waiting lists
and workspace roles stay consistent, and both run with « cursus is acting » set, so the
enrollments the service changes on the way don't come back to them as new events.
"""

import logging

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_noop

from ..conf import settings
from ..models import (
    Registration,
    RegistrationStatus,
    SessionStatus,
)
from .context import cursus_acting, is_cursus_acting

log = logging.getLogger(__name__)

#: Reasons recorded in the history. Stored as written here (English msgids, like any free-text
#: reason); the catalogue has them so a display may translate them with ``gettext``.
UNENROLLED_REASON = gettext_noop("Unenrolled from the course run in the LMS")

CANCEL = "cancel"
FLAG = "flag"

_UNENROLLMENT_UID = "cursus_xblock.openedx.unenrollment"
_RETIREMENT_UID = "cursus_xblock.openedx.retirement"


def connect():
    """Connect the receivers; idempotent. The retirement one only where the LMS provides the signal."""
    from openedx_events.learning.signals import COURSE_UNENROLLMENT_COMPLETED

    from .backend import retirement_signal

    COURSE_UNENROLLMENT_COMPLETED.connect(handle_unenrollment, dispatch_uid=_UNENROLLMENT_UID)
    signal = retirement_signal()
    if signal is not None:
        signal.connect(handle_retirement, dispatch_uid=_RETIREMENT_UID)


# --- unenrolled in the LMS ----------------------------------------------------------------


def handle_unenrollment(sender, enrollment=None, **kwargs):
    """``COURSE_UNENROLLMENT_COMPLETED``: the learner left the course run by other means than us.

    Their confirmed learner registrations in the sessions of that course run that have not ended
    are cancelled (``CURSUS_UNENROLLMENT_POLICY = "cancel"``) or only reported in the log
    (``"flag"``). Ended or cancelled sessions are never touched: they are history. Nothing left
    to cancel means nothing to do, so a repeated event changes nothing. With another workspace
    backend enrollments are not registrations' doing, and the event is none of our business.
    """
    if enrollment is None or is_cursus_acting() or not _enrollments_are_registrations():
        return
    course_key = str(enrollment.course.course_key)
    registrations = list(_granting_enrollment(enrollment.user.id, course_key))
    if not registrations:
        return
    if settings.UNENROLLMENT_POLICY != CANCEL:  # "flag" (and, safely, any unknown value)
        log.warning(
            "User %s was unenrolled from %s in the LMS and is still registered in sessions %s.",
            enrollment.user.id,
            course_key,
            ", ".join(str(r.session_id) for r in registrations),
        )
        return
    from ..services.registration import unregister

    actor = _request_user()
    with cursus_acting(), transaction.atomic():
        for registration in registrations:
            unregister(registration=registration, actor=actor, reason=UNENROLLED_REASON)


def _enrollments_are_registrations():
    """Only the Open edX backend (or one built on it) turns registrations into enrollments."""
    from ..backends import get_backend
    from .backend import OpenEdxWorkspaceBackend

    return isinstance(get_backend(), OpenEdxWorkspaceBackend)


def _granting_enrollment(user_id, course_key):
    """Confirmed registrations of the user whose role is enrollment, in live sessions of the run."""
    from .backend import COLLABORATOR

    roles = [role for role, workspace_role in settings.WORKSPACE_ROLES.items() if workspace_role == COLLABORATOR]
    return (
        Registration.objects.filter(
            user_id=user_id,
            role__in=roles,
            status=RegistrationStatus.CONFIRMED,
            session__workspace_key=course_key,
            session__end__gt=timezone.now(),
        )
        .exclude(session__status=SessionStatus.CANCELLED)
        .order_by("pk")
    )


def _request_user():
    """Who made the request that unenrolled them (the learner, a staff member), if anyone did."""
    from crum import get_current_user

    user = get_current_user()
    return user if getattr(user, "is_authenticated", False) else None


# --- account retired ----------------------------------------------------------------------


def handle_retirement(sender, user=None, **kwargs):
    """``USER_RETIRE_LMS_MISC``: forget the person (``services.retirement.retire``)."""
    if user is None:
        return
    from ..services import retirement

    with cursus_acting():
        retirement.retire(user=user)
