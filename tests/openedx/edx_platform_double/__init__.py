"""A test double of the few edx-platform entry points the Open edX backend calls.

Each module mirrors one edx-platform module, with the real signatures, exceptions and control flow
of the functions we call (as of Teak, Ulmo and Verawood, where they have not changed):

==========================================================  =======================================
edx-platform module (file)                                  double
==========================================================  =======================================
``common.djangoapps.student.models``                        ``student_models``
(``common/djangoapps/student/models/course_enrollment.py``)
``common.djangoapps.student.roles``                         ``student_roles``
(``common/djangoapps/student/roles.py``)
``openedx.core.djangoapps.content.course_overviews.models`` ``course_overviews``
(``openedx/core/djangoapps/content/course_overviews/models.py``)
``openedx.core.djangoapps.user_api.accounts.signals``       ``accounts_signals``
(``openedx/core/djangoapps/user_api/accounts/signals.py``)
``openedx.core.djangoapps.user_api.preferences.api``        ``user_preferences``
(``openedx/core/djangoapps/user_api/preferences/api.py``)
``openedx.core.djangoapps.lang_pref``                       ``lang_pref``
(``openedx/core/djangoapps/lang_pref/__init__.py``)
==========================================================  =======================================

Enrollments and course access roles are rows of real tables (``student_courseenrollment``,
``student_courseaccessrole``, created for the test session by ``tests/openedx/conftest.py``), as
in the LMS, where they share the database with the registrations: a savepoint rolled back by the
registration service takes them away too — but not the platform's per-request caches (enrollment
state, ``user._roles``), which the double keeps as the platform does. Course runs are declared with
``add_course``.

``install()`` puts the doubles into ``sys.modules`` under the real dotted paths; ``uninstall()``
takes them out again, so the rest of the suite still runs « outside edx-platform ».
"""

import sys
import types
from importlib.machinery import ModuleSpec

from . import accounts_signals, course_overviews, lang_pref, recording, student_models, student_roles, user_preferences

MODULES = {
    "common.djangoapps.student.models": student_models,
    "common.djangoapps.student.roles": student_roles,
    "openedx.core.djangoapps.content.course_overviews.models": course_overviews,
    "openedx.core.djangoapps.user_api.accounts.signals": accounts_signals,
    "openedx.core.djangoapps.user_api.preferences.api": user_preferences,
    "openedx.core.djangoapps.lang_pref": lang_pref,
}

#: Every call made into the double from outside it, in order (see ``recording``).
calls = recording.CALLS
add_course = course_overviews.add_course
_saved = {}


def _package(name):
    module = types.ModuleType(name)
    module.__path__ = []
    module.__spec__ = ModuleSpec(name, loader=None, is_package=True)
    return module


def install():
    names = set()
    for dotted in MODULES:
        parts = dotted.split(".")
        names.update(".".join(parts[:i]) for i in range(1, len(parts) + 1))
    for name in sorted(names):
        _saved[name] = sys.modules.get(name)
        sys.modules[name] = MODULES.get(name) or _package(name)
    for name in sorted(names):  # `from common.djangoapps.student import roles` looks at attributes first
        parent, _, child = name.rpartition(".")
        if parent:
            setattr(sys.modules[parent], child, sys.modules[name])
    reset()


def uninstall():
    for name, previous in _saved.items():
        if previous is None:
            sys.modules.pop(name, None)
        else:
            sys.modules[name] = previous
    _saved.clear()
    reset()


def reset():
    """Between tests: as a new request (``RequestCacheMiddleware`` clears the request cache)."""
    from edx_django_utils.cache import RequestCache

    recording.CALLS.clear()
    course_overviews.COURSES.clear()
    user_preferences.PREFERENCES.clear()
    RequestCache.clear_all_namespaces()
