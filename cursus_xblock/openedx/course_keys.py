"""Course-run keys (``course-v1:Org+Course+Run``), parsed with edx-opaque-keys."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from opaque_keys import InvalidKeyError
from opaque_keys.edx.keys import CourseKey
from opaque_keys.edx.locator import LibraryLocator

NOT_A_COURSE_RUN = _("“%(value)s” is not a course run key (expected e.g. course-v1:Org+Course+Run).")


def parse_course_key(value):
    """The ``CourseKey`` of ``value``; ``ValidationError`` when it is not a course run's key.

    Content libraries have course-like keys (``library-v1:…``) but nobody enrolls in them.
    """
    try:
        key = CourseKey.from_string(str(value).strip())
    except InvalidKeyError:
        key = None
    if key is None or isinstance(key, LibraryLocator):
        raise ValidationError(NOT_A_COURSE_RUN, code="invalid_course_key", params={"value": value})
    return key
