"""The seed's « Register » picker: pick any number of sessions for a user (or a group's members), then OK.

The host's user and group admins mount these pages with ``user_picker_urls(model_admin)`` and
``group_picker_urls(model_admin)`` (see ``admin/users.py``). ``views`` holds the pages and the JSON
session search, ``presenters`` what they show of a session, ``summary`` the outcomes after OK,
``targets`` who is registered (a user, a group's members).
"""

from .targets import GroupPicker, UserPicker


def user_picker_urls(model_admin):
    """The picker's three URLs for the host's user admin (names ``cursus_user_register…``)."""
    return UserPicker(model_admin).urls()


def group_picker_urls(model_admin):
    """The picker's three URLs for the host's group admin (names ``cursus_group_register…``)."""
    return GroupPicker(model_admin).urls()
