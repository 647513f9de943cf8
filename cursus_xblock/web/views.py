"""Plain Django views of the plugin: the operator's health probe and the public verification page."""

from django.http import Http404, JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from .. import __version__
from ..services import documents


@require_GET
def health(request):
    """Tells an operator's probe that the plugin is mounted and which version runs (nothing else)."""
    return JsonResponse({"app": "cursus_xblock", "version": __version__})


@require_GET
def verify(request, code):
    """Public: what a document certified, for anyone holding its code — and nothing more (no e-mail)."""
    issued = documents.verify(code)
    if issued is None:
        raise Http404("Unknown verification code")
    context = {
        "code": issued.verification_code,
        "holder": issued.holder_name,
        "kind": issued.get_kind_display(),
        "details": issued.details,
        "dates": documents.snapshot_dates(issued.details),
        "issued_at": issued.issued_at,
    }
    return render(request, "cursus_xblock/verify.html", context)
