"""openedx-filters pipeline steps other plugins might configure, for the tests."""

from openedx_filters import PipelineStep
from openedx_filters.learning.filters import CourseEnrollmentStarted

#: ``RefuseUsers`` refuses these usernames, or (username, course key) pairs; ``Crash`` fails on these
#: course keys. Tests fill and clear them.
REFUSED_USERS = set()
CRASH_ON = set()


class RefuseUsers(PipelineStep):
    """Like a payment or eligibility plugin saying no to some people."""

    def run_filter(self, user, course_key, mode):
        if user.username in REFUSED_USERS or (user.username, str(course_key)) in REFUSED_USERS:
            raise CourseEnrollmentStarted.PreventEnrollment("Payment required.")
        return {}


class Crash(PipelineStep):
    """A broken step (with ``fail_silently: False``): an unexpected error, not a refusal."""

    def run_filter(self, user, course_key, mode):
        if str(course_key) in CRASH_ON:
            raise RuntimeError("the platform is down")
        return {}
