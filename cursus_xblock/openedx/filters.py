"""An openedx-filters step that keeps learners from enrolling themselves in session-run course runs.

Off by default. An operator turns it on in the LMS settings (Tutor: ``CURSUS_PREVENT_SELF_ENROLLMENT``)::

    OPEN_EDX_FILTERS_CONFIG["org.openedx.learning.course.enrollment.started.v1"] = {
        "fail_silently": False,
        "pipeline": ["cursus_xblock.openedx.filters.PreventSelfEnrollment"],
    }

(append the step to the ``pipeline`` list if that filter already has one). ``fail_silently: False``
makes a wrong path fail loudly instead of silently letting everyone in.
"""

from django.utils import timezone
from django.utils.translation import gettext as _
from openedx_filters import PipelineStep
from openedx_filters.learning.filters import CourseEnrollmentStarted

from ..models import Registration, RegistrationStatus, Session, SessionStatus
from .context import is_cursus_acting

FILTER_TYPE = CourseEnrollmentStarted.filter_type
STEP = "cursus_xblock.openedx.filters.PreventSelfEnrollment"


class PreventSelfEnrollment(PipelineStep):
    """``CourseEnrollmentStarted``: refuse a learner enrolling *themselves* in a course run that a
    session (not cancelled, not ended) uses as its workspace, unless they hold a confirmed
    registration in a session of that run: they must go through registration.

    Everything else passes: our own enrollments, enrollments made by someone else (course staff on
    the instructor dashboard, a service account after a purchase), enrollments outside a request
    (management commands, tasks), global staff, and course runs no live session uses.
    """

    def run_filter(self, user, course_key, mode):  # the signature openedx-filters calls
        if is_cursus_acting() or not _enrolling_themselves(user) or user.is_staff:
            return {}
        key = str(course_key)
        managed = (
            Session.objects.filter(workspace_key=key, end__gt=timezone.now())
            .exclude(status=SessionStatus.CANCELLED)
            .exists()
        )
        if not managed:
            return {}
        registered = Registration.objects.filter(
            user=user, session__workspace_key=key, status=RegistrationStatus.CONFIRMED
        ).exists()
        if registered:
            return {}
        raise CourseEnrollmentStarted.PreventEnrollment(
            _("This course is taught in training sessions: register for one of its sessions to join it.")
        )


def _enrolling_themselves(user):
    from crum import get_current_user

    current = get_current_user()
    return current is not None and getattr(current, "pk", None) is not None and current.pk == user.pk
