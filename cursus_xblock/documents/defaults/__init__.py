"""The default document templates: invitations and certificates of attendance, in French and English.

Each template is kept as files next to this module — ``<kind>.<language>.html`` (the PDF's body),
``<kind>.<language>.txt`` (the e-mail body) and the shared ``documents.css`` — and installed once
by the data migration ``0003_default_templates``. Afterwards they are ordinary templates that
administrators edit in the admin; changing these files does not touch installed ones.

E-mails are plain text but rendered by the same engine, which escapes HTML, so the e-mail
subject and body are wrapped in ``{% autoescape off %}``: « Gestes d'urgence » stays as it is
instead of becoming ``Gestes d&#x27;urgence``. The ``.txt`` files hold the tag themselves; the
subjects below get it from ``template_fields``.
"""

from importlib import resources

#: One entry per default template; ``body_file`` and ``email_file`` are files of this package, and
#: ``email_subject`` is stored wrapped in ``{% autoescape off %}`` (see ``template_fields``).
DEFAULTS = [
    {
        "kind": "session_invitation",
        "language": "fr",
        "name": "Convocation à la session",
        "email_subject": "Convocation : {{ session.name }}, à partir du {{ session.start.date }}",
        "body_file": "session_invitation.fr.html",
        "email_file": "session_invitation.fr.txt",
    },
    {
        "kind": "session_invitation",
        "language": "en",
        "name": "Session invitation",
        "email_subject": "Invitation: {{ session.name }}, starting {{ session.start.date }}",
        "body_file": "session_invitation.en.html",
        "email_file": "session_invitation.en.txt",
    },
    {
        "kind": "event_invitation",
        "language": "fr",
        "name": "Convocation à la séance",
        "email_subject": "Convocation : {{ event.name }}, le {{ event.start.date }}",
        "body_file": "event_invitation.fr.html",
        "email_file": "event_invitation.fr.txt",
    },
    {
        "kind": "event_invitation",
        "language": "en",
        "name": "Event invitation",
        "email_subject": "Invitation: {{ event.name }} on {{ event.start.date }}",
        "body_file": "event_invitation.en.html",
        "email_file": "event_invitation.en.txt",
    },
    {
        "kind": "session_certificate",
        "language": "fr",
        "name": "Attestation de présence à la session",
        "email_subject": "Attestation de présence : {{ session.name }}",
        "body_file": "session_certificate.fr.html",
        "email_file": "session_certificate.fr.txt",
    },
    {
        "kind": "session_certificate",
        "language": "en",
        "name": "Session certificate of attendance",
        "email_subject": "Certificate of attendance: {{ session.name }}",
        "body_file": "session_certificate.en.html",
        "email_file": "session_certificate.en.txt",
    },
    {
        "kind": "event_certificate",
        "language": "fr",
        "name": "Attestation de présence à la séance",
        "email_subject": "Attestation de présence : {{ event.name }}, le {{ event.start.date }}",
        "body_file": "event_certificate.fr.html",
        "email_file": "event_certificate.fr.txt",
    },
    {
        "kind": "event_certificate",
        "language": "en",
        "name": "Event certificate of attendance",
        "email_subject": "Certificate of attendance: {{ event.name }} on {{ event.start.date }}",
        "body_file": "event_certificate.en.html",
        "email_file": "event_certificate.en.txt",
    },
]

#: The stylesheet every default template gets as its ``css``.
CSS_FILE = "documents.css"
#: E-mail subjects are plain text: no HTML escaping.
PLAIN_TEXT = "{%% autoescape off %%}%s{%% endautoescape %%}"


def read(filename):
    """The text of one file of this package."""
    return resources.files(__package__).joinpath(filename).read_text(encoding="utf-8")


def template_fields(spec):
    """The versioned fields of the template ``spec`` (an entry of ``DEFAULTS``): kind … css."""
    return {
        "kind": spec["kind"],
        "language": spec["language"],
        "name": spec["name"],
        "email_subject": PLAIN_TEXT % spec["email_subject"],
        "email_body": read(spec["email_file"]),
        "body": read(spec["body_file"]),
        "css": read(CSS_FILE),
    }


def install_default_templates(DocumentTemplate, DocumentTemplateVersion, using="default"):  # noqa: N803
    """Create the default templates that are missing; the list of templates created.

    Works with the historical models of a migration (``apps.get_model``): no model method or
    ``save()`` override is relied on, so ``default_key`` and version 1 are written by hand. A
    (kind, language) that already has a default template is left alone, so running it again
    creates nothing.
    """
    templates = DocumentTemplate._default_manager.db_manager(using)
    versions = DocumentTemplateVersion._default_manager.db_manager(using)
    created = []
    for spec in DEFAULTS:
        kind, language = spec["kind"], spec["language"]
        default_key = f"{kind}:{language}"
        has_default = templates.filter(kind=kind, language=language, is_default=True).exists()
        if has_default or templates.filter(default_key=default_key).exists():
            continue
        fields = template_fields(spec)
        template = templates.create(**fields, is_default=True, default_key=default_key, version=1)
        versions.create(template=template, number=1, **fields)
        created.append(template)
    return created
