"""XBlock's own test runtime (``ToyRuntime``) with the two services the LMS gives the block.

``LmsUserService`` mirrors edx-platform's ``DjangoXBlockUserService.get_current_user()``: an
``XBlockUser`` whose ``opt_attrs`` hold ``edx-platform.user_id``, ``edx-platform.username``,
``edx-platform.is_authenticated``, ``edx-platform.user_is_staff``, ``edx-platform.user_role``
and ``edx-platform.user_preferences`` (``pref-lang`` and ``time_zone``), the anonymous user
having ``is_authenticated`` False and no id. ``DjangoI18nService`` is what edx-platform's
``XBlockI18nService`` falls back to when the block ships no ``text.mo`` of its own: Django's
translation functions, so the plugin's catalogue.
"""

import json

import django.utils.translation
from opaque_keys.edx.keys import UsageKey
from webob import Request
from xblock.field_data import DictFieldData
from xblock.fields import ScopeIds
from xblock.reference.user_service import UserService, XBlockUser
from xblock.runtime import Runtime
from xblock.test.toy_runtime import ID_MANAGER, ToyRuntime

from cursus_xblock.xblock.block import CursusXBlock

COURSE_RUN = "course-v1:Org+SST+2026"


class LmsUserService(UserService):
    def __init__(self, user=None, *, time_zone=None, **kwargs):
        if user is None:
            xblock_user = XBlockUser(is_current_user=True)
            xblock_user.opt_attrs = {"edx-platform.is_authenticated": False}
        else:
            xblock_user = XBlockUser(
                is_current_user=True, emails=[user.email], full_name=user.get_full_name() or user.username
            )
            xblock_user.opt_attrs = {
                "edx-platform.user_id": user.pk,
                "edx-platform.username": user.username,
                "edx-platform.is_authenticated": True,
                "edx-platform.user_is_staff": user.is_staff,
                "edx-platform.user_role": "student",
                "edx-platform.user_preferences": {"pref-lang": "en", "time_zone": time_zone},
            }
        super().__init__(user=xblock_user, **kwargs)

    def get_current_user(self):
        return self._user


class DjangoI18nService:
    def __getattr__(self, name):
        return getattr(django.utils.translation, name)


class BlockRuntime(ToyRuntime):
    """A ToyRuntime whose ``user`` service is the LMS's (``lms_user``) or none at all (``None``)."""

    def __init__(self, user_service=None):
        services = {"field-data": DictFieldData({}), "i18n": DjangoI18nService()}
        if user_service is not None:
            services["user"] = user_service
        # Runtime's own __init__: ToyRuntime's sets the deprecated ``user_id``.
        Runtime.__init__(self, ID_MANAGER, ID_MANAGER, services=services)
        self.events = []

    def publish(self, block, event_type, event_data):
        self.events.append((event_type, event_data))


def make_block(runtime, *, in_course=True, **fields):
    usage = UsageKey.from_string(f"block-v1:{COURSE_RUN.split(':')[1]}+type@cursus+block@unit1") if in_course else "u1"
    block = runtime.construct_xblock_from_class(CursusXBlock, ScopeIds("viewer", "cursus", "d1", usage))
    for name, value in fields.items():
        setattr(block, name, value)
    return block


def as_lms_user(user, **kwargs):
    return BlockRuntime(LmsUserService(user, **kwargs))


def post(block, handler, payload):
    """(status, decoded JSON) of a JSON handler call, as the browser makes it."""
    request = Request.blank("/", method="POST", body=json.dumps(payload).encode())
    request.content_type = "application/json"
    response = block.runtime.handle(block, handler, request)
    if response.content_type != "application/json":
        return response.status_code, response.text
    return response.status_code, json.loads(response.body)


def get(block, handler, query=""):
    request = Request.blank(f"/?{query}", method="GET")
    return block.runtime.handle(block, handler, request)
