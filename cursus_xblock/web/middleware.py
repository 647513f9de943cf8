"""A database lock that outlasts the busy timeout is a 503 with a message, never a 500.

On SQLite (the demo, a plain Django host) a write that waits longer than ``OPTIONS["timeout"]``
for another connection's lock fails with ``OperationalError: database is locked``. Nothing was
written (the transaction rolled back), so the honest answer is "busy, try again": an HTML page for
people (the admin), ``{"code": "database_busy", "message": …}`` for the API and JSON callers.

Add ``"cursus_xblock.web.middleware.DatabaseBusyMiddleware"`` to ``MIDDLEWARE``. It sees errors
raised by views (``process_exception``), which is where writes happen.
"""

from django.http import JsonResponse
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _

from ..db import is_database_locked

DATABASE_BUSY = _("The database is busy with other changes, and nothing was changed. Please try again in a moment.")
DATABASE_BUSY_TITLE = _("Busy, try again")
#: Seconds a client is told to wait before trying again.
RETRY_AFTER = 5


def _wants_json(request):
    view = getattr(getattr(request, "resolver_match", None), "func", None)
    if getattr(view, "cls", None) is not None and hasattr(view.cls, "get_exception_handler"):  # a DRF view
        return True
    return request.content_type == "application/json" or not request.accepts("text/html")


class DatabaseBusyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not is_database_locked(exception):
            return None
        if _wants_json(request):
            response = JsonResponse({"code": "database_busy", "message": str(DATABASE_BUSY)}, status=503)
        else:
            context = {"title": DATABASE_BUSY_TITLE, "message": DATABASE_BUSY, "retry_url": request.get_full_path()}
            response = TemplateResponse(request, "cursus_xblock/database_busy.html", context, status=503)
        response["Retry-After"] = str(RETRY_AFTER)
        return response
