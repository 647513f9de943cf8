"""The documents admin: templates compile before they are saved and every save is a version, the
preview changes nothing, issued documents come back byte for byte, sessions give ZIPs."""

import datetime
import io
import re
import zipfile
from html.parser import HTMLParser

import pytest
from django.contrib.auth.models import Permission
from django.contrib.messages import get_messages
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cursus_xblock.models import (
    DocumentKind,
    DocumentTemplate,
    DocumentTemplateVersion,
    IssuedDocument,
    Registration,
    RegistrationStatus,
    Role,
)
from cursus_xblock.services import documents as documents_service
from cursus_xblock.services import registration as registration_service

from .factories import SessionFactory, UserFactory

pytestmark = pytest.mark.django_db

BODY = (
    "<html><body>\n"
    "<h1>{{ person.full_name }}</h1>\n"
    "<p>{{ session.name }}, {{ session.start.datetime }}</p>\n"
    "</body></html>"
)


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def _messages(response):
    return [str(m) for m in get_messages(response.wsgi_request)]


def _staff(*permissions):
    user = UserFactory(is_staff=True)
    for codename in permissions:
        user.user_permissions.add(Permission.objects.get(codename=codename, content_type__app_label="cursus_xblock"))
    client = Client()
    client.force_login(user)
    return user, client


def _template(kind=DocumentKind.SESSION_INVITATION, language="en", body=BODY, actor=None):
    template = DocumentTemplate(kind=kind, language=language, name=f"Test {kind}", body=body, is_default=True)
    documents_service.template_save(template=template, actor=actor)
    return template


def _learner(session, **names):
    user = UserFactory(**names)
    (outcome,) = registration_service.register(user=user, sessions=[session], role=Role.LEARNER)
    assert outcome.registration.status == RegistrationStatus.CONFIRMED
    return outcome.registration


class _FormFields(HTMLParser):
    """What a browser would post from the page's main form: its inputs, textareas and selects."""

    def __init__(self):
        super().__init__()
        self.data, self._textarea, self._select = {}, None, None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        name = attrs.get("name")
        if tag == "input" and name and attrs.get("type") not in ("submit", "checkbox"):
            self.data[name] = attrs.get("value") or ""
        elif tag == "input" and name and "checked" in attrs:
            self.data[name] = "on"
        elif tag == "textarea" and name:
            self._textarea, self.data[name] = name, ""
        elif tag == "select" and name:
            self._select, self.data[name] = name, ""
        elif tag == "option" and self._select and "selected" in attrs:
            self.data[self._select] = attrs.get("value") or ""

    def handle_endtag(self, tag):
        if tag == "textarea":
            self._textarea = None
        elif tag == "select":
            self._select = None

    def handle_data(self, data):
        if self._textarea:
            self.data[self._textarea] += data


def _change_form_data(client, template, **changes):
    page = client.get(reverse("admin:cursus_xblock_documenttemplate_change", args=[template.pk]))
    parser = _FormFields()
    parser.feed(page.content.decode())
    data = {k: v.removeprefix("\n") for k, v in parser.data.items() if k != "csrfmiddlewaretoken"}
    data.update(changes)
    return data


# --- templates ----------------------------------------------------------------------------


def test_change_form_lists_the_placeholders_of_the_kind_beside_the_editor(admin_client):
    template = _template()

    page = admin_client.get(reverse("admin:cursus_xblock_documenttemplate_change", args=[template.pk]))
    html = page.content.decode()

    assert page.status_code == 200
    assert "{{ person.full_name }}" in html and "Full name" in html
    rows = {row["code"]: row["applies"] for row in page.context["placeholders"]}
    assert rows["{{ session.name }}"] and not rows["{{ event.name }}"]  # an event placeholder, hidden here
    assert 'data-kinds="event_invitation event_certificate" hidden' in html
    preview = reverse("admin:cursus_xblock_documenttemplate_preview", args=[template.pk])
    assert f'href="{preview}"' in html and "Preview as PDF" in html
    assert re.search(r'<td class="field-number">\s*<p>1</p>', html)  # the versions, read-only


def test_add_form_lists_every_placeholder_and_says_which_kinds_use_it(admin_client):
    page = admin_client.get(reverse("admin:cursus_xblock_documenttemplate_add"))
    html = page.content.decode()

    assert page.status_code == 200
    assert all(row["applies"] for row in page.context["placeholders"])
    assert "{{ event.name }}" in html and "Only in: Event invitation, Event certificate of attendance" in html
    assert "Preview as PDF" not in html  # nothing saved to preview yet


def test_a_template_that_does_not_compile_is_refused_with_its_line_and_makes_no_version(admin_client, admin_user):
    template = _template(actor=admin_user)
    data = _change_form_data(admin_client, template, body="<p>\n<p>\n{% if %}\n</p>")

    response = admin_client.post(reverse("admin:cursus_xblock_documenttemplate_change", args=[template.pk]), data)

    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert list(errors) == ["body"]
    assert "Line 3" in errors["body"][0]
    assert template.versions.count() == 1
    template.refresh_from_db()
    assert (template.body, template.version) == (BODY, 1)


def test_a_broken_email_subject_is_reported_on_its_own_field(admin_client):
    template = _template()
    data = _change_form_data(admin_client, template, email_subject="Hello {{ person.first_name|nosuchfilter }}")

    response = admin_client.post(reverse("admin:cursus_xblock_documenttemplate_change", args=[template.pk]), data)

    assert list(response.context["adminform"].form.errors) == ["email_subject"]
    assert template.versions.count() == 1


def test_a_good_edit_is_saved_through_the_service_as_version_2_and_version_1_stays(admin_client, admin_user):
    template = _template()
    first = template.current_version
    new_body = BODY.replace("<h1>", "<h1 class='holder'>")
    data = _change_form_data(admin_client, template, body=new_body, name="Invitation 2027")

    response = admin_client.post(reverse("admin:cursus_xblock_documenttemplate_change", args=[template.pk]), data)

    assert response.status_code == 302, response.context["adminform"].form.errors
    assert "The template is now at version 2." in _messages(response)
    template.refresh_from_db()
    assert (template.version, template.name, template.body) == (2, "Invitation 2027", new_body)
    second = template.current_version
    assert (second.number, second.body, second.created_by) == (2, new_body, admin_user)
    first_again = DocumentTemplateVersion.objects.get(pk=first.pk)
    assert (first_again.number, first_again.name, first_again.body) == (1, first.name, BODY)


def test_saving_without_a_change_makes_no_version(admin_client):
    template = _template()

    response = admin_client.post(
        reverse("admin:cursus_xblock_documenttemplate_change", args=[template.pk]),
        _change_form_data(admin_client, template),
    )

    assert response.status_code == 302
    assert template.versions.count() == 1


def test_adding_a_template_makes_version_1_and_the_language_must_be_one_of_the_site(admin_client, admin_user):
    url = reverse("admin:cursus_xblock_documenttemplate_add")
    data = {
        "kind": "session_certificate",
        "language": "de",
        "name": "Attestation",
        "body": BODY,
    }

    refused = admin_client.post(url, data)
    added = admin_client.post(url, {**data, "language": "fr"})

    assert list(refused.context["adminform"].form.errors) == ["language"]
    assert added.status_code == 302
    template = DocumentTemplate.objects.get(name="Attestation")
    assert (template.language, template.version) == ("fr", 1)
    assert template.current_version.created_by == admin_user


def test_preview_is_a_pdf_of_the_saved_template_with_sample_data_and_changes_nothing(admin_client):
    template = _template()
    before = DocumentTemplate.objects.filter(pk=template.pk).values().get()

    response = admin_client.get(reverse("admin:cursus_xblock_documenttemplate_preview", args=[template.pk]))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'inline; filename="preview.pdf"'
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    assert DocumentTemplate.objects.filter(pk=template.pk).values().get() == before
    assert template.versions.count() == 1
    assert not IssuedDocument.objects.exists()


@pytest.mark.parametrize("kind", DocumentKind.values)
def test_preview_works_for_every_kind_with_its_placeholders(admin_client, kind):
    body = "<p>{{ person.full_name }} {{ session.start.datetime }} {{ event.name }} {{ attendance.rate }}</p>"
    template = _template(kind=kind, language="fr", body=body)

    response = admin_client.get(reverse("admin:cursus_xblock_documenttemplate_preview", args=[template.pk]))

    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"%PDF")


def test_preview_is_get_only(admin_client):
    template = _template()
    response = admin_client.post(reverse("admin:cursus_xblock_documenttemplate_preview", args=[template.pk]))
    assert response.status_code == 405


def test_preview_of_a_template_failing_at_render_time_goes_back_with_the_error(admin_client):
    template = _template(body='<p>{% widthratio 1 2 "wide" %}</p>')  # compiles; fails when rendered

    response = admin_client.get(reverse("admin:cursus_xblock_documenttemplate_preview", args=[template.pk]))

    assert response.status_code == 302
    assert response["Location"] == reverse("admin:cursus_xblock_documenttemplate_change", args=[template.pk])
    (message,) = _messages(response)
    assert message.startswith("The preview could not be made: ") and "widthratio" in message


def test_preview_of_an_unknown_template_is_a_404(admin_client):
    response = admin_client.get(reverse("admin:cursus_xblock_documenttemplate_preview", args=[987654]))
    assert response.status_code == 404


def test_preview_needs_the_view_permission():
    template = _template()
    url = reverse("admin:cursus_xblock_documenttemplate_preview", args=[template.pk])
    _user, without = _staff("view_session")
    _user, viewer = _staff("view_documenttemplate")

    assert without.get(url).status_code == 403
    assert without.get(reverse("admin:cursus_xblock_documenttemplate_preview", args=[987654])).status_code == 403
    assert Client().get(url).status_code == 302  # anonymous: to the login page
    assert viewer.get(url).status_code == 200


# --- issued documents ---------------------------------------------------------------------


def test_download_returns_exactly_the_stored_bytes(admin_client, admin_user, media):
    _template()
    registration = _learner(SessionFactory(), first_name="Éloïse", last_name="Lefèvre")
    issued = documents_service.issue(kind="session_invitation", registration=registration, actor=admin_user)
    stored = (media / issued.file.name).read_bytes()

    response = admin_client.get(reverse("admin:cursus_xblock_issueddocument_download", args=[issued.pk]))

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == stored == issued.content
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert "lefevre_eloise_session_invitation.pdf" in response["Content-Disposition"]


def test_download_of_an_unknown_document_is_a_404_and_needs_the_view_permission(admin_user, media):
    _template()
    issued = documents_service.issue(
        kind="session_invitation", registration=_learner(SessionFactory()), actor=admin_user
    )
    url = reverse("admin:cursus_xblock_issueddocument_download", args=[issued.pk])
    _user, without = _staff("view_documenttemplate")
    _user, viewer = _staff("view_issueddocument")

    assert viewer.get(reverse("admin:cursus_xblock_issueddocument_download", args=[987654])).status_code == 404
    assert without.get(url).status_code == 403
    assert viewer.get(url).status_code == 200
    assert viewer.post(url).status_code == 405


def test_a_missing_file_is_reported_not_a_500(admin_client, admin_user, media):
    _template()
    issued = documents_service.issue(
        kind="session_invitation", registration=_learner(SessionFactory()), actor=admin_user
    )
    (media / issued.file.name).unlink()

    response = admin_client.get(reverse("admin:cursus_xblock_issueddocument_download", args=[issued.pk]))

    assert response.status_code == 302
    assert _messages(response)[0].startswith("The file of this document is missing from the storage")


def test_issued_documents_are_listed_read_only_in_a_fixed_number_of_queries(admin_client, admin_user, media):
    _template()
    session = SessionFactory(code="SST-01")
    url = reverse("admin:cursus_xblock_issueddocument_changelist")

    def issue_one():
        return documents_service.issue(kind="session_invitation", registration=_learner(session), actor=admin_user)

    issued = issue_one()
    with CaptureQueriesContext(connection) as one:
        page = admin_client.get(url)
    for _ in range(3):
        issue_one()
    with CaptureQueriesContext(connection) as four:
        admin_client.get(url)
    detail = admin_client.get(reverse("admin:cursus_xblock_issueddocument_change", args=[issued.pk]))
    edit = admin_client.post(reverse("admin:cursus_xblock_issueddocument_change", args=[issued.pk]), {})
    html = page.content.decode()

    assert len(four) == len(one)
    assert reverse("cursus_xblock:verify", args=[issued.verification_code]) in html
    assert reverse("admin:cursus_xblock_issueddocument_download", args=[issued.pk]) in html
    assert f"{issued.template_version.name} v1" in html and "SST-01" in html
    assert reverse("admin:cursus_xblock_issueddocument_add") not in html
    assert detail.status_code == 200 and issued.verification_code in detail.content.decode()
    assert edit.status_code == 403
    assert admin_client.get(url, {"q": "SST-01"}).status_code == 200


# --- ZIP actions on the session list --------------------------------------------------------


def _action(client, action, sessions):
    return client.post(
        reverse("admin:cursus_xblock_session_changelist"),
        {"action": action, "_selected_action": [s.pk for s in sessions]},
    )


def _zip(response):
    return zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))


def _started_session(**kwargs):
    now = timezone.now()
    return SessionFactory(start=now - datetime.timedelta(days=1), end=now + datetime.timedelta(days=1), **kwargs)


def test_certificates_zip_has_one_pdf_per_confirmed_learner(admin_client, admin_user, media):
    _template(kind=DocumentKind.SESSION_CERTIFICATE)
    session = _started_session(code="SST-01", capacity=2)
    _learner(session, first_name="Éloïse", last_name="Lefèvre")
    _learner(session, first_name="François", last_name="Dupré")
    waiting = UserFactory()
    registration_service.register(user=waiting, sessions=[session], role=Role.LEARNER)  # on the waiting list

    response = _action(admin_client, "issue_certificates_zip", [session])

    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"] == 'attachment; filename="sst-01_session_certificate.zip"'
    archive = _zip(response)
    assert sorted(archive.namelist()) == [
        "SST-01/dupre_francois_session_certificate.pdf",
        "SST-01/lefevre_eloise_session_certificate.pdf",
    ]
    assert all(archive.read(name).startswith(b"%PDF") for name in archive.namelist())
    assert IssuedDocument.objects.filter(kind="session_certificate", issued_by=admin_user).count() == 2
    assert Registration.objects.get(user=waiting).status == RegistrationStatus.WAITING


def test_a_zip_with_refusals_still_comes_with_the_reasons(admin_client, media):
    _template(kind=DocumentKind.SESSION_CERTIFICATE)
    session = SessionFactory(code="LATER")  # not started: no certificate yet
    _learner(session, first_name="Éloïse", last_name="Lefèvre")

    response = _action(admin_client, "issue_certificates_zip", [session])

    archive = _zip(response)
    assert archive.namelist() == ["LATER/not_issued.txt"]
    assert "Éloïse Lefèvre: A certificate of attendance" in archive.read("LATER/not_issued.txt").decode()
    assert not IssuedDocument.objects.exists()
    page = admin_client.get(reverse("admin:cursus_xblock_session_changelist"))
    assert "1 learner did not get one: see not_issued.txt in the ZIP." in _messages(page)


def test_invitations_zip(admin_client, media):
    _template()
    session = SessionFactory(code="S-INV")
    _learner(session, first_name="Éloïse", last_name="Lefèvre")

    archive = _zip(_action(admin_client, "issue_invitations_zip", [session]))

    assert archive.namelist() == ["S-INV/lefevre_eloise_session_invitation.pdf"]


def test_zip_actions_take_one_session_with_learners(admin_client, media):
    _template()
    first, second = SessionFactory(), SessionFactory()
    _learner(first)

    several = _action(admin_client, "issue_invitations_zip", [first, second])
    empty = _action(admin_client, "issue_invitations_zip", [second])

    assert several.status_code == 302 and _messages(several) == ["Select one session at a time."]
    assert empty.status_code == 302 and _messages(empty)[-1] == "No confirmed learner in this session."
    assert not IssuedDocument.objects.exists()


def test_a_template_failing_at_render_time_gives_a_message_not_a_500(admin_client, media):
    _template(body='<p>{% widthratio 1 2 "wide" %}</p>')
    session = SessionFactory()
    _learner(session)

    response = _action(admin_client, "issue_invitations_zip", [session])

    assert response.status_code == 302
    assert _messages(response)[-1].startswith("The documents could not be made: ")
    assert not IssuedDocument.objects.exists()


def test_zip_actions_need_the_manage_registrations_permission(media):
    _template()
    session = SessionFactory()
    _learner(session)
    _user, viewer = _staff("view_session")
    _user, manager = _staff("view_session", "manage_registrations")
    url = reverse("admin:cursus_xblock_session_changelist")

    assert "issue_invitations_zip" not in viewer.get(url).content.decode()
    assert _action(viewer, "issue_invitations_zip", [session]).status_code in (200, 302)
    assert not IssuedDocument.objects.exists()
    assert "issue_invitations_zip" in manager.get(url).content.decode()
    assert _action(manager, "issue_invitations_zip", [session])["Content-Type"] == "application/zip"


def test_zip_action_enforces_csrf(admin_user, media):
    _template()
    session = SessionFactory()
    _learner(session)
    client = Client(enforce_csrf_checks=True)
    client.force_login(admin_user)

    response = _action(client, "issue_invitations_zip", [session])

    assert response.status_code == 403
    assert not IssuedDocument.objects.exists()
