"""Errors of the API: one JSON shape, and each kind of error mapped to a stable code here, once.

Every error response is ``{"code": …, "message": …}`` (plus ``fields`` for invalid input): the
code is for programs and never changes, the message is for people and follows the request's
language. Service refusals (a full session, a document that cannot be issued …) keep the code the
service gave them, prefixed where it names the session so it reads on its own.
"""

from django.core.exceptions import ObjectDoesNotExist
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, status
from rest_framework.serializers import as_serializer_error
from rest_framework.views import exception_handler as drf_exception_handler

from ..backends import WorkspaceRefused
from ..documents.generators import DocumentRefused
from ..services.outcomes import Refusal, RegistrationError

INVALID = _("The request is invalid: %(details)s")
NOT_FOUND = exceptions.NotFound.default_detail  # DRF's « Not found. », in DRF's catalogue
ALREADY_REGISTERED = _("You are already registered in this session.")

#: Why the registration service refused a session, as API codes (bulk outcomes and errors alike).
REFUSAL_CODES = {
    Refusal.FULL: "session_full",
    Refusal.CLOSED: "session_closed",
    Refusal.CANCELLED: "session_cancelled",
    Refusal.ENDED: "session_ended",
    Refusal.EVENT_FULL: "event_full",
    Refusal.EVENT_ENDED: "event_ended",
    Refusal.NOT_IN_SESSION: "not_in_session",
    Refusal.NOT_CONFIRMED: "not_confirmed",
    Refusal.WORKSPACE: "workspace_refused",
}

#: Document refusals that point at the request itself (400); the others depend on the state of the
#: registration or of the templates (409). A generator added by a host may use codes of its own: 409.
DOCUMENT_INPUT_CODES = {"event_required", "event_elsewhere", "wrong_kind"}

#: The codes clients may see, described in the schema (in English, like the rest of it). The list
#: is open: a host's document generator may add codes of its own.
CODES = {
    "invalid": "A field or parameter is invalid (400); see fields.",
    "parse_error": "The body is not valid JSON (400).",
    "not_authenticated": "Sign in first (401 or 403, depending on the host's authentication).",
    "authentication_failed": "The credentials are wrong (401 or 403).",
    "permission_denied": "Signed in, but not allowed (403).",
    "not_allowed": "The session does not allow this to its participants (403).",
    "not_found": "Unknown id, username or code (404).",
    "method_not_allowed": "This path does not accept this method (405).",
    "not_acceptable": "No response in the asked media type (406).",
    "unsupported_media_type": "Send JSON (415).",
    "throttled": "Too many requests: wait Retry-After seconds (429).",
    "already_registered": "Already registered in this session with this role (409).",
    **{code: "A registration refusal (409, or an outcome of a bulk registration)." for code in REFUSAL_CODES.values()},
    "workspace_refused": "The workspace (in Open edX, the course run) refused to give or take the role (409, or "
    "an outcome of a bulk registration): nothing changed.",
    "session_started": "Too late to unregister oneself: the session has started (409).",
    "no_template": "No template for this kind of document (409).",
    "not_a_learner": "Certificates are for learners (409).",
    "not_started": "Too early for a certificate (409).",
    "not_in_event": "Not registered to this event (409).",
    "absent": "Absent from this event (409).",
    "attendance_not_recorded": "Attendance not recorded yet (409).",
    "attendance_too_low": "Attendance below the minimum (409).",
    "template_error": "The template failed with this person's data (409).",
    "no_email": "The person has no e-mail address (409).",
    "event_required": "This kind of document needs an event (400).",
    "event_elsewhere": "The event belongs to another session (400).",
    "wrong_kind": "The template is for another kind of document (400).",
    "file_missing": "The stored file of this document is gone (404).",
    "event_not_started": "Attendance other than unknown before the séance starts (409).",
    "not_registered": "Not a confirmed learner of this séance (409): nothing was recorded.",
    "invalid_file": "The import file cannot be read: format, size, columns or rows (400); nothing was planned.",
    "import_has_errors": "Rows of the import file have errors and allow_errors was not given (409): nothing "
    "was written.",
}


class ApiError(exceptions.APIException):
    """A refusal of the domain: its own status and stable code, with a translated message."""

    def __init__(self, message, *, code, status_code=status.HTTP_409_CONFLICT):
        super().__init__(message, code)
        self.status_code = status_code


def refusal_error(refusal, message=None):
    """The error for a registration the service refused (one session, one person)."""
    return ApiError(message or Refusal(refusal).label, code=REFUSAL_CODES.get(refusal, str(refusal)))


def _domain_to_api(exc):
    if isinstance(exc, DocumentRefused):
        code = exc.code
        status_code = status.HTTP_400_BAD_REQUEST if code in DOCUMENT_INPUT_CODES else status.HTTP_409_CONFLICT
        return ApiError(exc.message, code=code, status_code=status_code)
    if isinstance(exc, RegistrationError):
        return ApiError(exc.message, code=exc.code)
    if isinstance(exc, WorkspaceRefused):
        # The service turns a refused grant into an outcome; a refused revoke (an LMS
        # unenrollment filter raising through) reaches us as is, the unregistration undone.
        return ApiError(exc.message, code=REFUSAL_CODES[Refusal.WORKSPACE])
    if isinstance(exc, (Http404, ObjectDoesNotExist)):
        # Raised by a service when a row went away between the view's check and its lock.
        return exceptions.NotFound(NOT_FOUND)
    if isinstance(exc, DjangoPermissionDenied):
        return exceptions.PermissionDenied()
    if isinstance(exc, DjangoValidationError):
        return exceptions.ValidationError(as_serializer_error(exc))
    return exc


def _flatten(detail, prefix=""):
    """DRF's nested error detail as {"field" or "field.0.sub": [messages]}."""
    if isinstance(detail, dict):
        flat = {}
        for key, value in detail.items():
            flat.update(_flatten(value, f"{prefix}.{key}" if prefix else str(key)))
        return flat
    if isinstance(detail, list) and any(isinstance(item, (dict, list)) for item in detail):
        flat = {}
        for index, value in enumerate(detail):
            if value:
                flat.update(_flatten(value, f"{prefix}.{index}" if prefix else str(index)))
        return flat
    items = detail if isinstance(detail, list) else [detail]
    return {prefix or "non_field_errors": [str(item) for item in items]}


def error_body(exc):
    """The JSON body of an ``APIException``."""
    if isinstance(exc, exceptions.ValidationError):
        fields = _flatten(exc.detail)
        details = "; ".join(
            messages[0] if name == "non_field_errors" else f"{name}: {messages[0]}" for name, messages in fields.items()
        )
        return {"code": "invalid", "message": str(INVALID % {"details": details}), "fields": fields}
    detail = exc.detail
    if isinstance(detail, (list, dict)):  # an APIException raised with structured detail
        fields = _flatten(detail)
        first = next(iter(fields.values()))[0]
        return {"code": exc.default_code, "message": first, "fields": fields}
    return {"code": getattr(detail, "code", None) or exc.default_code, "message": str(detail)}


def exception_handler(exc, context):
    """DRF's handler (headers such as WWW-Authenticate and Retry-After, rollback), with our body."""
    exc = _domain_to_api(exc)
    response = drf_exception_handler(exc, context)
    if response is None:
        return None  # not ours to explain: a 500, logged by Django
    response.data = error_body(exc)
    return response
