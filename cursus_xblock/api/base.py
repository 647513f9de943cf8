"""What every API view shares: JSON in, the error shape, pagination, lookups.

One ``APIView`` per resource (URL), one method per operation: DRF answers the methods a view does
not have with a JSON 405 naming those it has, and the schema generator sees each method as is.
"""

from django.contrib.auth import get_user_model
from django.urls import Resolver404, resolve
from django.utils.translation import gettext_lazy as _
from drf_spectacular.openapi import AutoSchema
from rest_framework.exceptions import NotFound
from rest_framework.parsers import JSONParser
from rest_framework.views import APIView

from .exceptions import NOT_FOUND, exception_handler
from .pagination import Pagination

NO_SUCH_PATH = _("There is no API endpoint at this path.")
NO_TRAILING_SLASH = _("There is no API endpoint at this path: its URL ends with a slash.")

#: The largest id a ``BigAutoField`` holds: past it the database would fail instead of finding nothing.
MAX_ID = 2**63 - 1


class ApiView(APIView):
    """Base of every operation: JSON bodies, drf-spectacular's schema, our error handler."""

    parser_classes = [JSONParser]
    schema = AutoSchema()

    def get_exception_handler(self):
        return exception_handler

    def paginate(self, queryset, serializer_class, *, prepare=None):
        """One page of ``queryset``, serialized, in DRF's ``{count, next, previous, results}``."""
        paginator = Pagination()
        page = paginator.paginate_queryset(queryset, self.request, view=self)
        if prepare is not None:
            prepare(page)
        data = serializer_class(page, many=True, context={"request": self.request}).data
        return paginator.get_paginated_response(data)


def get_or_404(queryset, **lookups):
    """The one row matching, or a JSON 404 (also for ids no database column could hold)."""
    for value in lookups.values():
        if isinstance(value, int) and not 0 < value <= MAX_ID:
            raise NotFound(NOT_FOUND)
        if isinstance(value, str) and "\x00" in value:  # PostgreSQL refuses NUL in text
            raise NotFound(NOT_FOUND)
    found = queryset.filter(**lookups).first()
    if found is None:
        raise NotFound(NOT_FOUND)
    return found


def user_or_404(username):
    User = get_user_model()
    return get_or_404(User._default_manager.all(), **{User.USERNAME_FIELD: username})


class UnknownPathApi(ApiView):
    """Any other path under the API: a JSON 404 like the rest, not the host's HTML page."""

    permission_classes = []

    def initial(self, request, *args, **kwargs):
        path = request.path_info
        if not path.endswith("/"):
            try:
                resolved = resolve(path + "/", urlconf=getattr(request, "urlconf", None))
            except Resolver404:
                resolved = None
            if resolved is not None and getattr(resolved.func, "cls", None) is not UnknownPathApi:
                raise NotFound(NO_TRAILING_SLASH, code="not_found")
        raise NotFound(NO_SUCH_PATH, code="not_found")
