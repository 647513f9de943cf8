"""The default document templates: invitations and certificates of attendance, in French and English.

Installed once by the data migration ``0003_default_templates``; afterwards they are ordinary
templates that administrators edit in the admin, and changing these files does not touch
installed ones.

The eight PDF bodies share their frame (page footer, letterhead, title, verification box,
signature), but an installed template must be one self-contained text: the sandbox refuses
``{% extends %}`` and ``{% include %}`` so that an edited template cannot reach other files. So
the bodies are assembled here, before installing, from files next to this module:

- ``base.html``, the frame, with ``${name}`` slots (``string.Template``: Django's own syntax
  stays untouched);
- ``frame.<language>.html``, the frame's words in that language, some per family of kinds
  (``invitation.signature``, ``certificate.signature`` …);
- ``<kind>.<language>.html``, what is the document's own: ``title``, ``heading``, ``subtitle``
  and ``content``.

The last two are split into named parts by lines ``[[name]]``; a part is the text up to the
next such line, without its last line break. ``tests/documents/test_defaults.py`` holds the
SHA-256 of each assembled body, so the installed text stays byte for byte what it was when each
was a whole file. ``<kind>.<language>.txt`` (the e-mail body) and ``documents.css`` are used as
they are.

E-mails are plain text but rendered by the same engine, which escapes HTML, so the e-mail
subject and body are wrapped in ``{% autoescape off %}``: « Gestes d'urgence » stays as it is
instead of becoming ``Gestes d&#x27;urgence``. The ``.txt`` files hold the tag themselves; the
subjects below get it from ``template_fields``.
"""

import re
import string
from importlib import resources

#: One entry per default template; ``body_parts`` and ``email_file`` are files of this package, and
#: ``email_subject`` is stored wrapped in ``{% autoescape off %}`` (see ``template_fields``).
DEFAULTS = [
    {
        "kind": "session_invitation",
        "language": "fr",
        "name": "Convocation à la session",
        "email_subject": "Convocation : {{ session.name }}, à partir du {{ session.start.date }}",
        "body_parts": "session_invitation.fr.html",
        "email_file": "session_invitation.fr.txt",
    },
    {
        "kind": "session_invitation",
        "language": "en",
        "name": "Session invitation",
        "email_subject": "Invitation: {{ session.name }}, starting {{ session.start.date }}",
        "body_parts": "session_invitation.en.html",
        "email_file": "session_invitation.en.txt",
    },
    {
        "kind": "event_invitation",
        "language": "fr",
        "name": "Convocation à la séance",
        "email_subject": "Convocation : {{ event.name }}, le {{ event.start.date }}",
        "body_parts": "event_invitation.fr.html",
        "email_file": "event_invitation.fr.txt",
    },
    {
        "kind": "event_invitation",
        "language": "en",
        "name": "Event invitation",
        "email_subject": "Invitation: {{ event.name }} on {{ event.start.date }}",
        "body_parts": "event_invitation.en.html",
        "email_file": "event_invitation.en.txt",
    },
    {
        "kind": "session_certificate",
        "language": "fr",
        "name": "Attestation de présence à la session",
        "email_subject": "Attestation de présence : {{ session.name }}",
        "body_parts": "session_certificate.fr.html",
        "email_file": "session_certificate.fr.txt",
    },
    {
        "kind": "session_certificate",
        "language": "en",
        "name": "Session certificate of attendance",
        "email_subject": "Certificate of attendance: {{ session.name }}",
        "body_parts": "session_certificate.en.html",
        "email_file": "session_certificate.en.txt",
    },
    {
        "kind": "event_certificate",
        "language": "fr",
        "name": "Attestation de présence à la séance",
        "email_subject": "Attestation de présence : {{ event.name }}, le {{ event.start.date }}",
        "body_parts": "event_certificate.fr.html",
        "email_file": "event_certificate.fr.txt",
    },
    {
        "kind": "event_certificate",
        "language": "en",
        "name": "Event certificate of attendance",
        "email_subject": "Certificate of attendance: {{ event.name }} on {{ event.start.date }}",
        "body_parts": "event_certificate.en.html",
        "email_file": "event_certificate.en.txt",
    },
    # The sign-in sheets are whole files (their own frame: landscape, a table of learners), and
    # have no e-mail: they are printed or kept, not sent.
    {
        "kind": "sign_in_sheet",
        "language": "fr",
        "name": "Feuille d'émargement",
        "email_subject": "",
        "body_file": "sign_in_sheet.fr.html",
        "css_file": "sign_in_sheet.css",
    },
    {
        "kind": "sign_in_sheet",
        "language": "en",
        "name": "Sign-in sheet",
        "email_subject": "",
        "body_file": "sign_in_sheet.en.html",
        "css_file": "sign_in_sheet.css",
    },
    # A person's training transcript: its own frame too (tables of sessions and certificates).
    {
        "kind": "training_transcript",
        "language": "fr",
        "name": "Relevé de formation",
        "email_subject": "",
        "body_file": "training_transcript.fr.html",
        "css_file": "training_transcript.css",
    },
    {
        "kind": "training_transcript",
        "language": "en",
        "name": "Training transcript",
        "email_subject": "",
        "body_file": "training_transcript.en.html",
        "css_file": "training_transcript.css",
    },
]

#: The stylesheet every default template gets as its ``css``.
CSS_FILE = "documents.css"
#: The frame every PDF body is assembled into, and its words per language.
BASE_FILE = "base.html"
FRAME_FILE = "frame.{language}.html"
#: A line naming the part that follows it.
PART = re.compile(r"^\[\[([\w.]+)\]\]\n", re.MULTILINE)
#: E-mail subjects are plain text: no HTML escaping.
PLAIN_TEXT = "{%% autoescape off %%}%s{%% endautoescape %%}"


def read(filename):
    """The text of one file of this package."""
    return resources.files(__package__).joinpath(filename).read_text(encoding="utf-8")


def parts(filename):
    """The named parts of a parts file, ``{name: text}``, in the file's order."""
    pieces = PART.split(read(filename))
    if pieces[0]:
        raise ValueError(f"{filename}: text before the first [[part]] line")
    return {name: text.removesuffix("\n") for name, text in zip(pieces[1::2], pieces[2::2], strict=True)}


def body(spec):
    """The PDF body of ``spec``: the base frame filled with its language's words and its own parts.

    A word named ``<family>.<slot>`` (``invitation.signature``) is used only for that family of
    kinds. A slot left unfilled, or a part the frame has no slot for, is an error: never a gap.
    """
    language, family = spec["language"], spec["kind"].rsplit("_", 1)[1]
    values = {"language": language}
    for name, text in parts(FRAME_FILE.format(language=language)).items():
        words_family, _, slot = name.rpartition(".")
        if words_family in ("", family):
            values[slot] = text
    own = parts(spec["body_parts"])
    values.update(own)
    base = string.Template(read(BASE_FILE))
    unused = set(own) - set(base.get_identifiers())
    if unused:
        raise ValueError(f"{spec['body_parts']}: parts the frame has no slot for: {sorted(unused)}")
    return base.substitute(values)


def template_fields(spec):
    """The versioned fields of the template ``spec`` (an entry of ``DEFAULTS``): kind … css."""
    return {
        "kind": spec["kind"],
        "language": spec["language"],
        "name": spec["name"],
        "email_subject": PLAIN_TEXT % spec["email_subject"] if spec["email_subject"] else "",
        "email_body": read(spec["email_file"]) if "email_file" in spec else "",
        "body": read(spec["body_file"]) if "body_file" in spec else body(spec),
        "css": read(spec.get("css_file", CSS_FILE)),
    }


def install_default_templates(DocumentTemplate, DocumentTemplateVersion, using="default", kinds=None):  # noqa: N803
    """Create the default templates that are missing (of ``kinds`` only, if given); the templates created.

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
        if kinds is not None and kind not in kinds:
            continue
        default_key = f"{kind}:{language}"
        has_default = templates.filter(kind=kind, language=language, is_default=True).exists()
        if has_default or templates.filter(default_key=default_key).exists():
            continue
        fields = template_fields(spec)
        template = templates.create(**fields, is_default=True, default_key=default_key, version=1)
        versions.create(template=template, number=1, **fields)
        created.append(template)
    return created
