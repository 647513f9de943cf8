"""Document templates and issued documents as the interfaces list them."""

from ..documents.registry import kinds
from ..models import DocumentTemplate, IssuedDocument


def templates_by_kind(language=None):
    """{kind: [{id, name, language, default}]} for the document dialogs: one query.

    The templates in ``language`` (the administrator's) come first, the default one at the top:
    a French administrator reads the French ones before the English ones.
    """
    grouped = {}
    found = DocumentTemplate.objects.order_by("kind", "-is_default", "language", "name")
    if language:
        found = sorted(found, key=lambda t: (t.kind, t.language.split("-")[0] != language))  # stable
    for template in found:
        grouped.setdefault(template.kind, []).append(
            {
                "id": template.pk,
                "name": f"{template.name} ({template.language})",
                "language": template.language,
                "default": template.is_default,
            }
        )
    return grouped


def documents_of(registration_ids):
    """{registration id: its issued documents, the newest first}: one query."""
    grouped = {}
    for document in IssuedDocument.objects.filter(registration_id__in=registration_ids).order_by("-issued_at", "-pk"):
        grouped.setdefault(document.registration_id, []).append(document)
    return grouped


def newest_documents_of(registration_ids):
    """{registration id: the newest document of each kind (and séance)}, in kind order then date: one query."""
    grouped, seen = {}, set()
    for document in (
        IssuedDocument.objects.filter(registration__in=list(registration_ids))
        .select_related("event")
        .order_by("-issued_at", "-pk")
    ):
        key = (document.registration_id, document.kind, document.event_id)
        if key in seen:
            continue
        seen.add(key)
        grouped.setdefault(document.registration_id, []).append(document)
    return grouped


def kind_order(document, session_start):
    """The key that lists a registration's documents by kind, then séance date (the session's when none)."""
    order = list(kinds())
    rank = order.index(document.kind) if document.kind in order else len(order)  # a kind since unregistered: last
    return (rank, document.event.start if document.event else session_start)


def is_certificate_kind(kind):
    """Whether documents of ``kind`` certify attendance (the XBlock shows them apart); False if unregistered."""
    registered = kinds().get(kind)
    return bool(registered and registered.certificate)
