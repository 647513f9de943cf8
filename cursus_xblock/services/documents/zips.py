"""ZIP files of issued documents: one place that names the files inside and writes them.

A batch's ZIP names each PDF after its holder, under a folder named after the session; a
selection downloaded from the registration list numbers them in the order selected.
"""

import io
import re
import tempfile
import zipfile

from django.utils.text import slugify

from .records import read_content

SPOOL_BYTES = 8 * 1024 * 1024  # a larger ZIP goes to a temporary file, not memory


def safe_name(text):
    """A file-name part: accents and punctuation folded (Château → chateau), never empty."""
    return slugify(text).replace("-", "_") or "x"


def safe_folder(code):
    """The session code as a folder name: kept as it is, but no separators or dot-dot."""
    return re.sub(r"[^\w.-]+", "_", code).strip("._") or "session"


def zip_documents(out, documents, *, folder="", report=()):
    """Write ``documents`` into the ZIP file ``out``, one PDF each named after its holder.

    Each PDF is read (from ``.content`` when just issued, else from storage) and written as soon
    as it is reached, so memory does not grow with the number of documents. ``report`` lines, the
    people who did not get one and why, go to ``not_issued.txt``; so does a document whose file
    is gone from storage. The number of PDFs written.
    """
    prefix = f"{folder}/" if folder else ""
    names, written, report = set(), 0, list(report)
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for document in documents:
            user = document.registration.user
            try:
                content = getattr(document, "content", None) or read_content(document)
            except (OSError, ValueError) as exc:  # ValueError: a record whose file was erased
                report.append(f"{document.holder_name}: {exc}")
                continue
            base = f"{safe_name(user.last_name or user.get_username())}_{safe_name(user.first_name)}_{document.kind}"
            name, counter = base, 1
            while name in names:  # two people with the same name
                counter += 1
                name = f"{base}_{counter}"
            names.add(name)
            archive.writestr(f"{prefix}{name}.pdf", content)
            written += 1
        if report:
            archive.writestr(f"{prefix}not_issued.txt", "\n".join(report) + "\n")
    return written


def selection_download(issued, name):
    """(file object, file name, media type) for documents just issued: the PDF alone, or a numbered ZIP.

    ``name``: the ZIP's name without ``.zip``. None when nothing was issued.
    """
    if not issued:
        return None
    if len(issued) == 1:
        return io.BytesIO(issued[0].content), issued[0].filename, None
    out = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for number, document in enumerate(issued, start=1):
            archive.writestr(f"{number:03d}_{document.filename}", document.content)
    out.seek(0)
    return out, f"{name}.zip", "application/zip"


def session_zip_name(session, kind):
    """The download name of a session's batch ZIP: « inc-01_session_invitation.zip »."""
    return f"{slugify(session.code) or session.pk}_{kind}.zip"
