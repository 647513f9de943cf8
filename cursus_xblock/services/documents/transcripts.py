"""Training transcripts: one person's record, issued by a training manager for the sessions they manage.

A transcript is stored like every document (as issued, SHA-256, verification code), recorded
against the person's registration in the latest session it lists: that session's organization
decides who manages the record, and retiring the person's account forgets it with their other
documents. Only training managers issue one, and it lists only the sessions they manage: a
manager of one organization never learns where else the person trained.
"""

import hashlib

from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ... import permissions
from ...documents.generators import DocumentRefused
from ...documents.registry import get_generator
from ...documents.templating import TemplateError
from ...documents.transcripts import TRAINING_TRANSCRIPT
from ...models import IssuedDocument
from ...selectors.transcripts import transcript
from .issuing import TEMPLATE_BROKEN, _new_code, _store, _template, _user_language, kind_of
from .records import verification_url

NOT_ALLOWED = _("Only training managers may issue a training transcript.")
NO_SUCH_PERSON = _("There is no person with the id “%(id)s”.")
NOTHING_TO_LIST = _("%(person)s has no registration in the sessions you manage: there is no transcript to make.")


def _person(value):
    User = get_user_model()  # noqa: N806
    if isinstance(value, User):
        return value
    try:
        person = User.objects.filter(pk=int(str(value))).first()
    except (TypeError, ValueError, OverflowError):
        person = None
    if person is None:
        raise DocumentRefused(NO_SUCH_PERSON % {"id": value}, code="not_found")
    return person


def transcript_issue(*, person, actor, language=None, template=None, now=None):
    """Issue ``person``'s (a user or their id) training transcript for ``actor``; the ``IssuedDocument``.

    Raises ``DocumentRefused`` with a message: not a training manager, no such person, nothing
    the actor manages to list, no template.
    """
    if actor is None or not permissions.is_training_manager(actor):
        raise DocumentRefused(NOT_ALLOWED, code="forbidden")
    person = _person(person)
    record = transcript(person, actor, now=now)
    name = person.get_full_name() or person.get_username()
    if not record.rows:
        raise DocumentRefused(NOTHING_TO_LIST % {"person": name}, code="nothing_to_list")
    kind = kind_of(TRAINING_TRANSCRIPT)
    template = _template(kind, template, language or _user_language(person))
    version = template.current_version
    code, issued_at = _new_code(), timezone.now()
    generator = get_generator(kind.value)
    try:
        document = generator.generate(
            person=person,
            transcript=record,
            template_version=version,
            actor=actor,
            verification_url=verification_url(code),
            verification_code=code,
            issued_at=issued_at,
        )
    except TemplateError as exc:
        raise DocumentRefused(TEMPLATE_BROKEN % {"problem": exc.describe()}, code="template_error") from exc
    anchor = max(record.rows, key=lambda row: (row.session.start, row.session.pk)).registration
    issued = IssuedDocument(
        kind=kind.value,
        session=anchor.session,
        registration=anchor,
        template_version=version,
        holder_name=name,
        details={
            "person": name,
            "sessions": [f"{row.session.name} [{row.session.code}]" for row in record.rows],
            "hours_attended": record.hours_attended,
            "certificates": [d.verification_code for d in record.certificates],
        },
        issued_by=actor,
        issued_at=issued_at,
        verification_code=code,
        sha256=hashlib.sha256(document.content).hexdigest(),
        filename=document.filename,
        media_type=document.media_type,
        size=len(document.content),
    )
    _store(issued, document)
    return issued
