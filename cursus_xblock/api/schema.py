"""The OpenAPI 3 schema (drf-spectacular) of our endpoints only, and the Swagger UI that shows it.

drf-spectacular needs no entry in the host's ``INSTALLED_APPS``: the views carry their schema
class, the schema view generates from the URL patterns ``urls.py`` hands it (ours alone: the LMS
has thousands of others) under the prefix it is mounted at, and the Swagger page renders
drf-spectacular's own template through a private template engine. The examples are in
``examples.py``.
"""

from pathlib import Path

import drf_spectacular
from django.template.backends.django import DjangoTemplates
from django.template.exceptions import TemplateDoesNotExist
from django.urls import include, path
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.plumbing import ResolvedComponent, safe_ref
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.renderers import TemplateHTMLRenderer

from .. import __version__
from ..models import Attendance, DocumentKind, EventRegistrationType, RegistrationStatus, Role, SessionStatus
from ..services.outcomes import Result
from . import examples
from .exceptions import CODES
from .serializers import ErrorSerializer

SCHEMA_ROUTE = "schema/"
DOCS_ROUTE = "docs/"

_DESCRIPTION = """Training courses, sessions and events; registrations; invitations and certificates.

The same rules as the admin apply (capacity, waiting list, validation, workspace roles): every
change goes through the plugin's services.

**Authentication** is the host's: in Open edX a JWT (`Authorization: JWT <token>`) or the LMS
session (with its CSRF token); in a plain Django host, DRF's defaults (session, HTTP Basic).
Administrator endpoints need the permission *Can manage training registrations*
(`cursus_xblock.manage_registrations`); a learner only ever reaches their own data.

**Lists** are paginated: `?page=2&page_size=50` (20 by default, 100 at most), answered as
`{count, next, previous, results}`.

**Self-registration** (`me/registrations/`) is throttled per person: 10 requests a minute unless the
host sets the scope `cursus_self_registration` in `REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]`.

**Errors** are `{"code", "message"}` (plus `fields` for invalid input). Codes:

%(codes)s

A bulk registration (`POST users/{username}/registrations/`) does not fail for a full or closed
session: it answers one outcome per session, refusals included (same codes).
"""


def schema_settings():
    """drf-spectacular settings for our schema, with the list of error codes in its description."""
    codes = "\n".join(f"- `{code}`: {message}" for code, message in CODES.items())
    return {**SETTINGS, "DESCRIPTION": _DESCRIPTION % {"codes": codes}}


SETTINGS = {
    "TITLE": "Cursus API",
    "VERSION": __version__,
    "COMPONENT_SPLIT_REQUEST": True,
    # Ours alone, whatever the host configured for its own schema; our enums named first (name_enums).
    "PREPROCESSING_HOOKS": [],
    "POSTPROCESSING_HOOKS": [
        "cursus_xblock.api.schema.name_enums",
        "drf_spectacular.hooks.postprocess_schema_enums",
    ],
    "SCHEMA_PATH_PREFIX": None,
    "SCHEMA_PATH_PREFIX_TRIM": False,
    "SERVERS": [],
    "TAGS": [
        {"name": "catalogue", "description": "Courses, sessions and events: for anyone signed in."},
        {"name": "registrations", "description": "Registrations of any user: for administrators."},
        {"name": "me", "description": "The signed-in person's own registrations."},
        {"name": "documents", "description": "Invitations and certificates of attendance."},
        {"name": "attendance", "description": "Roll calls of séances: for their trainers and training managers."},
    ],
}

# --- documentation helpers for the views ----------------------------------------------------------


def document(**kwargs):
    """drf-spectacular's ``extend_schema``, built on its ``AutoSchema`` whatever the host's default.

    ``extend_schema`` derives from DRF's ``DEFAULT_SCHEMA_CLASS``, which a host without
    drf-spectacular leaves to DRF's own ``AutoSchema``; a schema already set on the method wins.
    """
    extend = extend_schema(**kwargs)

    def decorator(method):
        method.kwargs = {**getattr(method, "kwargs", {}), "schema": AutoSchema}
        return extend(method)

    return decorator


SESSION_ID = OpenApiParameter("session_id", int, OpenApiParameter.PATH, examples=[examples.SESSION_ID])
EVENT_ID = OpenApiParameter("event_id", int, OpenApiParameter.PATH, examples=[examples.EVENT_ID])
USERNAME = OpenApiParameter(
    "username", str, OpenApiParameter.PATH, description="The person's username.", examples=[examples.USERNAME]
)

_STANDARD_ERRORS = {
    400: ("Invalid input.", "invalid", "The request is invalid: page_size: A valid integer is required."),
    401: ("Not signed in (hosts whose authentication answers 401).", "not_authenticated", None),
    403: ("Not signed in, or not allowed.", "permission_denied", None),
    404: ("Unknown id, username or code.", "not_found", "Not found."),
    409: ("Refused in the current state.", None, None),
    429: ("Too many requests.", "throttled", "Request was throttled. Expected available in 42 seconds."),
}
_DEFAULT_MESSAGES = {
    "not_authenticated": "Authentication credentials were not provided.",
    "permission_denied": "You need the permission to manage training registrations.",
}


def errors(*statuses, examples=None):
    """Documented error responses: ``{status: Error}``, each with an example (or those given).

    ``examples`` maps a status to ``[(code, message)]`` for the errors peculiar to an operation.
    """
    examples = examples or {}
    responses = {}
    for status in statuses:
        description, code, message = _STANDARD_ERRORS[status]
        pairs = [(c, text or _DEFAULT_MESSAGES.get(c, "")) for c, text in examples.get(status) or [(code, message)]]
        responses[status] = OpenApiResponse(
            ErrorSerializer,
            description=description,
            examples=[
                OpenApiExample(code, value={"code": code, "message": str(text)}, status_codes=[str(status)])
                for code, text in pairs
            ],
        )
    return responses


_pages = {}


def paginated(serializer_class, name):
    """The page of ``serializer_class`` the ``Pagination`` class answers, as a named component."""
    if name not in _pages:
        _pages[name] = _page_serializer(serializer_class, name)
    return _pages[name]


def _page_serializer(serializer_class, name):
    return type(
        f"Paginated{name}ListSerializer",
        (serializers.Serializer,),
        {
            "count": serializers.IntegerField(help_text="Items in all pages."),
            "next": serializers.URLField(allow_null=True),
            "previous": serializers.URLField(allow_null=True),
            "results": serializer_class(many=True),
            "Meta": type("Meta", (), {"ref_name": f"Paginated{name}List"}),
        },
    )


# --- generation --------------------------------------------------------------------------------------


#: Our choice sets, and the names of their enum components in the schema.
NAMED_ENUMS = {
    "RoleEnum": Role,
    "RegistrationStatusEnum": RegistrationStatus,
    "SessionStatusEnum": SessionStatus,
    "EventRegistrationTypeEnum": EventRegistrationType,
    "AttendanceEnum": Attendance,
    "DocumentKindEnum": DocumentKind,
    "ResultEnum": Result,
}


def name_enums(result, generator, **kwargs):
    """Turns the properties holding one of ``NAMED_ENUMS`` into references to that named component.

    drf-spectacular names enums from ``ENUM_NAME_OVERRIDES``, but reads that setting once per
    language for the whole process (its issue #1244): were the host's own schema generated first,
    ours would get hashed names (and warnings). This hook runs before drf-spectacular's
    ``postprocess_schema_enums`` and shapes the properties as it does (the choices' description on
    the component, ``NullEnum`` for a nullable one); that hook then names the rest.
    """
    names = {frozenset(choices.values): name for name, choices in NAMED_ENUMS.items()}
    for component in result.get("components", {}).get("schemas", {}).values():
        properties = component.get("properties") or {}
        for prop_name, prop in list(properties.items()):
            values = [value for value in prop.get("enum", ()) if value not in ("", None)]
            name = names.get(frozenset(values))
            if name is None:
                continue
            enum = {"type": prop["type"], "enum": values}
            rest = {key: value for key, value in prop.items() if key not in ("type", "enum", "x-spec-enum-id")}
            description = rest.get("description", "")
            if description.startswith("*"):
                enum["description"] = rest.pop("description")
            elif "\n\n*" in description:
                enum["description"] = "*" + description.partition("\n\n*")[2]
            refs = [_component(generator, name, enum).ref]
            if None in prop["enum"]:
                refs.append(_component(generator, "NullEnum", {"enum": [None]}).ref)
            rest.update(refs[0] if len(refs) == 1 else {"oneOf": refs})
            properties[prop_name] = safe_ref(rest)
    return result


def _component(generator, name, schema):
    component = ResolvedComponent(name=name, type=ResolvedComponent.SCHEMA, schema=schema, object=name)
    generator.registry.register_on_missing(component)
    return component


class SchemaView(SpectacularAPIView):
    """The schema of the API, at ``<prefix>schema/``: YAML, or JSON with ``?format=json``.

    ``urls.py`` gives it the API's patterns (``as_view(api_patterns=…)``): the schema knows the
    URLs without importing them.
    """

    api_patterns = ()
    authentication_classes = []
    permission_classes = [AllowAny]
    serve_public = True
    schema = AutoSchema()

    @document(exclude=True)
    def get(self, request, *args, **kwargs):
        prefix = request.path_info.removesuffix(SCHEMA_ROUTE).lstrip("/")
        self.patterns = [path(prefix, include(list(self.api_patterns)))]
        self.custom_settings = schema_settings()
        return super().get(request, *args, **kwargs)


class _SpectacularTemplates(TemplateHTMLRenderer):
    """drf-spectacular's templates, found without its app in the host's ``INSTALLED_APPS``."""

    _engine = None

    @classmethod
    def engine(cls):
        if cls._engine is None:
            folder = Path(drf_spectacular.__file__).resolve().parent / "templates"
            cls._engine = DjangoTemplates(
                {"NAME": "cursus_spectacular", "DIRS": [folder], "APP_DIRS": False, "OPTIONS": {}}
            )
        return cls._engine

    def resolve_template(self, template_names):
        for name in template_names:
            try:
                return self.engine().get_template(name)
            except TemplateDoesNotExist:
                continue
        raise TemplateDoesNotExist(", ".join(template_names))


class DocsView(SpectacularSwaggerView):
    """Swagger UI for the schema next to it (its scripts come from drf-spectacular's CDN default)."""

    renderer_classes = [_SpectacularTemplates]
    authentication_classes = []
    permission_classes = [AllowAny]
    title = SETTINGS["TITLE"]
    schema = AutoSchema()

    @document(exclude=True)
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def _get_schema_url(self, request):
        return request.path.removesuffix(DOCS_ROUTE) + SCHEMA_ROUTE


# --- Open edX authentication, described when present -------------------------------------------------


class OpenEdxJwtScheme(OpenApiAuthenticationExtension):
    target_class = "edx_rest_framework_extensions.auth.jwt.authentication.JwtAuthentication"
    name = "jwtAuth"
    optional = True
    match_subclasses = True

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "`JWT <token>`, e.g. from the LMS's `/oauth2/access_token` with `token_type=jwt`.",
        }


class OpenEdxBearerScheme(OpenApiAuthenticationExtension):
    target_class = "openedx.core.lib.api.authentication.BearerAuthentication"
    name = "bearerAuth"
    optional = True
    match_subclasses = True

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "bearer"}
