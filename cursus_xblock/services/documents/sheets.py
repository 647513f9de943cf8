"""Sign-in sheets (feuilles d'émargement): issued per séance by the people who take its attendance.

A sheet is an issued document like a certificate (stored as issued, SHA-256, verification code),
made by the ``sign_in_sheet`` kind's generator. Only the session's training managers and its
trainers may issue one or read one back: a sheet names every learner of the séance. A session's
sheets come as one ZIP, each PDF byte for byte the stored one, so each still matches its SHA-256.
"""

import tempfile
import zipfile

from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from ... import permissions
from ...documents.generators import DocumentRefused
from ...documents.sheets import SIGN_IN_SHEET
from ...models import Event, IssuedDocument, Session
from .issuing import issue_for_group
from .records import read_content
from .zips import SPOOL_BYTES, safe_folder

NOT_ALLOWED = _("Only the session's training managers and trainers may issue or download its sign-in sheets.")
NO_SUCH_EVENT = _("There is no séance with the id “%(id)s”.")
NO_SUCH_SESSION = _("There is no session with the id “%(id)s”.")
NO_SUCH_SHEET = _("There is no sign-in sheet with the id “%(id)s”.")
NO_EVENTS = _("This session has no séance yet: there is no sign-in sheet to make.")


def _get(model, value, message):
    """The row ``value`` names (a row or its id); ``DocumentRefused`` with ``message`` for anything else."""
    if isinstance(value, model):
        return value
    try:
        row = model.objects.filter(pk=int(str(value))).first()
    except (TypeError, ValueError, OverflowError):
        row = None
    if row is None:
        raise DocumentRefused(message % {"id": value}, code="not_found")
    return row


def _allow(actor, session):
    if not permissions.takes_attendance(actor, session):
        raise DocumentRefused(NOT_ALLOWED, code="forbidden")


def sign_in_sheet_issue(*, event, actor, filled=False, language=None, template=None):
    """Issue the sign-in sheet of one séance (an ``Event`` or its id), blank or filled; the ``IssuedDocument``."""
    event = _get(Event, event, NO_SUCH_EVENT)
    session = Session.objects.select_related("course").get(pk=event.session_id)
    _allow(actor, session)
    return issue_for_group(
        kind=SIGN_IN_SHEET,
        session=session,
        event=event,
        actor=actor,
        template=template,
        language=language,
        options={"filled": bool(filled)},
    )


def session_sign_in_sheets(*, session, actor, filled=False, language=None):
    """Issue one sign-in sheet per séance of ``session`` (a ``Session`` or its id), in date order."""
    session = _get(Session, session, NO_SUCH_SESSION)
    _allow(actor, session)
    events = list(Event.objects.filter(session=session).order_by("start", "pk"))
    if not events:
        raise DocumentRefused(NO_EVENTS, code="no_events")
    return [sign_in_sheet_issue(event=event, actor=actor, filled=filled, language=language) for event in events]


def sign_in_sheets_zip(session, sheets):
    """(file object, file name) of a ZIP holding ``sheets`` as issued, one PDF per séance in date order."""
    folder = safe_folder(session.code)
    out = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for number, sheet in enumerate(sheets, start=1):
            content = getattr(sheet, "content", None) or read_content(sheet)
            archive.writestr(f"{folder}/{number:02d}_{sheet.filename}", content)
    out.seek(0)
    return out, f"{slugify(session.code) or session.pk}_{SIGN_IN_SHEET}.zip"


def sign_in_sheet_content(*, document, actor):
    """The stored bytes of a sign-in sheet (an ``IssuedDocument`` or its id), for who may read it."""
    document = _get(IssuedDocument, document, NO_SUCH_SHEET)
    if document.kind != SIGN_IN_SHEET:
        raise DocumentRefused(NO_SUCH_SHEET % {"id": document.pk}, code="not_found")
    _allow(actor, document.session)
    return read_content(document)
