"""Which generator makes each kind of document: built-ins, then entry points, then the setting.

A host package adds or replaces a generator with an entry point in the group
``cursus_xblock.document_generators`` (name: the kind, value: the class), or with
``CURSUS_DOCUMENT_GENERATORS = {kind: "dotted.path.Class"}``, which wins. The admin, the API and
the XBlock find generators only here.
"""

import functools
import logging
from importlib.metadata import entry_points

from django.core.exceptions import ImproperlyConfigured
from django.core.signals import setting_changed
from django.utils.module_loading import import_string

from ..conf import settings
from .generators import BUILT_IN

ENTRY_POINT_GROUP = "cursus_xblock.document_generators"
log = logging.getLogger(__name__)


@functools.cache
def generator_classes():
    """{kind: generator class}, after entry points and the setting have had their say.

    Cached: reading the entry points scans the metadata of every installed package (about a
    tenth of a certificate's time), and neither they nor the setting change while a process
    runs, except under ``override_settings``, which clears the cache (``_reset``).
    """
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


def _reset(*, setting, **kwargs):
    if setting == "CURSUS_DOCUMENT_GENERATORS":
        generator_classes.cache_clear()


setting_changed.connect(_reset)
