"""Issue 12 item 3: a template cannot hold the server hostage.

Each probe that hung the preview (or took seconds in the engine) is refused at once with a message
to the template's author; WeasyPrint gets a wall-clock budget in a worker process that is killed
when it overruns; the same limits hold for the admin's form and preview, one issue and a batch.
"""

import io
import logging

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import translation
from pypdf import PdfReader

from cursus_xblock.documents import pdf_worker
from cursus_xblock.documents.placeholders import sample_context
from cursus_xblock.documents.render import render_pdf
from cursus_xblock.documents.templating import TemplateLimitExceeded, render_template
from cursus_xblock.models import DocumentKind, DocumentTemplate, IssuedDocument, Role
from cursus_xblock.models.documents import BatchOutcome
from cursus_xblock.services import documents
from cursus_xblock.services import registration as registration_service
from cursus_xblock.services.documents import DocumentRefused

from ..factories import SessionFactory, UserFactory

TOO_LARGE = "This template produces too large a document (more than 2,000,000 characters)"
TOO_MANY = "This template repeats its loops too many times (more than 50,000 iterations in all)."
TOO_LONG = "This template took too long to render (more than 1 seconds)"
CENTER = '<p>{{ "a"|center:"20000000" }}</p>'
#: Within the engine's limits (3,000 iterations, 690 kB, 30 ms), but about 7 s for WeasyPrint (100 pages).
SLOW_FOR_WEASYPRINT = '{% for i in "x"|center:"3000"|make_list %}<p>{% lorem 30 w random %}</p>{% endfor %}'

PROBES = {
    "center": (CENTER, TOO_LARGE),
    "ljust": ('{{ "a"|ljust:"2000001" }}', TOO_LARGE),
    "rjust in a variable width": ('{% with w="99999999" %}{{ "a"|rjust:w }}{% endwith %}', TOO_LARGE),
    "stringformat": ('{{ "a"|stringformat:"20000000s" }}', TOO_LARGE),
    "floatformat": ('{{ 1.5|floatformat:"100000000" }}', TOO_LARGE),
    "lorem": ("{% lorem 10000000 w %}", TOO_LARGE),
    "lorem paragraphs": ("{% lorem 1000000 p %}", TOO_LARGE),
    "join": ('{% with s="a"|center:"1000000" %}{{ s|make_list|join:s }}{% endwith %}', TOO_LARGE),
    "add doubling": (
        '{% with a="a"|center:"1000000" %}{% with b=a|add:a %}{{ b|add:b }}{% endwith %}{% endwith %}',
        TOO_LARGE,
    ),
    "three nested loops over make_list": (
        '{% with s="abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnopqrstuvwxyz0123456789"|make_list %}'
        "{% for a in s %}{% for b in s %}{% for c in s %}{{ a }}{{ b }}{{ c }}{% endfor %}{% endfor %}{% endfor %}"
        "{% endwith %}",
        TOO_MANY,
    ),
    "a loop repeating a large text": (
        '{% with s="a"|center:"10000" %}{% for c in s|slice:":300" %}{{ s }}{% endfor %}{% endwith %}',
        TOO_LARGE,
    ),
}


def pdf_text(content):
    return " ".join(" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(content)).pages)


def _messages(response):
    return [str(m) for m in get_messages(response.wsgi_request)]


@pytest.fixture
def one_second(settings):
    settings.CURSUS_RENDER_TIMEOUT = 1
    render_pdf("<p>warm</p>")  # a worker ready, so the second counts from the document's start


@pytest.mark.parametrize("source, message", PROBES.values(), ids=PROBES.keys())
def test_item3_each_probe_is_refused_at_once_with_a_message(source, message):
    # Refused by the budget before the output is built (it used to hang or run out of memory).
    with pytest.raises(TemplateLimitExceeded) as refused:
        render_template(source, {})

    assert message in refused.value.describe()
    assert refused.value.describe().startswith("Line 1: ")


def test_item3_the_message_names_the_line_and_is_translated():
    source = "<h1>Attestation</h1>\n<p>\n{{ 'a'|center:'20000000' }}</p>"
    with translation.override("fr"):
        with pytest.raises(TemplateLimitExceeded) as refused:
            render_template(source, {})
        message = refused.value.describe()

    assert message.startswith(
        "Ligne 3 : Ce modèle produit un document trop grand (plus de 2\u00a0000\u00a0000 caractères)"
    )


def test_item3_ordinary_loops_widths_and_lorem_still_render():
    source = (
        "{% for row in rows %}<tr>{% for cell in row %}<td>{{ cell|center:'12' }}</td>{% endfor %}</tr>{% endfor %}"
        "{% lorem 3 p %}{{ names|join:', ' }}"
    )
    rows = [[f"{r}.{c}" for c in range(20)] for r in range(200)]  # a sign-in sheet: 200 people × 20 events

    html = render_template(source, {"rows": rows, "names": ["Éloïse", "Zoé"]})

    assert html.count("<td>") == 4000 and "Éloïse, Zoé" in html and "<p>Lorem ipsum" in html


def test_item3_weasyprint_past_the_timeout_is_stopped_with_a_message(one_second):
    html = render_template(SLOW_FOR_WEASYPRINT, {})

    # Before, the server's thread rendered it, whatever it took, and returned a PDF.
    with pytest.raises(TemplateLimitExceeded) as refused:
        render_pdf(html)

    assert TOO_LONG in refused.value.describe()
    # The killed worker is replaced: the next document renders, its text intact.
    assert pdf_text(render_pdf("<p>Éloïse Lefèvre</p>")) == "Éloïse Lefèvre"


def test_item3_refused_resources_are_still_logged_by_the_caller(caplog):
    with caplog.at_level(logging.WARNING, logger="cursus_xblock.documents"):
        pdf = render_pdf('<p>Signé</p><img src="file:///etc/passwd">')

    assert pdf_text(pdf) == "Signé"
    assert any("/etc/passwd" in r.getMessage() for r in caplog.records if r.name == "cursus_xblock.documents")


def test_item3_a_normal_certificate_renders_in_the_worker_as_it_did_in_process(settings, templates):
    template = templates[DocumentKind.SESSION_CERTIFICATE]
    html = render_template(template.body, sample_context(template.kind, "fr"))

    in_worker = render_pdf(html, css=template.css)
    settings.CURSUS_RENDER_TIMEOUT = 0
    in_process = render_pdf(html, css=template.css)

    assert in_worker == in_process
    assert "Éloïse Lefèvre" in pdf_text(in_worker)


# --- the admin: the form and the preview ----------------------------------------------------------


@pytest.mark.django_db
def test_item3_the_form_refuses_a_template_too_large_for_anyone(admin_client):
    response = admin_client.post(
        reverse("admin:cursus_xblock_documenttemplate_add"),
        {"kind": "session_certificate", "language": "fr", "name": "Piège", "body": CENTER},
    )

    assert response.status_code == 200
    (error,) = response.context["adminform"].form.errors["body"]
    assert error.startswith("Line 1: " + TOO_LARGE)
    assert not DocumentTemplate.objects.filter(name="Piège").exists()


def _saved(body, kind=DocumentKind.SESSION_INVITATION):
    """A template saved by the service, as an older release (or another interface) could have."""
    template = DocumentTemplate(kind=kind, language="fr", name="Saved", body=body, is_default=True)
    DocumentTemplate.objects.filter(kind=kind).update(is_default=False, default_key=None)
    documents.template_save(template=template)
    return template


@pytest.mark.django_db
def test_item3_the_preview_of_a_saved_probe_answers_with_the_error(admin_client):
    template = _saved(CENTER)

    response = admin_client.get(reverse("admin:cursus_xblock_documenttemplate_preview", args=[template.pk]))

    assert response.status_code == 302
    assert response["Location"] == reverse("admin:cursus_xblock_documenttemplate_change", args=[template.pk])
    assert _messages(response) == [
        f"The preview could not be made: Line 1: {TOO_LARGE}: check its loops, "
        "and the widths, counts and separators given to filters and tags."
    ]


@pytest.mark.django_db
def test_item3_a_preview_too_long_for_weasyprint_answers_with_the_error(admin_client, one_second):
    template = _saved(SLOW_FOR_WEASYPRINT)

    response = admin_client.get(reverse("admin:cursus_xblock_documenttemplate_preview", args=[template.pk]))

    assert response.status_code == 302
    (message,) = _messages(response)
    assert message.startswith("The preview could not be made: " + TOO_LONG)


# --- one document and a batch: the same render path -----------------------------------------------


@pytest.fixture
def learner(db):
    session = SessionFactory(code="SST-1")
    user = UserFactory(first_name="Éloïse", last_name="Lefèvre")
    (outcome,) = registration_service.register(user=user, sessions=[session], role=Role.LEARNER)
    return outcome.registration


def test_item3_issuing_with_a_probe_is_refused_and_records_nothing(learner, media):
    _saved(CENTER)

    with pytest.raises(DocumentRefused) as refused:
        documents.issue(kind=DocumentKind.SESSION_INVITATION, registration=learner)

    assert refused.value.code == "template_error"
    assert str(refused.value.message).startswith("The template could not be rendered: Line 1: " + TOO_LARGE)
    assert not IssuedDocument.objects.exists()


def test_item3_a_batch_with_a_template_too_long_for_weasyprint_fails_with_the_message(
    learner, media, admin_user, settings, one_second
):
    settings.CURSUS_USE_CELERY = False
    _saved(SLOW_FOR_WEASYPRINT)

    batch = documents.batch_start(session=learner.session, kind=DocumentKind.SESSION_INVITATION, actor=admin_user)

    # Each document of a batch succeeds or fails on its own (issue 12, item 2): the person's line
    # says why, in the words the template's author is given.
    (item,) = batch.items.all()
    assert (batch.issued, batch.failed) == (0, 1)
    assert item.outcome == BatchOutcome.FAILED
    assert TOO_LONG in item.message
    assert not IssuedDocument.objects.exists()


def test_item3_a_normal_invitation_is_issued_through_the_worker(learner, media, templates):
    issued = documents.issue(kind=DocumentKind.SESSION_INVITATION, registration=learner)

    assert "Éloïse Lefèvre" in pdf_text(issued.content)


def test_item3_idle_workers_can_be_stopped():
    render_pdf("<p>x</p>")
    pdf_worker.stop_all()
    assert pdf_text(render_pdf("<p>again</p>")) == "again"
