"""Administrators' templates: Django's template language, compiled in a sandbox.

A template sees only the plain placeholders (``documents.placeholders``), never model instances,
so ``{{ person.password }}`` is simply empty. The engine has no loaders and no tag libraries to
load, and tags that reach outside the document (``debug``, ``include``, ``extends``) are refused
when the template is saved.

A template cannot hold the server hostage either: whoever may edit templates could otherwise ask
for ``{{ "a"|center:"20000000" }}`` or three nested loops over ``make_list``, and the request
would never answer. Each rendering has a budget (``RenderBudget``): the characters filters and
``{% lorem %}`` produce and loops repeat, the loop iterations, and the time. Filters and tags that
amplify their input are checked *before* they build anything (a width, a count, a separator), so
a refusal is immediate; the author reads ``TemplateLimitExceeded``'s message, with the line.
"""

import contextvars
import functools
import re
import time

from django.template import Context, Engine, Library, Node, NodeList, TemplateSyntaxError, defaultfilters, defaulttags
from django.template.defaulttags import DebugNode, ForNode, LoremNode
from django.template.loader_tags import ExtendsNode, IncludeNode
from django.utils.formats import number_format
from django.utils.translation import gettext_lazy as _

from ..conf import settings

_FORBIDDEN = {DebugNode: "debug", IncludeNode: "include", ExtendsNode: "extends"}

TOO_LARGE = _(
    "This template produces too large a document (more than %(limit)s characters): check its loops, and the "
    "widths, counts and separators given to filters and tags."
)
TOO_MANY_ITERATIONS = _("This template repeats its loops too many times (more than %(limit)s iterations in all).")
TOO_LONG = _("This template took too long to render (more than %(seconds)s seconds): simplify it.")

#: Characters a ``{% lorem %}`` word or paragraph is counted for before it is made (a paragraph of
#: the generator is at most about 600 characters).
_LOREM_SIZES = {"w": 12, "p": 700, "b": 700}
#: The clock is read every this many loop iterations (reading it each time would slow loops).
_CLOCK_EVERY = 64


class TemplateError(ValueError):
    """A template that cannot be used, with the line (1-based) where the problem is, when known."""

    def __init__(self, message, line=None):
        self.message = message
        self.line = line
        super().__init__(self.describe())

    def describe(self):
        if self.line:
            return str(_("Line %(line)d: %(problem)s") % {"line": self.line, "problem": self.message})
        return str(self.message)


class TemplateLimitExceeded(TemplateError):
    """The template asks for more than a rendering may cost (size, loop iterations or time)."""


def too_large(limit):
    return TemplateLimitExceeded(TOO_LARGE % {"limit": number_format(limit, force_grouping=True)})


def too_long(seconds):
    return TemplateLimitExceeded(TOO_LONG % {"seconds": number_format(seconds)})


class RenderBudget:
    """What one rendering may still spend; read from the settings when it starts.

    ``max_size`` bounds, separately, the characters filters and ``{% lorem %}`` produce in all and
    the characters loops repeat in all (each counted once, however deeply nested), and the final
    output. ``seconds`` (0: no limit) is checked as loops turn and filters run.
    """

    def __init__(self, *, max_size=None, max_iterations=None, seconds=None):
        self.max_size = settings.TEMPLATE_MAX_SIZE if max_size is None else max_size
        self.max_iterations = settings.TEMPLATE_MAX_ITERATIONS if max_iterations is None else max_iterations
        self.seconds = settings.RENDER_TIMEOUT if seconds is None else seconds
        self.deadline = time.monotonic() + self.seconds if self.seconds else None
        self.produced = 0  # by filters and tags
        self.repeated = 0  # by loop bodies
        self.iterations = 0

    def check_time(self):
        if self.deadline is not None and time.monotonic() > self.deadline:
            raise too_long(self.seconds)

    def ensure(self, size):
        """Refuse now what would produce ``size`` more characters than the budget allows."""
        if self.produced + size > self.max_size:
            raise too_large(self.max_size)

    def produce(self, size):
        self.ensure(size)
        self.produced += size
        self.check_time()

    def repeat(self, size):
        self.repeated += size
        if self.repeated > self.max_size:
            raise too_large(self.max_size)

    def iterate(self):
        self.iterations += 1
        if self.iterations > self.max_iterations:
            raise TemplateLimitExceeded(
                TOO_MANY_ITERATIONS % {"limit": number_format(self.max_iterations, force_grouping=True)}
            )
        if not self.iterations % _CLOCK_EVERY:
            self.check_time()


_budget = contextvars.ContextVar("cursus_render_budget", default=None)


def _current_budget():
    # Outside render_template (a template rendered by other code), a fresh budget per call.
    return _budget.get() or RenderBudget()


# --- the sandbox's builtins: Django's, with a budget --------------------------------------
# Registered as the engine's last builtin library, so these win over Django's of the same name.

register = Library()


def _size(value):
    return len(value) if isinstance(value, (str, list, tuple, dict)) else 0


def _numbers(arg):
    """The integers written in a filter's argument (``"20000000"``, ``"-08.2f"``, ``3``)."""
    return [int(n) for n in re.findall(r"\d+", str(arg))]


def _width(value, arg):
    return max(_numbers(arg), default=0)


def _joined(value, arg):
    try:
        items = list(value)
    except TypeError:
        return 0
    return sum(len(str(item)) for item in items) + len(str(arg)) * max(len(items) - 1, 0)


def _characters(value, arg=None):
    return len(str(value))


#: Filters whose cost shows before they run: the size their result would have at most.
_FORESEEN = {
    "center": _width,
    "ljust": _width,
    "rjust": _width,
    "stringformat": _width,  # "%20000000s", "%.9999999f"
    "floatformat": _width,  # the number of decimal places
    "join": _joined,
    "make_list": _characters,
}


def _bounded(name, original):
    """``original`` charged to the budget: foreseen before it runs, its result after."""
    foresee = _FORESEEN.get(name)

    @functools.wraps(original)
    def bounded(value, *args, **kwargs):
        budget = _current_budget()
        if foresee is not None:
            budget.ensure(foresee(value, *args))
        result = original(value, *args, **kwargs)
        budget.produce(_size(result))
        return result

    flags = {flag: getattr(original, flag, False) for flag in ("is_safe", "needs_autoescape", "expects_localtime")}
    return register.filter(name, bounded, **flags)


for _name, _filter in defaultfilters.register.filters.items():
    _bounded(_name, _filter)


class BoundedLoremNode(LoremNode):
    def render(self, context):
        try:
            count = int(self.count.resolve(context))
        except (ValueError, TypeError):
            count = 1
        budget = _current_budget()
        budget.ensure(max(count, 0) * _LOREM_SIZES[self.method])
        text = super().render(context)
        budget.produce(len(text))
        return text


@register.tag("lorem")
def lorem(parser, token):
    node = defaulttags.lorem(parser, token)
    return BoundedLoremNode(node.count, node.method, node.common)


class _CountedSequence:
    """What a ``{% for %}`` loops over, each item taken from the budget's iterations."""

    def __init__(self, sequence):
        self.sequence = sequence

    def resolve(self, context, ignore_failures=False):
        values = self.sequence.resolve(context, ignore_failures=ignore_failures)
        if values is None:
            return None
        if not hasattr(values, "__len__"):
            values = list(values)
        return _Counted(values, _current_budget())

    def __str__(self):
        return str(self.sequence)


class _Counted:
    def __init__(self, values, budget):
        self.values, self.budget = values, budget

    def __len__(self):
        return len(self.values)

    def _count(self, items):
        for item in items:
            self.budget.iterate()
            yield item

    def __iter__(self):
        return self._count(self.values)

    def __reversed__(self):
        return self._count(reversed(self.values))


class _Repeated(Node):
    """One node of a loop body: what it outputs is charged to the budget's repeated characters.

    What a nested loop inside it already charged is not charged again.
    """

    child_nodelists = ("nodelist",)

    def __init__(self, node):
        self.nodelist = NodeList([node])
        self.token = getattr(node, "token", None)
        self.origin = getattr(node, "origin", None)

    def render(self, context):
        budget = _current_budget()
        before = budget.repeated
        output = self.nodelist[0].render_annotated(context)
        budget.repeat(max(len(output) - (budget.repeated - before), 0))
        return output


class BoundedForNode(ForNode):
    def __init__(self, loopvars, sequence, is_reversed, nodelist_loop, nodelist_empty=None):
        super().__init__(loopvars, _CountedSequence(sequence), is_reversed, nodelist_loop, nodelist_empty)
        self.nodelist_loop = NodeList(_Repeated(node) for node in nodelist_loop)


@register.tag("for")
def do_for(parser, token):
    node = defaulttags.do_for(parser, token)
    return BoundedForNode(node.loopvars, node.sequence, node.is_reversed, node.nodelist_loop, node.nodelist_empty)


_ENGINE = Engine(debug=True, autoescape=True, string_if_invalid="", libraries={}, loaders=[], builtins=[__name__])


def compile_template(source):
    """The compiled template, or ``TemplateError`` naming the problem and its line."""
    try:
        template = _ENGINE.from_string(source)
    except TemplateSyntaxError as exc:
        debug = getattr(exc, "template_debug", None) or {}
        message = str(exc.args[0] if exc.args else exc).strip()
        if "is not a registered tag library" in message:
            message = _("Tag libraries cannot be loaded ({% load %}) in document templates.")
        raise TemplateError(message, debug.get("line")) from exc
    for node_type, tag in _FORBIDDEN.items():
        for node in template.nodelist.get_nodes_by_type(node_type):
            token = getattr(node, "token", None)
            raise TemplateError(
                _("The {%% %(tag)s %%} tag is not allowed in document templates.") % {"tag": tag},
                getattr(token, "lineno", None),
            )
    return template


def render_template(source, context, *, autoescape=True, budget=None):
    """Render ``source`` with plain data; an error while rendering is a ``TemplateError`` too.

    HTML bodies are escaped; e-mail subjects and plain-text bodies are not (``autoescape=False``).
    The rendering spends ``budget`` (by default, a fresh one from the settings); past it, the
    error is a ``TemplateLimitExceeded`` naming the line that went over.
    """
    template = compile_template(source)
    budget = budget or RenderBudget()
    token = _budget.set(budget)
    try:
        output = template.render(Context(context, autoescape=autoescape))
    except TemplateLimitExceeded as exc:
        if exc.line is None:
            exc.line = (getattr(exc, "template_debug", None) or {}).get("line")
        raise TemplateLimitExceeded(exc.message, exc.line) from None
    except Exception as exc:  # a filter given odd data, a {% url %} that won't reverse …
        raise TemplateError(str(exc)) from exc
    finally:
        _budget.reset(token)
    if len(output) > budget.max_size:
        raise too_large(budget.max_size)
    return output


def check_limits(source, context):
    """Render ``source`` with sample data only to find a template that is too costly (``TemplateLimitExceeded``).

    Other rendering errors may depend on the real data and are left to the preview.
    """
    try:
        render_template(source, context)
    except TemplateLimitExceeded:
        raise
    except TemplateError:
        pass
