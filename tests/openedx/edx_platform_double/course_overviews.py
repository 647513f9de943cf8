"""Double of ``openedx/core/djangoapps/content/course_overviews/models.py``: ``CourseOverview.get_from_id``."""

from django.core.exceptions import ObjectDoesNotExist
from opaque_keys.edx.keys import CourseKey

from .recording import recorded

#: str(course key) → CourseOverview; filled by ``add_course``.
COURSES = {}


class CourseOverview:
    class DoesNotExist(ObjectDoesNotExist):
        pass

    def __init__(
        self, course_key, *, display_name="", enrollment_start=None, enrollment_end=None, max_enrollments=None
    ):
        self.id = course_key
        self.display_name = display_name or str(course_key)
        self.enrollment_start = enrollment_start
        self.enrollment_end = enrollment_end
        self.max_student_enrollments_allowed = max_enrollments

    @classmethod
    @recorded
    def get_from_id(cls, course_id):
        """Raises ``CourseOverview.DoesNotExist`` for a course that is not in the modulestore."""
        return get(course_id)


def get(course_id):
    try:
        return COURSES[str(course_id)]
    except KeyError:
        raise CourseOverview.DoesNotExist(f"Course {course_id} does not exist") from None


def add_course(key, **attributes):
    """Make a course run exist (``enrollment_start``, ``enrollment_end``, ``max_enrollments``)."""
    course_key = CourseKey.from_string(str(key))
    COURSES[str(course_key)] = overview = CourseOverview(course_key, **attributes)
    return overview
