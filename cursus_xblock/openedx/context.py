"""« Cursus is acting »: set while we change enrollments ourselves, so our own changes don't loop back.

The Open edX backend sets it around its calls into the platform, and the receivers set it while they
cancel registrations. The unenrollment receiver ignores the platform's events while it is set, and
the self-enrollment filter step lets our own enrollments through. A context variable, so it is
per thread and per asyncio task, and always reset on the way out.
"""

import contextvars
from contextlib import contextmanager

_acting = contextvars.ContextVar("cursus_xblock_acting", default=False)


@contextmanager
def cursus_acting():
    token = _acting.set(True)
    try:
        yield
    finally:
        _acting.reset(token)


def is_cursus_acting():
    return _acting.get()
