"""A ``CourseEnrollmentStarted`` step for the real-LMS tests: refuses the usernames in ``REFUSED``."""

from openedx_filters import PipelineStep
from openedx_filters.learning.filters import CourseEnrollmentStarted

REFUSED = set()


class RefuseUsers(PipelineStep):
    def run_filter(self, user, course_key, mode):
        if user.username in REFUSED:
            raise CourseEnrollmentStarted.PreventEnrollment("Payment required.")
        return {}
