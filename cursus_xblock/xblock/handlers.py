"""The XBlock's handler plumbing: who may call, with what, and the plain responses it sends."""

import functools
import json

from django.utils.http import content_disposition_header
from rest_framework.exceptions import Throttled
from webob import Response
from xblock.core import XBlock
from xblock.exceptions import JsonHandlerError

from ..web.throttling import SelfRegistrationThrottle
from .viewer import viewer_of

JSON_MEDIA_TYPE = "application/json"


def _(text):
    """Marks a string for extraction; the runtime's i18n service translates it when shown."""
    return text


def viewer_download(method):
    """A handler serving one of the viewer's files: GET only, ``user`` None for an anonymous viewer.

    Every lookup filters on that user, so an id from someone else's page finds nothing.
    """

    @functools.wraps(method)
    def handler(self, request, suffix=""):
        if request.method != "GET":
            return plain(405, self.gettext(_("Use GET.")))
        return method(self, request, viewer_of(self).user)

    return XBlock.handler(handler)


def self_service(method):
    """A handler where the viewer changes their own registrations: ``method(self, data, viewer)``.

    POST only, a JSON body only, signed in, and counted against the person's self-registration
    budget, which the API's ``me/registrations/`` spends too (``throttling.py``). The LMS serves
    handlers from a CSRF-exempt view: another site's form can post ``text/plain`` or form data
    for a signed-in learner, but not ``application/json`` without the browser asking first (CORS),
    so nothing else is read, nor counted.
    """
    return _json_handler(method, sign_in=_("Sign in to register."), throttled=True)


def signed_in_json(method):
    """A handler for a signed-in viewer acting on others (a trainer's roll call): ``method(self, data, viewer)``.

    The rules of ``self_service`` (POST, a JSON body only, signed in) without its self-registration
    budget: a trainer records a room's attendance one select at a time. The method checks who may.
    """
    return _json_handler(method, sign_in=_("Sign in first."), throttled=False)


def _json_handler(method, *, sign_in, throttled):
    """The rules both JSON handlers share: POST, a JSON body only, signed in, then (maybe) the budget."""

    @functools.wraps(method)
    def handler(self, request, suffix=""):
        if request.method != "POST":
            return JsonHandlerError(405, self.gettext(_("Use POST."))).get_response(allow=["POST"])
        if (request.content_type or "").strip().lower() != JSON_MEDIA_TYPE:
            message = _("Send the request as JSON (Content-Type: application/json).")
            return JsonHandlerError(415, self.gettext(message)).get_response()
        try:
            data = json.loads(request.body.decode("utf-8"))
        except ValueError:  # UnicodeDecodeError included
            return JsonHandlerError(400, self.gettext(_("The request is not valid JSON."))).get_response()
        viewer = viewer_of(self)
        if viewer.is_anonymous:
            return JsonHandlerError(403, self.gettext(sign_in)).get_response()
        if throttled:
            throttle = SelfRegistrationThrottle()
            if not throttle.allow_person(viewer.user):
                refused = Throttled(throttle.wait())  # the API's words and Retry-After, from DRF
                return JsonHandlerError(429, str(refused.detail)).get_response(retry_after=refused.wait)
        else:
            data = data if isinstance(data, dict) else {}
        try:
            answer = method(self, data, viewer)
        except JsonHandlerError as error:
            return error.get_response()
        return Response(json.dumps(answer), content_type=JSON_MEDIA_TYPE, charset="utf-8")

    return XBlock.handler(handler)


def positive_int(value):
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if 0 < number < 2**63 else None


def plain(status, message):
    return Response(str(message), status=status, content_type="text/plain", charset="utf-8")


def download(content, media_type, filename, charset=None):
    response = Response(body=content, content_type=media_type, charset=charset)
    response.content_disposition = content_disposition_header(True, filename)
    return response
