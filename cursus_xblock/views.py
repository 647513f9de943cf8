"""Plain Django views of the plugin."""

from django.http import JsonResponse
from django.views.decorators.http import require_GET

from . import __version__


@require_GET
def health(request):
    """Tells an operator's probe that the plugin is mounted and which version runs (nothing else)."""
    return JsonResponse({"app": "cursus_xblock", "version": __version__})
