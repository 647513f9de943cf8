"""What every API view shares: JSON in, the error shape, pagination, lookups, one view per operation.

``route(get=ListApi, post=CreateApi)`` serves one URL with one ``APIView`` per HTTP method, so each
operation keeps its own permissions, throttles and nested Input/Output serializers (HackSoft's
style) while the URLs stay those of a REST resource. The schema generator knows about it.
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


class _MethodNotAllowed(ApiView):
    """Answers the methods nobody routed: a JSON 405 naming those that are."""

    permission_classes = []
    methods = ()

    @property
    def allowed_methods(self):
        return [method.upper() for method in self.methods]


def route(**operations):
    """One URL, one ``APIView`` per HTTP method: ``route(get=SessionListApi, post=…)``."""
    views = {method.lower(): view.as_view() for method, view in operations.items()}
    methods = list(views)
    if "get" in views:
        views["head"] = views["get"]
    views["options"] = next(iter(views.values()))
    not_allowed = _MethodNotAllowed.as_view(methods=[*methods, "options"])

    def view(request, *args, **kwargs):
        return views.get(request.method.lower(), not_allowed)(request, *args, **kwargs)

    view.csrf_exempt = True  # as APIView.as_view(): SessionAuthentication checks CSRF itself
    # For the schema generator (schema.RoutedEndpointEnumerator): which methods, and whose they are.
    view.cls = type("Route", (APIView,), dict.fromkeys(methods, lambda self, request, *args, **kwargs: None))
    view.initkwargs = {}
    view.operations = {method.upper(): views[method] for method in methods}
    return view
