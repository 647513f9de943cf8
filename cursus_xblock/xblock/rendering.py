"""What the XBlock shows: its templates and icons, and the viewer's status and messages in its words."""

import functools
import zoneinfo

from django.conf import settings as django_settings
from django.shortcuts import resolve_url
from django.template import Engine, Template
from django.template.backends.django import get_installed_libraries
from django.urls import NoReverseMatch
from xblock.utils.resources import ResourceLoader

from ..models import RegistrationStatus, Role
from ..services.outcomes import Result
from .handlers import _

#: Files are read from the package's top: templates/cursus_xblock/block/, static/cursus_xblock/block/.
loader = ResourceLoader("cursus_xblock")


def registered_message(block, outcome):
    session = outcome.session.name
    if outcome.result == Result.WAITING:
        text = _("The session {session} is full: you are on its waiting list, position {position}.")
        return block.gettext(text).format(session=session, position=outcome.position)
    if outcome.result == Result.PENDING:
        return block.gettext(_("You are registered for {session}, pending validation.")).format(session=session)
    if outcome.result == Result.ALREADY_REGISTERED:
        return block.gettext(_("You were already registered for {session}.")).format(session=session)
    return block.gettext(_("You are registered for {session}.")).format(session=session)


def status(block, row):
    """{"kind", "label"} of the viewer's place in the session, or None."""
    registration = row.registration
    if registration is None:
        return None
    if registration.role == Role.TRAINER:
        return {"kind": "trainer", "label": block.gettext(_("Trainer"))}
    if registration.status == RegistrationStatus.WAITING:
        return {"kind": "waiting", "label": waiting_label(block, row.position)}
    if registration.status == RegistrationStatus.PENDING:
        return {"kind": "pending", "label": block.gettext(_("Pending validation"))}
    return {"kind": "registered", "label": block.gettext(_("Registered"))}


def waiting_label(block, position):
    """The admin's words for a place on the waiting list (one message in the catalogue)."""
    return block.gettext(_("Waiting list #%(position)d")) % {"position": position}


def login_url():
    """The host's sign-in page (the LMS's ``/login``), or '' when it has none to offer."""
    try:
        return resolve_url(django_settings.LOGIN_URL)
    except NoReverseMatch:
        return ""


def known_zone(name):
    try:
        return bool(name) and zoneinfo.ZoneInfo(name) is not None
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return False


@functools.cache
def template(path):
    libraries = {**get_installed_libraries(), "i18n": "xblock.utils.templatetags.i18n"}
    return Template(loader.load_unicode(path), engine=Engine(libraries=libraries))


_ICONS = {}


def icons():
    if not _ICONS:
        for name in ("plus", "hat", "cross"):
            _ICONS[name] = loader.load_unicode(f"templates/cursus_xblock/admin/icons/{name}.svg").strip()
    return _ICONS
