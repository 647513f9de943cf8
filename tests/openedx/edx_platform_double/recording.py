"""Records the calls made into the double. The double's own internal calls go to unrecorded helpers."""

import functools
import inspect

#: ``("Class.method", args, kwargs)`` per call, exactly as made; a role's course key comes first in args;
#: a model manager's method is named ``Model.objects.method``.
CALLS = []


def recorded(func):
    signature = inspect.signature(func)

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        signature.bind(*args, **kwargs)  # a call that does not fit the real signature fails here
        owner, rest = args[0], args[1:]
        if isinstance(owner, type):  # a classmethod: CourseEnrollment.enroll(…)
            name, prefix = f"{owner.__name__}.{func.__name__}", ()
        elif hasattr(owner, "model"):  # a manager: CourseEnrollment.objects.num_enrolled_in_exclude_admins(…)
            name, prefix = f"{owner.model.__name__}.objects.{func.__name__}", ()
        else:  # a role: CourseStaffRole.add_users(course_key, …)
            name, prefix = f"{type(owner).__name__}.{func.__name__}", (owner.course_key,)
        CALLS.append((name, prefix + rest, kwargs))
        return func(*args, **kwargs)

    return wrapper
