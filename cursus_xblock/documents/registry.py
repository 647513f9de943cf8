"""Which generator makes each kind of document: built-ins, then entry points, then the setting.

A host package adds or replaces a generator with an entry point in the group
``cursus_xblock.document_generators`` (name: the kind, value: the class), or with
``CURSUS_DOCUMENT_GENERATORS = {kind: "dotted.path.Class"}``, which wins. The admin, the API and
the XBlock find generators only here.
"""

import logging
from importlib.metadata import entry_points

from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

from ..conf import settings
from .generators import BUILT_IN

ENTRY_POINT_GROUP = "cursus_xblock.document_generators"
log = logging.getLogger(__name__)


def generator_classes():
    """{kind: generator class}, after entry points and the setting have had their say."""
    classes = dict(BUILT_IN)
    for entry_point in entry_points(group=ENTRY_POINT_GROUP):
        try:
            classes[entry_point.name] = entry_point.load()
        except Exception:  # one broken plugin must not take every document down
            log.exception("Cannot load document generator %s from entry point %s", entry_point.name, entry_point.value)
    for kind, path in (settings.DOCUMENT_GENERATORS or {}).items():
        try:
            classes[kind] = import_string(path)
        except ImportError as exc:
            raise ImproperlyConfigured(
                f"CURSUS_DOCUMENT_GENERATORS[{kind!r}]: cannot import {path!r} ({exc})."
            ) from exc
    return classes


def get_generator(kind):
    """An instance of the generator for ``kind``; ``KeyError`` for a kind nobody generates."""
    return generator_classes()[kind]()
