"""Administrators' templates: Django's template language, compiled in a sandbox.

A template sees only the plain placeholders (``documents.placeholders``), never model instances,
so ``{{ person.password }}`` is simply empty. The engine has no loaders and no tag libraries to
load, and tags that reach outside the document (``debug``, ``include``, ``extends``) are refused
when the template is saved.
"""

from django.template import Context, Engine, TemplateSyntaxError
from django.template.defaulttags import DebugNode
from django.template.loader_tags import ExtendsNode, IncludeNode
from django.utils.translation import gettext_lazy as _

_ENGINE = Engine(debug=True, autoescape=True, string_if_invalid="", libraries={}, loaders=[])
_FORBIDDEN = {DebugNode: "debug", IncludeNode: "include", ExtendsNode: "extends"}


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


def render_template(source, context, *, autoescape=True):
    """Render ``source`` with plain data; an error while rendering is a ``TemplateError`` too.

    HTML bodies are escaped; e-mail subjects and plain-text bodies are not (``autoescape=False``).
    """
    template = compile_template(source)
    try:
        return template.render(Context(context, autoescape=autoescape))
    except Exception as exc:  # a filter given odd data, a {% url %} that won't reverse …
        raise TemplateError(str(exc)) from exc
