"""The kinds of document and the generator that makes each: built-ins, then entry points, then the setting.

A host package adds or replaces a generator with an entry point in the group
``cursus_xblock.document_generators`` (name: the kind, value: the class), or with
``CURSUS_DOCUMENT_GENERATORS = {kind: "dotted.path.Class"}``, which wins. The admin, the API and
the XBlock find generators only here.

A name nobody built in is a **new kind**: its generator class says what it is (``label``,
``issued_for``, ``certificate``, ``placeholders``, ``check``), and templates, issuing and the
admin take it like the built-in ones. The model fields that store a kind validate against
``kinds()``, not a fixed list, so no migration is needed to add one.
"""

import functools
import logging
from dataclasses import dataclass
from importlib.metadata import entry_points

from django.core.exceptions import ImproperlyConfigured
from django.core.signals import setting_changed
from django.utils.module_loading import import_string

from ..conf import settings
from ..models import DocumentKind
from ..models.documents import use_kinds
from .generators import BUILT_IN, EVENT, EVENT_REGISTRATION, ISSUED_FOR, PERSONAL, REGISTRATION, SESSION
from .placeholders import PLACEHOLDERS
from .sheets import SignInSheetGenerator
from .transcripts import TrainingTranscriptGenerator

ENTRY_POINT_GROUP = "cursus_xblock.document_generators"
log = logging.getLogger(__name__)


@functools.cache
def generator_classes():
    """{kind: generator class}, after entry points and the setting have had their say.

    Cached: reading the entry points scans the metadata of every installed package (about a
    tenth of a certificate's time), and neither they nor the setting change while a process
    runs, except under ``override_settings``, which clears the cache (``_reset``).
    """
    classes = {
        **BUILT_IN,
        SignInSheetGenerator.kind: SignInSheetGenerator,
        TrainingTranscriptGenerator.kind: TrainingTranscriptGenerator,
    }
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


class UnknownKind(LookupError):
    """No generator is registered under this name."""


@dataclass(frozen=True)
class Kind:
    """A kind of document as the admin, issuing and the models see it (read from its generator)."""

    value: str
    label: str
    issued_for: str
    certificate: bool
    placeholders: tuple
    generator: type

    @property
    def personal(self):
        """One document per person (registration or a person's séance), rather than per group."""
        return self.issued_for in PERSONAL

    @property
    def for_event(self):
        """About one séance: issuing it needs the event."""
        return self.issued_for in (EVENT_REGISTRATION, EVENT)

    @property
    def for_session(self):
        return self.issued_for == SESSION


def _describe(value, generator):
    issued_for = getattr(generator, "issued_for", None) or (
        EVENT_REGISTRATION if getattr(generator, "needs_event", False) else REGISTRATION
    )
    if issued_for not in ISSUED_FOR:
        raise ImproperlyConfigured(
            f"Document kind {value!r}: issued_for must be one of {', '.join(ISSUED_FOR)}, not {issued_for!r}."
        )
    label = getattr(generator, "label", None)
    if label is None:
        label = DocumentKind(value).label if value in DocumentKind.values else value
    return Kind(
        value=value,
        label=label,
        issued_for=issued_for,
        certificate=bool(getattr(generator, "certificate", False)),
        placeholders=tuple(getattr(generator, "placeholders", ()) or ()),
        generator=generator,
    )


@functools.cache
def kinds():
    """{value: ``Kind``}, the built-in kinds first in their order, then the others by name."""
    classes = generator_classes()
    order = [*DocumentKind.values, SignInSheetGenerator.kind, TrainingTranscriptGenerator.kind]
    values = [v for v in order if v in classes] + sorted(v for v in classes if v not in order)
    return {value: _describe(value, classes[value]) for value in values}


def get_kind(value):
    """The ``Kind`` named ``value``; ``UnknownKind`` when nobody registered it."""
    try:
        return kinds()[str(value)]
    except KeyError:
        raise UnknownKind(value) from None


def kind_choices():
    """``[(value, label)]`` of every registered kind, for form fields and filters."""
    return [(kind.value, kind.label) for kind in kinds().values()]


def kind_label(value):
    """The label of ``value``, or the value itself for a kind no longer registered (an old record)."""
    kind = kinds().get(value)
    return kind.label if kind is not None else value


def _reset(*, setting, **kwargs):
    if setting == "CURSUS_DOCUMENT_GENERATORS":
        clear()


def clear():
    """Forget what was read (entry points, setting): the next call reads them again."""
    generator_classes.cache_clear()
    kinds.cache_clear()


setting_changed.connect(_reset)


def sample_context(kind, language):
    """Sample values for a template of ``kind`` (its generator's), for the preview and the checks on save.

    A kind no longer registered (an old template) gets a person's sample.
    """
    from . import placeholders

    generator = generator_classes().get(kind)
    if generator is None:
        return placeholders.sample_context(kind, language)
    return generator().sample_context(language)


def placeholders_for(kind):
    """The common placeholders a template of ``kind`` (a value) sees, then the kind's own."""
    kind = get_kind(kind)
    return [p for p in PLACEHOLDERS if p.applies(kind)] + list(kind.placeholders)


def placeholder_kinds(placeholder):
    """The values of the registered kinds whose templates see ``placeholder``."""
    return tuple(value for value, kind in kinds().items() if placeholder.applies(kind))


# The kind columns validate against this registry; the models cannot import it (they sit below).
use_kinds(lambda: {value: kind.label for value, kind in kinds().items()})
