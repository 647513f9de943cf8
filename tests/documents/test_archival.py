"""Issue 16, item 6: issued documents are archival PDF/A-3b, tagged for accessibility, and pass qpdf.

An attendance certificate is kept for years and shown to auditors: PDF/A declares itself in its
XMP metadata, carries an sRGB output intent and embeds its fonts; the tags give screen readers a
structure. ``CURSUS_PDF_VARIANT`` picks the variant ("" for a plain PDF).
"""

import io

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.test import override_settings
from pypdf import PdfReader

from cursus_xblock.models import DocumentKind, Role
from cursus_xblock.services import documents
from cursus_xblock.services import registration as registration_service

from ..archival import QPDF, qpdf_problems
from ..conftest import IN_CI
from ..factories import SessionFactory, UserFactory

pytestmark = pytest.mark.django_db


def _invitation(templates):
    session = SessionFactory(name="Premiers secours")
    learner = UserFactory(first_name="Éloïse", last_name="Lefèvre")
    (outcome,) = registration_service.register(user=learner, sessions=[session], role=Role.LEARNER)
    issued = documents.issue(kind=DocumentKind.SESSION_INVITATION, registration=outcome.registration)
    with issued.file.open("rb") as handle:
        return handle.read()


def _fonts(reader):
    """(name, embedded) of every font the pages use."""
    fonts = []
    for page in reader.pages:
        for font in (page["/Resources"].get("/Font") or {}).values():
            font = font.get_object()
            descriptor = font.get("/FontDescriptor")
            if descriptor is None and "/DescendantFonts" in font:
                descriptor = font["/DescendantFonts"][0].get_object().get("/FontDescriptor")
            descriptor = descriptor.get_object()
            embedded = any(key in descriptor for key in ("/FontFile", "/FontFile2", "/FontFile3"))
            fonts.append((str(font.get("/BaseFont")), embedded))
    return fonts


def test_item6_an_issued_document_is_pdf_a_3b_and_tagged(templates):
    reader = PdfReader(io.BytesIO(_invitation(templates)))
    root = reader.trailer["/Root"]
    metadata = root["/Metadata"].get_object().get_data().decode()
    assert 'pdfaid:part="3"' in metadata and 'pdfaid:conformance="B"' in metadata
    (intent,) = root["/OutputIntents"]
    assert intent.get_object()["/S"] == "/GTS_PDFA1"  # the sRGB profile PDF/A asks for
    assert bool(root["/MarkInfo"]["/Marked"]) and "/StructTreeRoot" in root  # tagged
    fonts = _fonts(reader)
    assert fonts and all(embedded for _, embedded in fonts), fonts
    assert "Éloïse Lefèvre" in reader.pages[0].extract_text()
    assert root["/Lang"] == "fr"  # the template's language, though its body is a fragment


def test_item6_qpdf_finds_nothing_wrong(templates):
    if QPDF is None:
        if IN_CI:
            pytest.fail("CI=true, so this cannot be skipped: qpdf is missing (scripts/system-deps.sh installs it)")
        pytest.skip("needs Debian's qpdf (scripts/system-deps.sh installs it)")
    assert qpdf_problems(_invitation(templates)) == ""
    assert qpdf_problems(b"%PDF-1.7\nnot a PDF") != ""  # the check can fail


@override_settings(CURSUS_PDF_VARIANT="")
def test_item6_a_plain_pdf_when_the_site_asks_for_one(templates):
    root = PdfReader(io.BytesIO(_invitation(templates))).trailer["/Root"]
    assert "/OutputIntents" not in root
    assert "/StructTreeRoot" in root  # still tagged


@override_settings(CURSUS_PDF_VARIANT="pdf/x-1a")
def test_item6_an_unknown_variant_is_a_system_check_error():
    with pytest.raises(SystemCheckError, match="cursus_xblock.E005"):
        call_command("check")
