"""The default templates installed by migration 0003: complete, compilable, and rendering real PDFs."""

import hashlib
import io
import logging
import string

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from pypdf import PdfReader

from cursus_xblock.documents import defaults
from cursus_xblock.documents.placeholders import sample_context
from cursus_xblock.documents.render import qr_code_data_uri, render_pdf
from cursus_xblock.documents.templating import compile_template, render_template
from cursus_xblock.models import DocumentKind, DocumentTemplate, DocumentTemplateVersion

pytestmark = pytest.mark.django_db

LANGUAGES = ("fr", "en")
PAIRS = [(kind, language) for kind in DocumentKind.values for language in LANGUAGES]
#: Every default installed: the four person kinds (assembled from the shared frame), the sign-in sheets
#: and the training transcripts.
ALL_PAIRS = PAIRS + [(kind, language) for kind in ("sign_in_sheet", "training_transcript") for language in LANGUAGES]
VERSIONED_FIELDS = ("kind", "language", "name", "email_subject", "email_body", "body", "css")
CERTIFICATES = (DocumentKind.SESSION_CERTIFICATE, DocumentKind.EVENT_CERTIFICATE)


def default(kind, language):
    return DocumentTemplate.objects.get(kind=kind, language=language, is_default=True)


def pdf_text(content):
    """The PDF's text, whitespace (line breaks, no-break spaces) folded into single spaces."""
    pages = PdfReader(io.BytesIO(content)).pages
    return " ".join(" ".join(page.extract_text() for page in pages).split()), len(pages)


def test_one_default_per_kind_and_language_after_migrations():
    installed = DocumentTemplate.objects.filter(is_default=True)
    assert sorted((t.kind, t.language) for t in installed) == sorted(ALL_PAIRS)
    assert {t.default_key for t in installed} == {f"{kind}:{language}" for kind, language in ALL_PAIRS}
    assert len(defaults.DEFAULTS) == len(ALL_PAIRS)


@pytest.mark.parametrize(("kind", "language"), PAIRS)
def test_default_has_version_1_equal_to_the_template_and_the_files(kind, language):
    template = default(kind, language)
    assert template.version == 1
    (version,) = template.versions.all()
    assert version.number == 1
    assert template.current_version == version
    for name in VERSIONED_FIELDS:
        assert getattr(version, name) == getattr(template, name), name
    spec = next(s for s in defaults.DEFAULTS if (s["kind"], s["language"]) == (kind, language))
    assert {name: getattr(template, name) for name in VERSIONED_FIELDS} == defaults.template_fields(spec)
    assert template.css == defaults.read(defaults.CSS_FILE)
    for name in ("body", "email_subject", "email_body"):
        compile_template(getattr(template, name))


@pytest.mark.parametrize(("kind", "language"), PAIRS)
def test_default_renders_a_pdf_with_the_sample_values(kind, language):
    template = default(kind, language)
    context = sample_context(kind, language)
    text, pages = pdf_text(render_pdf(render_template(template.body, context), css=template.css))

    assert pages <= 2
    assert "Éloïse Lefèvre" in text
    assert context["session"]["name"] in text
    assert context["course"]["title"] in text
    assert context["verification"]["code"] in text
    if language == "fr":
        assert "12 décembre 2026" in text
        assert ("Attestation de présence" if kind in CERTIFICATES else "Convocation") in text
    else:
        assert ("Certificate of attendance" if kind in CERTIFICATES else "Invitation") in text
    if kind in CERTIFICATES:
        hours = context["attendance"]["hours_attended"]
        assert f"{hours} heures" in text if language == "fr" else f"{hours} hours" in text
    if kind in (DocumentKind.EVENT_INVITATION, DocumentKind.EVENT_CERTIFICATE):
        assert context["event"]["name"] in text


@pytest.mark.parametrize("kind", DocumentKind.values)
def test_default_renders_with_a_logo_and_a_qr_code(kind, caplog):
    template = default(kind, "fr")
    context = sample_context(kind, "fr")
    context["logo"] = "cursus_xblock/img/logo.svg"
    context["verification"]["qr_code"] = qr_code_data_uri(context["verification"]["url"])
    html = render_template(template.body, context)
    assert '<img src="cursus_xblock/img/logo.svg"' in html
    assert '<img src="data:image/svg+xml' in html

    with caplog.at_level(logging.WARNING, logger="cursus_xblock.documents"):
        text, pages = pdf_text(render_pdf(html, css=template.css))
    assert pages <= 2
    assert "Éloïse Lefèvre" in text
    assert not [r for r in caplog.records if r.name.startswith("cursus_xblock.documents")]


@pytest.mark.parametrize(("kind", "language"), PAIRS)
def test_default_email_is_plain_text_in_its_language(kind, language):
    template = default(kind, language)
    context = sample_context(kind, language)
    context["course"]["title"] = "Gestes d'urgence & sécurité"
    subject = render_template(template.email_subject, context)
    body = render_template(template.email_body, context)

    assert "\n" not in subject and subject == subject.strip()
    assert context["session"]["name"] in subject or context["event"]["name"] in subject
    assert "Éloïse Lefèvre" in body
    assert "Gestes d'urgence & sécurité" in body  # not HTML-escaped
    assert "&#" not in body + subject and "&amp;" not in body + subject
    assert "<" not in body
    assert ("Bonjour" if language == "fr" else "Dear") in body
    if language == "fr":
        assert "décembre 2026" in body


def test_installing_again_creates_nothing():
    count, versions = DocumentTemplate.objects.count(), DocumentTemplateVersion.objects.count()
    assert defaults.install_default_templates(DocumentTemplate, DocumentTemplateVersion) == []
    assert (DocumentTemplate.objects.count(), DocumentTemplateVersion.objects.count()) == (count, versions)


def test_installing_with_historical_models_fills_only_what_is_missing():
    default(DocumentKind.SESSION_CERTIFICATE, "fr").delete()
    # Another (non-default) template of a kind and language does not count as its default.
    DocumentTemplate.objects.filter(kind=DocumentKind.EVENT_INVITATION, language="en").update(
        is_default=False, default_key=None
    )
    apps = MigrationExecutor(connection).loader.project_state(("cursus_xblock", "0003_default_templates")).apps

    created = defaults.install_default_templates(
        apps.get_model("cursus_xblock", "DocumentTemplate"), apps.get_model("cursus_xblock", "DocumentTemplateVersion")
    )

    assert sorted((t.kind, t.language) for t in created) == [
        (DocumentKind.EVENT_INVITATION, "en"),
        (DocumentKind.SESSION_CERTIFICATE, "fr"),
    ]
    for kind, language in ((DocumentKind.SESSION_CERTIFICATE, "fr"), (DocumentKind.EVENT_INVITATION, "en")):
        template = default(kind, language)
        assert template.default_key == f"{kind}:{language}"
        assert template.current_version.body == template.body
    assert DocumentTemplate.objects.filter(is_default=True).count() == len(ALL_PAIRS)


#: SHA-256 of each PDF body as it was installed when every body was a whole file (the files
#: ``cursus_xblock/documents/defaults/<kind>.<language>.html`` at commit a2c9618 — issue 15's French
#: wording, the last version written as whole files — before they were assembled from ``base.html``):
#: `git show a2c9618:cursus_xblock/documents/defaults/<file> | sha256sum`.
BODIES_AS_WHOLE_FILES = {
    ("session_invitation", "fr"): "77c691d88709b334950d3d4bc3f45d50c91f62f857461c75410ec22bafe818e7",
    ("session_invitation", "en"): "7a3763ae1cfe92caa7dd43726a391b7b1c71e4a6296090f8fc0b0a7357a3bcc2",
    ("event_invitation", "fr"): "50cc0dffc5375679faf1e1fc390647ae1c37e84c7378ca0c4275010089560977",
    ("event_invitation", "en"): "8785d20fc0e38d212c9af1886eaf51a608d849a5bd1c057454debe0a1e46cdd9",
    ("session_certificate", "fr"): "ac7a816a53ff7bcec6fcde0de8e55f4763896ee22abe269a7c2576c37a3926d5",
    ("session_certificate", "en"): "f2a4e7085f6602b4fb6b1dbfb50aadf629b047e4fe3decac8ffcde4c916cb093",
    ("event_certificate", "fr"): "0dd5f271096ec2f3bd6cdbc0a9c9267641f43f4e4cc19fcc02a5f963dd2fde1e",
    ("event_certificate", "en"): "57cf7abe208b573ea19d8d341e0b31f52f95c33f089e3c829385fbd88c7daa57",
}


@pytest.mark.parametrize(("kind", "language"), PAIRS)
def test_default_bodies_built_from_one_base_are_byte_identical_to_the_former_files(kind, language):
    """Assembling the bodies from one frame changed no byte of what is installed (so no PDF)."""
    spec = next(s for s in defaults.DEFAULTS if (s["kind"], s["language"]) == (kind, language))
    built = defaults.template_fields(spec)["body"]
    installed = default(kind, language).body

    assert hashlib.sha256(built.encode("utf-8")).hexdigest() == BODIES_AS_WHOLE_FILES[(kind, language)]
    assert installed == built


def test_default_bodies_fill_every_slot_and_use_every_part_and_word():
    """No slot of the frame left as ``${…}``, no part or word of the files that nothing uses."""
    slots = set(string.Template(defaults.read(defaults.BASE_FILE)).get_identifiers())
    used = set()
    for spec in defaults.DEFAULTS:
        if "body_file" in spec:  # a whole file of its own (the sign-in sheets), no frame
            continue
        body = defaults.template_fields(spec)["body"]
        assert "${" not in body and "[[" not in body
        assert set(defaults.parts(spec["body_parts"])) <= slots
        family = spec["kind"].rsplit("_", 1)[1]
        words = defaults.parts(defaults.FRAME_FILE.format(language=spec["language"]))
        used |= {(spec["language"], name) for name in words if name.rpartition(".")[0] in ("", family)}
    every_word = {
        (language, name)
        for language in LANGUAGES
        for name in defaults.parts(defaults.FRAME_FILE.format(language=language))
    }
    assert used == every_word
