"""The seed's page: one user's registrations as learner and as trainer, with their actions.

Every view checks the dedicated permission, finds the user through the host's user admin (404 for
an unknown id) and a registration only among that user's (404 for anyone else's). Changes are
POSTs that call one service function, then message and redirect; GETs change nothing.
"""

import io

from django.contrib import messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpResponse, HttpResponseRedirect, QueryDict
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone, translation
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from .. import permissions
from ..backends import WorkspaceRefused
from ..documents.registry import kinds
from ..models import DocumentKind, DocumentTemplate, Event, EventRegistration, Role
from ..selectors import notifications as notification_selectors
from ..selectors.documents import templates_by_kind
from ..selectors.registrations import cancelled_registrations_of, session_list_for_user
from ..services import documents as documents_service
from ..services import event_registration as event_registration_service
from ..services import registration as registration_service
from ..services.inputs import REASON_MAX_LENGTH, clean_reason
from ..services.outcomes import Result
from ..utils.dates import after_colon, interpolate
from .people import people_crumbs
from .registrations import NOT_UNREGISTERED, person_name

UNREGISTERED = _("%(user)s was unregistered from %(session)s.")
PROMOTED = _("%(user)s moved from the waiting list to the session.")
NOT_REGISTERED = _("%(user)s was not registered in %(session)s any more.")
EVENT_UNREGISTERED = _("%(user)s was unregistered from the event %(event)s.")
EMAILED = _("%(document)s e-mailed to %(email)s.")
CANNOT_PREVIEW = _("This document cannot be made: %(reason)s")

SECTIONS = (
    (Role.LEARNER, _("As learner"), _("Collaborator of the session's workspace")),
    (Role.TRAINER, _("As trainer"), _("Manager of the session's workspace")),
)


def user_registration_urls(model_admin):
    """The URLs this module adds to the host's user admin (names start with ``cursus_user_``)."""
    wrap = model_admin.admin_site.admin_view
    views = RegistrationViews(model_admin)
    base = "<path:object_id>/registrations/"
    one = base + "<int:registration_id>/"
    get, post = (lambda view: wrap(require_GET(view))), (lambda view: wrap(require_POST(view)))
    return [
        path(base, get(views.page), name="cursus_user_registrations"),
        path(base + "transcript/", post(views.transcript), name="cursus_user_transcript"),
        path(one + "unregister/", post(views.unregister), name="cursus_user_unregister"),
        path(one + "events/<int:event_id>/register/", post(views.event_register), name="cursus_user_event_register"),
        path(
            one + "events/<int:event_id>/unregister/", post(views.event_unregister), name="cursus_user_event_unregister"
        ),
        path(
            one + "documents/<str:kind>/",
            wrap(require_http_methods(["GET", "POST"])(views.document)),
            name="cursus_user_document",
        ),
    ]


#: Stand-ins reversed once per URL pattern, then replaced by each row's values (a ``reverse()``
#: per button of a long page cost more than the rest of the page).
_REGISTRATION, _EVENT, _KIND = 987654321012, 987654321013, "cursus-kind"


#: What of the page's address a button carries to its view, so the redirect comes back to the same page.
_KEPT = ("learner_page", "trainer_page", "cancelled")


def _kept_query(request):
    """``?learner_page=2…`` of the page a button was on (digits only), or ""."""
    kept = QueryDict(mutable=True)
    for key in _KEPT:
        value = request.GET.get(key, "")
        if value.isdigit() and len(value) <= 6:
            kept[key] = value
    return f"?{kept.urlencode()}" if kept else ""


def _add_action_urls(user, listing, query=""):
    """Give each row and event of ``listing`` the URLs of its buttons: three reverses in all.

    ``query``: the page's numbers (``_kept_query``), carried so each action returns to this page.
    """
    document = reverse("admin:cursus_user_document", args=[user.pk, _REGISTRATION, _KIND]) + query
    unregister = reverse("admin:cursus_user_unregister", args=[user.pk, _REGISTRATION]) + query
    event_unregister = reverse("admin:cursus_user_event_unregister", args=[user.pk, _REGISTRATION, _EVENT]) + query
    event_register = reverse("admin:cursus_user_event_register", args=[user.pk, _REGISTRATION, _EVENT]) + query
    for section in listing.values():
        for group in section["courses"]:
            for row in group["rows"]:
                pk = str(row["registration"].pk)
                doc = document.replace(str(_REGISTRATION), pk)
                row["urls"] = {
                    "invitation": doc.replace(_KIND, "session_invitation"),
                    "certificate": doc.replace(_KIND, "session_certificate"),
                    "unregister": unregister.replace(str(_REGISTRATION), pk),
                }
                for item in row["events"]:
                    event = str(item["event"].pk)
                    item["urls"] = {
                        "invitation": doc.replace(_KIND, "event_invitation"),
                        "certificate": doc.replace(_KIND, "event_certificate"),
                        "unregister": event_unregister.replace(str(_REGISTRATION), pk).replace(str(_EVENT), event),
                        "register": event_register.replace(str(_REGISTRATION), pk).replace(str(_EVENT), event),
                    }


def _page_urls(request, role, page):
    """Links to the previous and next pages of one section, the other section's page kept."""

    def url(number):
        query = request.GET.copy()
        query[f"{role}_page"] = number
        return f"?{query.urlencode()}#section-{role}"

    return {
        "label": _("Page %(page)d of %(pages)d") % {"page": page.number, "pages": page.paginator.num_pages},
        "previous": url(page.previous_page_number()) if page.has_previous() else None,
        "next": url(page.next_page_number()) if page.has_next() else None,
    }


class RegistrationViews:
    def __init__(self, model_admin):
        self.model_admin = model_admin

    # --- lookups ------------------------------------------------------------------------

    def _user(self, request, object_id):
        if not permissions.can_use_admin(request.user):
            raise PermissionDenied
        user = self.model_admin.get_object(request, unquote(object_id))
        if user is None:
            raise Http404
        return user

    def _registration(self, request, user, registration_id):
        """One of the user's registrations in a session the viewer manages (404 otherwise)."""
        return get_object_or_404(
            permissions.registrations_managed_by(request.user).select_related("session__course", "user"),
            pk=registration_id,
            user=user,
        )

    def _page_url(self, request, user, registration=None):
        """The page the action was taken on (its page numbers kept), at the registration's row."""
        url = reverse("admin:cursus_user_registrations", args=[user.pk]) + _kept_query(request)
        return f"{url}#registration-{registration.pk}" if registration is not None else url

    def _names(self, user, registration):
        return {"user": person_name(user), "session": registration.session}

    # --- the page -----------------------------------------------------------------------

    def page(self, request, object_id):
        user = self._user(request, object_id)
        pages = {role: request.GET.get(f"{role}_page") for role in Role.values}
        listing = session_list_for_user(user, viewer=request.user, pages=pages)
        _add_action_urls(user, listing, _kept_query(request))
        now = timezone.now()
        for section in listing.values():
            for group in section["courses"]:
                for row in group["rows"]:
                    # A button whose document cannot be made is disabled, saying why (not its preview).
                    row["refusals"] = {
                        kind: documents_service.refusal(kind=kind, registration=row["registration"], now=now)
                        for kind in (DocumentKind.SESSION_INVITATION, DocumentKind.SESSION_CERTIFICATE)
                    }
        sections = [
            {
                "role": role,
                "title": title,
                "workspace_role": workspace_role,
                "courses": listing[role]["courses"],
                "page": listing[role]["page"],
                "page_urls": _page_urls(request, role, listing[role]["page"]),
                "register_url": reverse("admin:cursus_user_register", args=[user.pk, role]),
            }
            for role, title, workspace_role in SECTIONS
        ]
        opts = self.model_admin.opts
        context = {
            **self.model_admin.admin_site.each_context(request),
            "title": interpolate(_("Registrations of %(user)s"), user=person_name(user)),
            "subject": user,
            "person": person_name(user),
            "opts": opts,
            "sections": sections,
            "templates": templates_by_kind(language=(translation.get_language() or "en").split("-")[0]),
            "strings": {
                "invitation": interpolate(_("Invitation for %(person)s"), person=person_name(user)),
                "certificate": interpolate(_("Certificate of attendance for %(person)s"), person=person_name(user)),
                "question": str(_("Unregister %(user)s from %(target)s?")),
                "none": str(_("No template yet for this kind of document.")),
                "default": str(_("default")),
                "language": (translation.get_language() or "en").split("-")[0],
            },
            # The training section's people, not the host's user list (which needs ``auth.view_user``).
            "crumbs": people_crumbs(self.model_admin.admin_site.name),
            "max_reason": REASON_MAX_LENGTH,
            # « Show the cancelled registrations »: a link (a GET that changes nothing), off by default.
            "show_cancelled": request.GET.get("cancelled") == "1",
            "cancelled": cancelled_registrations_of(user, viewer=request.user)
            if request.GET.get("cancelled") == "1"
            else None,
            "notifications": notification_selectors.recent_for(user, viewer=request.user),
            "notifications_url": reverse("admin:cursus_xblock_notification_changelist") + f"?user__id__exact={user.pk}",
            "now": now,  # a séance not held yet has its attendance « to come », not « unknown »
            # Issuing records a document: a POST button, for training managers only.
            "transcript_url": reverse("admin:cursus_user_transcript", args=[user.pk])
            if permissions.is_training_manager(request.user)
            else "",
        }
        return TemplateResponse(request, "cursus_xblock/admin/user_registrations.html", context)

    # --- changes ------------------------------------------------------------------------

    def unregister(self, request, object_id, registration_id):
        user = self._user(request, object_id)
        registration = self._registration(request, user, registration_id)
        reason = self._reason(request)
        if reason is None:
            return HttpResponseRedirect(self._page_url(request, user, registration))
        names = self._names(user, registration)
        try:
            outcome = registration_service.unregister(
                registration=registration,
                actor=request.user,
                reason=reason,
                notify=request.POST.get("silent") != "1",
            )
        except WorkspaceRefused as exc:  # the workspace kept the role: the service undid everything
            self.model_admin.message_user(
                request, interpolate(NOT_UNREGISTERED, **names, reason=after_colon(exc.message)), messages.ERROR
            )
            return HttpResponseRedirect(self._page_url(request, user, registration))
        if outcome.changed:
            self.model_admin.message_user(request, interpolate(UNREGISTERED, **names), messages.SUCCESS)
            for promoted in outcome.promoted:
                self.model_admin.message_user(
                    request, interpolate(PROMOTED, user=person_name(promoted.user)), messages.INFO
                )
        else:
            self.model_admin.message_user(request, interpolate(NOT_REGISTERED, **names), messages.WARNING)
        return HttpResponseRedirect(self._page_url(request, user))

    def event_register(self, request, object_id, registration_id, event_id):
        user = self._user(request, object_id)
        registration = self._registration(request, user, registration_id)
        event = get_object_or_404(Event, pk=event_id, session_id=registration.session_id)
        (outcome,) = event_registration_service.register_to_events(
            registration=registration, events=[event], actor=request.user
        )
        level = messages.ERROR if outcome.result == Result.REFUSED else messages.SUCCESS
        self.model_admin.message_user(request, outcome.describe(), level)
        return HttpResponseRedirect(self._page_url(request, user, registration))

    def event_unregister(self, request, object_id, registration_id, event_id):
        user = self._user(request, object_id)
        registration = self._registration(request, user, registration_id)
        event_registration = get_object_or_404(
            EventRegistration.objects.select_related("event"), registration=registration, event_id=event_id
        )
        reason = self._reason(request)
        if reason is None:
            return HttpResponseRedirect(self._page_url(request, user, registration))
        event_registration_service.unregister_from_event(
            event_registration=event_registration, actor=request.user, reason=reason
        )
        self.model_admin.message_user(
            request,
            interpolate(EVENT_UNREGISTERED, user=person_name(user), event=event_registration.event.name),
            messages.SUCCESS,
        )
        return HttpResponseRedirect(self._page_url(request, user, registration))

    def _reason(self, request):
        """The POST's reason by the rule of every interface; None (and a message) when refused."""
        try:
            return clean_reason(request.POST.get("reason", ""))
        except ValidationError as exc:
            self.model_admin.message_user(request, exc.messages[0], messages.ERROR)
            return None

    # --- documents ----------------------------------------------------------------------

    def transcript(self, request, object_id):
        """Issue the person's training transcript (the sessions the viewer manages) and download it."""
        user = self._user(request, object_id)
        try:
            issued = documents_service.transcript_issue(person=user, actor=request.user)
        except documents_service.DocumentRefused as exc:
            self.model_admin.message_user(request, exc.message, messages.ERROR)
            return HttpResponseRedirect(self._page_url(request, user))
        return FileResponse(io.BytesIO(issued.content), as_attachment=True, filename=issued.filename)

    def document(self, request, object_id, registration_id, kind):
        """GET: a preview (nothing recorded). POST: issue it, then download or e-mail it."""
        user = self._user(request, object_id)
        registration = self._registration(request, user, registration_id)
        if kind not in kinds() or not kinds()[kind].personal:
            raise Http404
        data = request.POST if request.method == "POST" else request.GET
        template = self._pick(data.get("template"), kind)
        event = self._pick_event(data.get("event"), registration)
        if request.method == "GET":
            return self._preview(kind, registration, event, template)
        try:
            issued = documents_service.issue(
                kind=kind,
                registration=registration,
                event=event,
                template=template,
                actor=request.user,
                send_email=data.get("action") == "email",
            )
        except documents_service.DocumentRefused as exc:
            self.model_admin.message_user(request, exc.message, messages.ERROR)
            return HttpResponseRedirect(self._page_url(request, user, registration))
        if data.get("action") == "email":
            self.model_admin.message_user(
                request,
                EMAILED % {"document": issued.get_kind_display(), "email": user.email},
                messages.SUCCESS,
            )
            return HttpResponseRedirect(self._page_url(request, user, registration))
        return FileResponse(io.BytesIO(issued.content), as_attachment=True, filename=issued.filename)

    def _pick(self, template_id, kind):
        if not template_id:
            return None
        if not str(template_id).isdigit():
            raise Http404
        return get_object_or_404(DocumentTemplate, pk=template_id, kind=kind)

    def _pick_event(self, event_id, registration):
        if not event_id:
            return None
        if not str(event_id).isdigit():
            raise Http404
        return get_object_or_404(Event, pk=event_id, session_id=registration.session_id)

    def _preview(self, kind, registration, event, template):
        try:
            document = documents_service.preview(kind=kind, registration=registration, event=event, template=template)
        except documents_service.DocumentRefused as exc:
            # Shown inside the dialog's preview frame: a sentence, not an error page.
            body = format_html(
                '<p style="font:14px/1.5 system-ui,sans-serif;margin:2rem;color:#ba2121">{}</p>',
                interpolate(CANNOT_PREVIEW, reason=after_colon(exc.message)),
            )
            response = HttpResponse(body)
            response["X-Frame-Options"] = "SAMEORIGIN"
            return response
        response = HttpResponse(document.content, content_type=document.media_type)
        response["Content-Disposition"] = "inline"
        response["X-Frame-Options"] = "SAMEORIGIN"  # shown in the page's own dialog
        return response
