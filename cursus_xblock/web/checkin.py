"""The check-in page a learner opens from the trainer's QR code: a phone-sized form, signed in only.

It asks the same service as the XBlock (``services.checkin.check_in``) for the requesting user, and
answers a POST with a redirect (so reloading does not sign twice) or the form again with the refusal.
"""

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods
from rest_framework.exceptions import Throttled

from ..models import Event
from ..selectors.checkin import learner_checkin
from ..services import checkin as service
from ..services.outcomes import RegistrationError
from .throttling import CheckInThrottle


@login_required
@require_http_methods(["GET", "POST"])
def checkin(request, pk):
    event = Event.objects.select_related("session").filter(pk=pk).first()
    if event is None:
        raise Http404("No such séance")
    row, signature = learner_checkin(event, request.user)
    context = {"event": event, "session": event.session, "signature": signature, "error": ""}
    if row is None:
        context["error"] = str(service.NOT_A_LEARNER)
        return render(request, "cursus_xblock/checkin.html", context, status=403)
    status = 200
    if request.method == "POST" and not CheckInThrottle().allow_person(request.user):
        context["error"] = str(Throttled().detail)
        status = 429
    elif request.method == "POST":
        try:
            service.check_in(
                event=event,
                user=request.user,
                code=request.POST.get("code", "")[:32],
                image=request.POST.get("signature", "") or None,
                typed_name=request.POST.get("typed_name", "")[:300],
            )
        except RegistrationError as error:
            context["error"], status = str(error.message), 400
        else:
            return redirect(request.path)
    context["window_open"] = service.current_window(event) is not None
    context["code"] = "".join(ch for ch in request.POST.get("code", request.GET.get("code", "")) if ch.isdigit())[:6]
    context["typed_name"] = request.POST.get("typed_name", "")[:150]
    return render(request, "cursus_xblock/checkin.html", context, status=status)
