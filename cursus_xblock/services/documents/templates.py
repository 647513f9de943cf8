"""Document templates: every change saved as a numbered version, and the default per kind and language.

``template_save`` is the only writer: issued documents point to a version, so what was issued can
always be shown as it was, whatever the template became since.
"""

from django.conf import settings as django_settings
from django.db import transaction
from django.utils import translation

from ...documents.templating import TemplateError, compile_template
from ...models import DocumentTemplate, DocumentTemplateVersion

VERSIONED_FIELDS = ("kind", "language", "name", "email_subject", "email_body", "body", "css")


@transaction.atomic
def template_save(*, template, actor=None):
    """Save a template after compiling it; a changed one gets a new version. The current version."""
    for name in ("body", "email_subject", "email_body"):
        try:
            compile_template(getattr(template, name))
        except TemplateError as exc:
            exc.field = name
            raise
    latest = template.versions.order_by("-number").first() if template.pk else None
    changed = latest is None or any(getattr(latest, f) != getattr(template, f) for f in VERSIONED_FIELDS)
    if template.is_default:
        others = DocumentTemplate.objects.filter(kind=template.kind, language=template.language, is_default=True)
        if template.pk:
            others = others.exclude(pk=template.pk)
        others.update(is_default=False, default_key=None)
    if changed:
        template.version = (latest.number if latest else 0) + 1
    template.save()
    if not changed:
        return latest
    return DocumentTemplateVersion.objects.create(
        template=template,
        number=template.version,
        created_by=actor,
        **{name: getattr(template, name) for name in VERSIONED_FIELDS},
    )


def default_template(kind, language=None):
    """The default template of ``kind`` in ``language`` (or its base language, the site's, any)."""
    defaults = {t.language: t for t in DocumentTemplate.objects.filter(kind=kind, is_default=True)}
    language = language or translation.get_language() or django_settings.LANGUAGE_CODE
    for candidate in (language, language.split("-")[0], django_settings.LANGUAGE_CODE.split("-")[0]):
        if candidate in defaults:
            return defaults[candidate]
    return next(iter(defaults.values()), None)
