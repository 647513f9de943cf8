"""Issue 16 item 3: a séance over a whole day gets a signature column per half-day on its sign-in sheet."""

import base64
import datetime

import pytest
from django.utils import timezone

from cursus_xblock.documents.sheets import SignInSheetGenerator
from cursus_xblock.models import Event, EventRegistration, Signature, SignatureRole
from cursus_xblock.services import documents

from ..attendance import held_session
from ..checkin import signature_png
from .test_sign_in_sheets import pdf_text as _pdf_text

pytestmark = pytest.mark.django_db


def pdf_text(content):
    """As the other sheet tests read it, a word broken at its hyphen (« après- midi ») mended."""
    text, pages = _pdf_text(content)
    return text.replace("- ", "-"), pages


def _move(event, tz, day, begin, end):
    """Put the séance on ``day`` from ``begin`` to ``end`` (hours, local time of the session)."""
    start = datetime.datetime.combine(day, datetime.time(begin), tzinfo=tz)
    Event.objects.filter(pk=event.pk).update(start=start, end=start.replace(hour=end))
    event.refresh_from_db()


@pytest.fixture
def full_day(media):
    held = held_session(learners=2)
    tz = held.session.tzinfo
    yesterday = timezone.localtime(held.past.start, tz).date()
    _move(held.past, tz, yesterday, 9, 17)
    return held, tz, yesterday


def test_issue16_item3_a_full_day_seance_has_morning_and_afternoon_signature_columns(full_day):
    held, _tz, _day = full_day
    text, _pages = pdf_text(
        documents.read_content(documents.sign_in_sheet_issue(event=held.past, actor=held.trainer, language="fr"))
    )
    assert "Signature — matin" in text and "Signature — après-midi" in text
    english, _pages = pdf_text(
        documents.read_content(documents.sign_in_sheet_issue(event=held.past, actor=held.trainer, language="en"))
    )
    assert "Signature — morning" in english and "Signature — afternoon" in english


def test_issue16_item3_a_half_day_seance_keeps_one_signature_column(full_day):
    held, tz, day = full_day
    _move(held.past, tz, day, 9, 12)
    text, _pages = pdf_text(
        documents.read_content(documents.sign_in_sheet_issue(event=held.past, actor=held.trainer, language="fr"))
    )
    assert "Signature" in text and "matin" not in text and "après-midi" not in text


def test_issue16_item3_a_signature_goes_to_the_half_day_it_was_made_in(full_day):
    held, tz, day = full_day
    morning_learner, afternoon_learner = held.learners
    for learner, hour in ((morning_learner, 9), (afternoon_learner, 14)):
        Signature.objects.create(
            event=held.past,
            user=learner,
            role=SignatureRole.LEARNER,
            event_registration=EventRegistration.objects.get(event=held.past, registration__user=learner),
            image=base64.b64decode(signature_png().split(",", 1)[1]),
            signed_at=datetime.datetime.combine(day, datetime.time(hour, 30), tzinfo=tz),
        )
    template = documents.default_template("sign_in_sheet", "en")
    context = SignInSheetGenerator().context(
        session=held.session, event=held.past, template_version=template.current_version, options={"filled": True}
    )
    halves = {row["full_name"]: row["signature"]["half"] for row in context["participants"]}
    assert context["sheet"]["half_days"] is True
    assert halves == {morning_learner.get_full_name(): "morning", afternoon_learner.get_full_name(): "afternoon"}
    sheet = documents.sign_in_sheet_issue(event=held.past, actor=held.trainer, filled=True, language="en")
    text, _pages = pdf_text(documents.read_content(sheet))
    assert "signed at 09:30" in text and "signed at 14:30" in text
