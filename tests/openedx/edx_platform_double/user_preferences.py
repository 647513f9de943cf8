"""Double of ``openedx/core/djangoapps/user_api/preferences/api.py``: ``get_user_preference``.

The real function reads ``UserPreference`` for the user named ``username`` (default: the
requesting user's), raises ``UserNotFound`` for an unknown username and ``UserNotAuthorized`` when
someone other than staff asks for another's preference, and returns the stored string or None.
The double keeps the preferences in ``PREFERENCES`` ({(username, key): value}) and records calls.
"""

from django.contrib.auth import get_user_model

from .recording import CALLS

#: {(username, preference key): value}, as the ``user_api_userpreference`` table would hold them.
PREFERENCES = {}


class UserAPIRequestError(Exception):
    pass


class UserNotFound(UserAPIRequestError):
    pass


class UserNotAuthorized(UserAPIRequestError):
    pass


def get_user_preference(requesting_user, preference_key, username=None):
    CALLS.append(("get_user_preference", (requesting_user, preference_key), {"username": username}))
    if username is None:
        username = requesting_user.username
    if not get_user_model().objects.filter(username=username).exists():
        raise UserNotFound()
    if requesting_user.username != username and not requesting_user.is_staff:
        raise UserNotAuthorized()
    return PREFERENCES.get((username, preference_key))
