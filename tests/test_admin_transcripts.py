"""Training transcripts on the per-user registrations page (issue 18 item 4) and the sign-in sheet
buttons on a session's change page (issue 16 item 3), browser-free."""

import io
import zipfile

import pypdf
import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse

from cursus_xblock.models import Attendance, EventRegistration, IssuedDocument, Organization, OrganizationManager

from .attendance import held_session
from .factories import UserFactory

pytestmark = pytest.mark.django_db


def _manager_of(short_name, username):
    user = UserFactory(username=username, is_staff=True)
    OrganizationManager.objects.create(user=user, organization=Organization.objects.get(short_name=short_name))
    client = Client()
    client.force_login(user)
    return client


def _text(content):
    return " ".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(content)).pages)


@pytest.fixture
def two(settings, tmp_path):
    """One learner in a Rhône session (present at yesterday's séance) and in a session elsewhere."""
    settings.MEDIA_ROOT = tmp_path / "media"
    rhone = held_session(learners=1)
    learner = rhone.learners[0]
    EventRegistration.objects.filter(registration__user=learner, event=rhone.past).update(attendance=Attendance.PRESENT)
    elsewhere = held_session(learners=0, organization="AILLEURS", trainer="autre.formatrice")
    from cursus_xblock.services import registration as service

    service.register(user=learner, sessions=[elsewhere.session], role="learner")
    return rhone, elsewhere, learner


def test_issue18_item4_the_registrations_page_has_a_transcript_button_that_downloads_the_pdf(two):
    rhone, elsewhere, learner = two
    client = _manager_of("RHONE", "gestionnaire.rhone")
    page = client.get(reverse("admin:cursus_user_registrations", args=[learner.pk])).content.decode()
    url = reverse("admin:cursus_user_transcript", args=[learner.pk])
    assert f'action="{url}"' in page and "Training transcript (PDF)" in page

    response = client.post(url)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = _text(b"".join(response.streaming_content))
    assert rhone.session.name in text and elsewhere.session.name not in text
    assert IssuedDocument.objects.get(kind="training_transcript").session == rhone.session


def test_issue18_item4_a_get_on_the_transcript_issues_nothing(two, admin_client):
    _rhone, _elsewhere, learner = two
    response = admin_client.get(reverse("admin:cursus_user_transcript", args=[learner.pk]))
    assert response.status_code == 405
    assert not IssuedDocument.objects.exists()


def test_issue18_item4_anonymous_and_a_trainer_get_no_transcript(two):
    rhone, _elsewhere, learner = two
    url = reverse("admin:cursus_user_transcript", args=[learner.pk])
    assert Client().post(url).status_code == 302  # to the login page
    rhone.trainer.is_staff = True
    rhone.trainer.save()
    trainer = Client()
    trainer.force_login(rhone.trainer)
    response = trainer.post(url)
    assert response.status_code == 403  # not a training manager: no admin page of people at all
    assert not IssuedDocument.objects.exists()


def test_issue18_item4_an_unknown_person_is_not_found(admin_client):
    response = admin_client.post(reverse("admin:cursus_user_transcript", args=[987654]))
    assert response.status_code == 404
    assert not IssuedDocument.objects.exists()


def test_issue18_item4_a_person_with_nothing_managed_gets_a_message(two):
    stranger = UserFactory(first_name="Jean", last_name="Personne")
    client = _manager_of("RHONE", "gestionnaire.rhone")
    response = client.post(reverse("admin:cursus_user_transcript", args=[stranger.pk]))
    assert response.status_code == 302
    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        "Jean Personne has no registration in the sessions you manage: there is no transcript to make."
    ]
    assert not IssuedDocument.objects.exists()


def test_issue16_item3_the_session_page_has_sheet_buttons_that_answer_the_zip(two):
    rhone, _elsewhere, _learner = two
    client = _manager_of("RHONE", "gestionnaire.rhone")
    page = client.get(reverse("admin:cursus_xblock_session_change", args=[rhone.session.pk])).content.decode()
    blank = reverse("admin:cursus_xblock_session_sheets", args=[rhone.session.pk, "blank"])
    filled = reverse("admin:cursus_xblock_session_sheets", args=[rhone.session.pk, "filled"])
    assert f'action="{blank}"' in page and f'action="{filled}"' in page

    response = client.post(filled)
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    with zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content))) as archive:
        assert len(archive.namelist()) == 2  # one sheet per séance
    assert IssuedDocument.objects.filter(kind="sign_in_sheet").count() == 2


def test_issue16_item3_the_sheet_button_refuses_get_other_organizations_and_unknown_kinds(two):
    rhone, _elsewhere, _learner = two
    blank = reverse("admin:cursus_xblock_session_sheets", args=[rhone.session.pk, "blank"])
    own = _manager_of("RHONE", "gestionnaire.rhone")
    assert own.get(blank).status_code == 405
    assert own.post(reverse("admin:cursus_xblock_session_sheets", args=[rhone.session.pk, "other"])).status_code == 404
    other = _manager_of("AILLEURS", "gestionnaire.ailleurs")
    assert other.post(blank).status_code == 404
    page = other.get(reverse("admin:cursus_xblock_session_change", args=[rhone.session.pk]))
    assert blank not in page.content.decode()
    assert not IssuedDocument.objects.exists()


def test_issue16_item3_a_session_without_seances_comes_back_with_the_message(two, admin_client):
    from .factories import SessionFactory

    rhone, _elsewhere, _learner = two
    empty = SessionFactory(course=rhone.session.course)
    response = admin_client.post(reverse("admin:cursus_xblock_session_sheets", args=[empty.pk, "blank"]))
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:cursus_xblock_session_change", args=[empty.pk])
    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        "The sign-in sheets could not be made: This session has no séance yet: there is no sign-in sheet to make."
    ]
