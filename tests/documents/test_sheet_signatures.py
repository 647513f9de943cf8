"""Issue 16 item 2: the filled sign-in sheet carries what check-in stored (signatures, times, countersignature)."""

import io

import pytest
from django.utils import timezone
from pypdf import PdfReader

from cursus_xblock.services import checkin, documents

from ..checkin import live_session, signature_png
from .test_sign_in_sheets import pdf_text

pytestmark = pytest.mark.django_db


def images(content):
    return sum(len(page.images) for page in PdfReader(io.BytesIO(content)).pages)


def test_issue16_item2_the_filled_sheet_shows_the_signature_images_typed_names_and_countersignature(media):
    held = live_session(learners=3)
    window = checkin.open_checkin(event=held.past, actor=held.trainer)
    code = checkin.checkin_code(window)[0]
    before = documents.read_content(documents.sign_in_sheet_issue(event=held.past, actor=held.trainer, filled=True))
    drawn, typed, absent = held.learners
    signed = checkin.check_in(event=held.past, user=drawn, code=code, image=signature_png())
    checkin.check_in(event=held.past, user=typed, code=code, typed_name="Élève Un Clavier")
    checkin.validate_checkins(event=held.past, actor=held.trainer)
    checkin.countersign(event=held.past, actor=held.trainer, image=signature_png(width=400))

    sheet = documents.sign_in_sheet_issue(event=held.past, actor=held.trainer, filled=True, language="fr")

    content = documents.read_content(sheet)
    assert images(content) == images(before) + 2  # the learner's drawing and the trainer's
    text, _pages = pdf_text(content)
    signed_at = timezone.localtime(signed.signed_at, held.session.tzinfo)
    rows = {learner: text.split(learner.last_name.upper(), 1)[1][:160] for learner in held.learners}
    assert f"signé à {signed_at:%H:%M}" in rows[drawn] and "Présent" in rows[drawn]
    assert "Élève Un Clavier (saisie au clavier)" in rows[typed]
    assert "signé à" not in rows[absent].split("Formateur :")[0]
    assert "signé à" in text.split("Formateur :", 1)[1]


def test_issue16_item2_a_blank_sheet_shows_no_signature(media):
    held = live_session(learners=1)
    window = checkin.open_checkin(event=held.past, actor=held.trainer)
    checkin.check_in(
        event=held.past, user=held.learners[0], code=checkin.checkin_code(window)[0], image=signature_png()
    )
    filled = documents.read_content(documents.sign_in_sheet_issue(event=held.past, actor=held.trainer, filled=True))
    blank = documents.read_content(documents.sign_in_sheet_issue(event=held.past, actor=held.trainer))
    assert images(filled) == images(blank) + 1
    assert "signé à" not in pdf_text(blank)[0] and "signed at" not in pdf_text(blank)[0]
