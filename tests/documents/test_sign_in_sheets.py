"""Issue 16 item 3: sign-in sheets (feuilles d'émargement) issued per séance, blank or filled.

Issued like a certificate (stored as issued, SHA-256, verification code) from the default French
and English templates; only the session's training managers and trainers issue or read them.
"""

import hashlib
import io
import zipfile

import pytest
from django.contrib.auth.models import Permission
from django.utils import formats, timezone, translation
from pypdf import PdfReader

from cursus_xblock.models import Attendance, IssuedDocument, Organization, OrganizationManager
from cursus_xblock.services import attendance, documents

from ..attendance import held_session
from ..factories import SessionFactory, UserFactory

pytestmark = pytest.mark.django_db

SHEET = "sign_in_sheet"


def pdf_text(content):
    """The PDF's text, whitespace folded into single spaces, and its number of pages."""
    pages = PdfReader(io.BytesIO(content)).pages
    return " ".join(" ".join(page.extract_text() for page in pages).split()), len(pages)


def _date(event, language):
    with translation.override(language):
        return formats.date_format(timezone.localtime(event.start, event.session.tzinfo), "DATE_FORMAT")


@pytest.fixture
def held(media):
    return held_session(learners=3)


@pytest.fixture
def manager():
    user = UserFactory(username="gestionnaire", is_staff=True, first_name="Gaëlle", last_name="Gestion")
    user.user_permissions.add(Permission.objects.get(codename="manage_registrations"))
    return user


def test_issue16_item3_a_blank_sheet_names_the_learners_and_the_seance_and_is_stored_as_issued(held, manager):
    sheet = documents.sign_in_sheet_issue(event=held.past, actor=manager, language="fr")

    stored = IssuedDocument.objects.get(pk=sheet.pk)
    content = documents.read_content(stored)
    assert stored.sha256 == hashlib.sha256(content).hexdigest()
    assert (stored.kind, stored.session, stored.event, stored.registration) == (SHEET, held.session, held.past, None)
    assert stored.details["options"] == {"filled": False}
    assert len(stored.verification_code) == 16
    assert documents.verify(stored.verification_code) == stored
    text, pages = pdf_text(content)
    assert pages == 1
    assert "Feuille d'émargement" in text
    assert "Accueil" in text and _date(held.past, "fr") in text
    for learner in held.learners:
        assert learner.last_name.upper() in text and learner.first_name in text
    trainer = held.trainer.get_full_name() or held.trainer.username
    assert f"Formateur : {trainer}" in text  # the countersignature line
    assert "Présence" not in text  # blank: no column of statuses
    assert "3 apprenants" in text
    assert stored.verification_code in text


def test_issue16_item3_a_filled_sheet_shows_each_status_and_when_it_was_recorded(held):
    first, second, third = held.learners
    marks = {first: Attendance.PRESENT, second: Attendance.ABSENT_JUSTIFIED}
    for learner, state in marks.items():
        attendance.attendance_mark(event_registration=held.cell(learner, held.past), state=state, actor=held.trainer)
    recorded = timezone.localtime(held.cell(first, held.past).attendance_at, held.session.tzinfo)

    sheet = documents.sign_in_sheet_issue(event=held.past, actor=held.trainer, filled=True, language="en")

    text, _pages = pdf_text(documents.read_content(sheet))
    assert "Sign-in sheet" in text and "Attendance" in text
    assert _date(held.past, "en") in text
    rows = {learner: text.split(learner.last_name.upper(), 1)[1][:120] for learner in held.learners}
    assert "Present" in rows[first] and "recorded" in rows[first]
    assert f", {recorded:%H:%M}" in rows[first]
    assert "Absent (justified)" in rows[second]
    assert "Unknown" in rows[third] and "recorded" not in rows[third]
    assert sheet.details["options"] == {"filled": True}
    assert sheet.issued_by == held.trainer


def test_issue16_item3_a_sessions_sheets_come_as_one_zip_each_file_as_issued(held, manager):
    sheets = documents.session_sign_in_sheets(session=held.session.pk, actor=manager, language="fr")
    out, name = documents.sign_in_sheets_zip(held.session, sheets)

    assert [s.event for s in sheets] == [held.past, held.later]
    with zipfile.ZipFile(out) as archive:
        names = archive.namelist()
        contents = [archive.read(n) for n in names]
    assert name.endswith("_sign_in_sheet.zip") and len(names) == 2
    assert [hashlib.sha256(c).hexdigest() for c in contents] == [s.sha256 for s in sheets]
    assert "Mise en pratique" in pdf_text(contents[1])[0]


def test_issue16_item3_only_managers_and_the_sessions_trainers_may_issue_or_read_sheets(held, manager):
    other_trainer = held_session(learners=0, organization="AILLEURS", trainer="autre.formatrice").trainer
    organization_manager = UserFactory(username="gestionnaire.rhone", is_staff=True)
    OrganizationManager.objects.create(user=organization_manager, organization=held.session.course.organization)
    elsewhere = UserFactory(username="gestionnaire.ailleurs", is_staff=True)
    OrganizationManager.objects.create(user=elsewhere, organization=Organization.objects.get(short_name="AILLEURS"))
    sheet = documents.sign_in_sheet_issue(event=held.past, actor=manager)

    refused = {"learner": held.learners[0], "anonymous": None, "other trainer": other_trainer, "elsewhere": elsewhere}
    for who, user in refused.items():
        with pytest.raises(documents.DocumentRefused) as issue:
            documents.sign_in_sheet_issue(event=held.past, actor=user)
        with pytest.raises(documents.DocumentRefused) as read:
            documents.sign_in_sheet_content(document=sheet.pk, actor=user)
        message = "Only the session's training managers and trainers may issue or download its sign-in sheets."
        assert (issue.value.message, read.value.message) == (message, message), who
    for user in (held.trainer, organization_manager):
        assert documents.sign_in_sheet_content(document=sheet.pk, actor=user) == documents.read_content(sheet)
    assert documents.sign_in_sheet_issue(event=held.later, actor=organization_manager).event == held.later
    assert IssuedDocument.objects.count() == 2


def test_issue16_item3_bad_ids_are_refused_with_a_clear_message(held, manager):
    with pytest.raises(documents.DocumentRefused) as no_event:
        documents.sign_in_sheet_issue(event="9999999", actor=manager)
    assert no_event.value.message == "There is no séance with the id “9999999”."
    with pytest.raises(documents.DocumentRefused) as no_session:
        documents.session_sign_in_sheets(session="abc", actor=manager)
    assert no_session.value.message == "There is no session with the id “abc”."
    with pytest.raises(documents.DocumentRefused) as no_sheet:
        documents.sign_in_sheet_content(document=424242, actor=manager)
    assert no_sheet.value.message == "There is no sign-in sheet with the id “424242”."
    with pytest.raises(documents.DocumentRefused) as personal:
        documents.issue(kind=SHEET, registration=held.cell(held.learners[0], held.past).registration)
    assert personal.value.message == "This kind of document is not issued for one person."
    assert not IssuedDocument.objects.exists()


def test_issue16_item3_a_session_without_seances_has_no_sheets(manager, media):
    session = SessionFactory()
    with pytest.raises(documents.DocumentRefused) as empty:
        documents.session_sign_in_sheets(session=session, actor=manager)
    assert empty.value.message == "This session has no séance yet: there is no sign-in sheet to make."
    assert not IssuedDocument.objects.exists()
