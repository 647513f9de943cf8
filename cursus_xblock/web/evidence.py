"""Justifications of absence: the page to attach one to a learner's séance, and the files, for those allowed.

Allowed: the learner and the people who take the session's attendance (``services.evidence.may_attach``);
anyone else gets a 404 for a file (its existence is not theirs to know) and a 403 for the page.
"""

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET, require_http_methods

from ..models import AbsenceEvidence, EventRegistration
from ..services import evidence as service
from ..services.outcomes import RegistrationError


@login_required
@require_http_methods(["GET", "POST"])
def evidence(request, pk):
    row = (
        EventRegistration.objects.select_related("registration__user", "registration__session", "event")
        .filter(pk=pk)
        .first()
    )
    if row is None:
        raise Http404("No such event registration")
    context = {"row": row, "event": row.event, "session": row.registration.session, "error": ""}
    if not service.may_attach(request.user, row):
        context["error"] = str(service.NOT_ALLOWED)
        return render(request, "cursus_xblock/evidence.html", context, status=403)
    status = 200
    if request.method == "POST":
        try:
            service.attach_evidence(event_registration=row, actor=request.user, upload=request.FILES.get("file"))
        except RegistrationError as error:
            context["error"], status = str(error.message), 400
        else:
            return redirect(request.path)
    context["files"] = list(row.evidence.all())
    context["person"] = row.registration.user.get_full_name() or row.registration.user.get_username()
    return render(request, "cursus_xblock/evidence.html", context, status=status)


@login_required
@require_GET
def evidence_file(request, pk):
    item = AbsenceEvidence.objects.select_related("event_registration__registration__session").filter(pk=pk).first()
    if item is None or not service.may_attach(request.user, item.event_registration):
        raise Http404("No such justification")
    response = HttpResponse(service.read_evidence(item), content_type=item.media_type)
    response["Content-Disposition"] = content_disposition_header(True, item.name)
    response["X-Content-Type-Options"] = "nosniff"
    return response
