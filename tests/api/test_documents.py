"""Documents: issue (administrators), download (holder or administrators), verify (public)."""

import hashlib
import io

import pytest
from django.core import mail
from django.urls import reverse
from pypdf import PdfReader

from cursus_xblock.models import DocumentKind, DocumentTemplate, IssuedDocument
from cursus_xblock.services import documents

from ..factories import EventFactory
from .conftest import CALLERS, assert_error, state

pytestmark = pytest.mark.django_db


def issue_url(user, registration):
    return reverse("cursus_xblock:api-user-registration-documents", args=[user.get_username(), registration.pk])


def download_url(document):
    return reverse("cursus_xblock:api-document-download", args=[document.pk])


def verify_url(code):
    return reverse("cursus_xblock:api-document-verify", args=[code])


def pdf_text(content):
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


# --- who may --------------------------------------------------------------------------------------


@pytest.mark.parametrize("caller", CALLERS)
def test_issuing_is_for_training_managers_only(client_as, people, world, templates, caller, anonymous_status):
    before = state()
    response = client_as(caller).post(
        issue_url(people.learner, world.registration), {"kind": "session_invitation"}, format="json"
    )
    if caller == "manager":
        assert response.status_code == 201, response.content
        assert IssuedDocument.objects.filter(registration=world.registration).count() == 1
        return
    if caller == "anonymous":
        assert_error(response, anonymous_status, "not_authenticated")
    else:
        assert_error(response, 403, "permission_denied")
    assert state() == before


@pytest.mark.parametrize("caller", CALLERS)
def test_downloading_is_for_the_holder_and_training_managers(client_as, issued, caller, anonymous_status):
    response = client_as(caller).get(download_url(issued))
    if caller in ("learner", "manager"):
        assert response.status_code == 200
        assert b"".join(response.streaming_content) == issued.content
    elif caller == "anonymous":
        assert_error(response, anonymous_status, "not_authenticated")
    else:
        assert_error(response, 403, "permission_denied")


@pytest.mark.parametrize("caller", CALLERS)
def test_verifying_is_public(client_as, issued, caller):
    response = client_as(caller).get(verify_url(issued.verification_code))
    assert response.status_code == 200
    assert response.json()["code"] == issued.verification_code


# --- issue ------------------------------------------------------------------------------------------


def test_an_issued_invitation_is_recorded_stored_and_described(client_as, people, world, templates, media):
    response = client_as("manager").post(
        issue_url(people.learner, world.registration), {"kind": "session_invitation"}, format="json"
    )
    assert response.status_code == 201
    body = response.json()
    document = IssuedDocument.objects.get(pk=body["id"])
    content = documents.read_content(document)
    assert body["sha256"] == hashlib.sha256(content).hexdigest() == document.sha256
    assert (body["kind"], body["registration"], body["holder"]) == (
        "session_invitation",
        world.registration.pk,
        "Éloïse Lefèvre",
    )
    assert body["verification_url"].endswith(f"/cursus/verify/{document.verification_code}/")
    assert body["download_url"] == "http://testserver" + download_url(document)
    assert document.issued_by == people.manager
    assert "Éloïse Lefèvre" in pdf_text(content)
    assert mail.outbox == []


def test_an_event_invitation_can_be_e_mailed(client_as, people, world, templates):
    response = client_as("manager").post(
        issue_url(people.learner, world.registration),
        {"kind": "event_invitation", "event": world.event.pk, "send_email": True},
        format="json",
    )
    assert response.status_code == 201
    assert response.json()["event"] == world.event.pk
    (message,) = mail.outbox
    assert message.to == [people.learner.email]
    assert IssuedDocument.objects.get().emailed_at is not None


def test_a_chosen_template_is_used(client_as, people, world, templates):
    template = templates[DocumentKind.SESSION_INVITATION]
    body = (
        client_as("manager")
        .post(
            issue_url(people.learner, world.registration),
            {"kind": "session_invitation", "template": template.pk},
            format="json",
        )
        .json()
    )
    assert IssuedDocument.objects.get(pk=body["id"]).template_version.template == template


@pytest.mark.parametrize(
    "payload, status, code",
    [
        ({"kind": "diploma"}, 400, "invalid"),
        ({}, 400, "invalid"),
        ({"kind": "session_invitation", "event": 999999}, 400, "invalid"),
        ({"kind": "session_invitation", "template": 999999}, 400, "invalid"),
        ({"kind": "event_invitation"}, 400, "event_required"),
        ({"kind": "session_certificate"}, 409, "not_started"),
    ],
)
def test_refused_documents_are_not_recorded(client_as, people, world, templates, payload, status, code):
    before = state()
    response = client_as("manager").post(issue_url(people.learner, world.registration), payload, format="json")
    assert_error(response, status, code)
    assert state() == before


@pytest.mark.parametrize(
    "field, value, message",
    [
        ("event", 999999, "There is no event with this id."),
        ("template", 999999, "There is no template with this id."),
        ("event", "", "A valid integer is required."),
        ("template", 2**64, "Ensure this value is less than or equal to 9223372036854775807."),
    ],
)
def test_event_and_template_ids_are_refused_in_the_same_words_as_before_primary_key_related_field(
    client_as, people, world, templates, field, value, message
):
    payload = {"kind": "session_invitation", field: value}
    response = client_as("manager").post(issue_url(people.learner, world.registration), payload, format="json")
    assert assert_error(response, 400, "invalid")["fields"] == {field: [message]}


def test_a_null_event_or_template_means_none(client_as, people, world, templates):
    payload = {"kind": "session_invitation", "event": None, "template": None}
    response = client_as("manager").post(issue_url(people.learner, world.registration), payload, format="json")
    assert response.status_code == 201, response.content


def test_wrong_template_kind_and_foreign_event_are_refused(client_as, people, world, templates):
    before = state()
    certificate_template = templates[DocumentKind.SESSION_CERTIFICATE]
    url = issue_url(people.learner, world.registration)
    payload = {"kind": "session_invitation", "template": certificate_template.pk}
    assert_error(client_as("manager").post(url, payload, format="json"), 400, "wrong_kind")
    elsewhere = EventFactory()
    payload = {"kind": "event_invitation", "event": elsewhere.pk}
    assert_error(client_as("manager").post(url, payload, format="json"), 400, "event_elsewhere")
    assert state() == before


def test_no_template_is_a_conflict(client_as, people, world, media):
    DocumentTemplate.objects.filter(kind="session_invitation").delete()
    payload = {"kind": "session_invitation"}
    response = client_as("manager").post(issue_url(people.learner, world.registration), payload, format="json")
    assert_error(response, 409, "no_template")


def test_issuing_for_someone_elses_registration_is_404(client_as, people, world, templates):
    before = state()
    response = client_as("manager").post(
        issue_url(people.other, world.registration), {"kind": "session_invitation"}, format="json"
    )
    assert_error(response, 404, "not_found")
    assert state() == before


# --- download ---------------------------------------------------------------------------------------


def test_the_download_is_the_file_as_issued(client_as, issued):
    response = client_as("learner").get(download_url(issued), HTTP_ACCEPT="application/pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert issued.filename in response["Content-Disposition"]
    assert hashlib.sha256(b"".join(response.streaming_content)).hexdigest() == issued.sha256


def test_errors_of_the_download_are_json_even_when_a_pdf_is_asked(client_as, issued):
    response = client_as("other").get(download_url(issued), HTTP_ACCEPT="application/pdf")
    assert response["Content-Type"] == "application/json"
    assert_error(response, 403, "permission_denied")
    assert_error(
        client_as("learner").get(reverse("cursus_xblock:api-document-download", args=[999999])), 404, "not_found"
    )


def test_a_lost_file_is_a_404_that_says_so(client_as, issued):
    issued.file.delete(save=False)
    assert_error(client_as("learner").get(download_url(issued)), 404, "file_missing")


# --- verify -----------------------------------------------------------------------------------------


def test_verification_shows_what_the_page_shows(client, client_as, issued):
    body = client_as("anonymous").get(verify_url(issued.verification_code.lower())).json()
    assert body["holder"] == "Éloïse Lefèvre"
    assert (body["kind"], body["kind_label"]) == ("session_invitation", "Session invitation")
    assert body["details"]["session"] == "SST — Lyon [SST-2026-06]"
    assert body["details"]["time_zone"] == "Europe/Paris"
    assert body["dates"] == documents.snapshot_dates(issued.details)
    page = client.get(reverse("cursus_xblock:verify", args=[issued.verification_code])).content.decode()
    for shown in ("Éloïse Lefèvre", body["details"]["course"], body["dates"]):
        assert shown in page
    assert "email" not in body and issued.registration.user.email not in str(body)


@pytest.mark.parametrize("code", ["UNKNOWNCODE12345", "x" * 40, "A%00B"])
def test_unknown_codes_are_404(client_as, issued, code):
    assert_error(client_as("anonymous").get(verify_url("placeholder").replace("placeholder", code)), 404, "not_found")
