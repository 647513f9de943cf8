"""Who is looking at a Cursus XBlock, and in which time zone.

The LMS says it through the runtime's ``user`` service: an ``XBlockUser`` whose ``opt_attrs`` carry
``edx-platform.user_id``, ``edx-platform.is_authenticated`` and ``edx-platform.user_preferences``
(with ``time_zone``). Other runtimes (the XBlock workbench, a plain Django host) have no such
attributes: there the viewer is the Django user of the current request (django-crum's middleware),
never an id taken from the page or the payload.
"""

from dataclasses import dataclass

from django.contrib.auth import get_user_model

EDX_USER_ID = "edx-platform.user_id"
EDX_IS_AUTHENTICATED = "edx-platform.is_authenticated"
EDX_PREFERENCES = "edx-platform.user_preferences"


@dataclass(frozen=True)
class Viewer:
    user: object = None  # None: anonymous
    time_zone: str = ""  # the viewer's preference ('' : unknown, the browser's is used)

    @property
    def is_anonymous(self):
        return self.user is None


def viewer_of(block):
    """The ``Viewer`` of ``block``, from its runtime's user service or the current request."""
    service = block.runtime.service(block, "user")
    xblock_user = service.get_current_user() if service is not None else None
    attrs = getattr(xblock_user, "opt_attrs", None) or {}
    if EDX_IS_AUTHENTICATED in attrs or EDX_USER_ID in attrs:
        return _edx_viewer(attrs)
    return Viewer(user=_request_user())


def _edx_viewer(attrs):
    user_id = attrs.get(EDX_USER_ID)
    if user_id is None or attrs.get(EDX_IS_AUTHENTICATED) is False:
        return Viewer()
    user = get_user_model().objects.filter(pk=user_id, is_active=True).first()
    preferences = attrs.get(EDX_PREFERENCES) or {}
    return Viewer(user=user, time_zone=preferences.get("time_zone") or "") if user else Viewer()


def _request_user():
    from crum import get_current_user

    user = get_current_user()
    return user if user is not None and user.is_authenticated and user.is_active else None
