"""The picker's pages: the picker, its JSON session search, OK (POST) and the summary.

The page searches sessions through a small JSON endpoint (a bounded number of queries whatever
the number of sessions), lists the picked ones in the « Selected training sessions » panel, and
posts their ids. The POST goes through ``services.registration`` once, keeps a plain-data summary
(``summary``) and redirects (POST-redirect-GET) to it.
"""

import re

from django import forms
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponseNotAllowed, HttpResponseRedirect, JsonResponse
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import formats, timezone
from django.utils.functional import cached_property
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from ... import permissions
from ...models import Role, Session
from ...selectors import sessions as session_selectors
from ...services.history import notifying
from ...services.inputs import REASON_MAX_LENGTH, clean_reason
from . import summary as summaries
from .presenters import session_item

PER_PAGE = 25
#: The session list counts at most this many rows: past it, the page says « more than … ».
COUNT_LIMIT = 5000
#: At most this many sessions in one OK.
MAX_SELECTION = 100
_ID = re.compile(r"[0-9]{1,18}")

NO_SELECTION = _("Pick at least one session.")
BAD_SELECTION = _("The selection could not be read: pick the sessions again.")
UNKNOWN_SESSIONS = _(
    "Some selected sessions no longer exist; they were taken out of the selection. Check it and press OK again."
)
TOO_MANY = _("Pick at most %(max)d sessions at a time.")
NO_MEMBERS = _("This group has no members: there is nobody to register.")
NOT_MANAGED = _(
    "You do not manage some selected sessions (another organization's); they were taken out of the selection."
)

#: Strings the page's script shows, translated here so the one catalogue serves both.
SCRIPT_STRINGS = {
    "add": _("Add to the selection"),
    "inSelection": _("In the selection"),
    "remove": _("Remove from the selection"),
    "added": _("%(name)s added to the selection."),
    "removed": _("%(name)s removed from the selection."),
    "loading": _("Loading…"),
    "failed": _("The sessions could not be loaded."),
    "retry": _("Try again"),
    "noMatch": _("No session matches."),
    "previous": _("Previous page"),
    "next": _("Next page"),
    "submitting": _("Registering…"),
    "pickOne": NO_SELECTION,
}


class BoundedPaginator(Paginator):
    """Django's paginator whose count is one cheap query: no annotation, at most ``limit + 1`` rows."""

    def __init__(self, object_list, per_page, *, count_queryset=None, limit=COUNT_LIMIT):
        super().__init__(object_list, per_page)
        self.count_queryset = count_queryset
        self.limit = limit

    @cached_property
    def _bounded_count(self):
        if self.count_queryset is None:  # a list read up to the bound already
            return len(self.object_list)
        return self.count_queryset.order_by().values("pk")[: self.limit + 1].count()

    @cached_property
    def count(self):
        return min(self._bounded_count, self.limit)

    @property
    def capped(self):
        return self._bounded_count > self.limit


class Picker:
    """The picker's views for one kind of target; subclasses say what the target is and how to register it."""

    kind = ""

    def __init__(self, model_admin):
        self.model_admin = model_admin
        self.admin_site = model_admin.admin_site

    def urls(self):
        wrap = self.admin_site.admin_view
        kind = self.kind
        return [
            path(
                "<path:object_id>/registrations/register/<str:role>/sessions/",
                wrap(self.sessions_view),
                name=f"cursus_{kind}_register_sessions",
            ),
            path(
                "<path:object_id>/registrations/register/<str:role>/",
                wrap(self.picker_view),
                name=f"cursus_{kind}_register",
            ),
            path(
                "<path:object_id>/registrations/summary/<str:token>/",
                wrap(self.summary_view),
                name=f"cursus_{kind}_register_summary",
            ),
        ]

    # --- what subclasses define ---------------------------------------------------------------

    def title(self, target, role):
        raise NotImplementedError

    def subject(self, target, role):
        """Who is registered, and how: the summary's subtitle."""
        raise NotImplementedError

    def breadcrumb(self, role):
        raise NotImplementedError

    def back_links(self, target):
        """[(url, label)] between the target's page and this one."""
        return []

    def back_url(self, target):
        raise NotImplementedError

    def back_label(self, target):
        raise NotImplementedError

    def already(self, target, role, session_ids):
        """{session id: how many of the people are already in it with this role} for the page's sessions."""
        raise NotImplementedError

    def waiting(self, target, role, session_ids):
        """The ids of the sessions where the (one) target waits: their badge says so."""
        return set()

    def people_count(self, target):
        return 1

    def register(self, request, target, role, sessions, reason):
        """[(session, [outcome…])], in the order of ``sessions``; an error raises."""
        raise NotImplementedError

    # --- shared -------------------------------------------------------------------------------

    def url(self, name, *args):
        return reverse(f"{self.admin_site.name}:cursus_{self.kind}_{name}", args=args)

    def change_url(self, target):
        opts = self.model_admin.opts
        return reverse(f"{self.admin_site.name}:{opts.app_label}_{opts.model_name}_change", args=[target.pk])

    def changelist_url(self):
        opts = self.model_admin.opts
        return reverse(f"{self.admin_site.name}:{opts.app_label}_{opts.model_name}_changelist")

    def root_crumbs(self):
        """The breadcrumbs before the target's own."""
        return [(self.changelist_url(), capfirst(self.model_admin.opts.verbose_name_plural))]

    def get_target(self, request, object_id, role=None):
        """The user or group, after the permission check; 404 for an unknown id or role."""
        request.current_app = self.admin_site.name
        if not permissions.is_training_manager(request.user):
            raise PermissionDenied
        if role is not None and role not in Role.values:
            raise Http404(f"Unknown role: {role!r}")
        target = self.model_admin.get_object(request, unquote(object_id))
        if target is None:
            raise Http404(f"No {self.kind} with id {object_id!r}")
        return target

    def context(self, request, target, **extra):
        return {
            **self.admin_site.each_context(request),
            "opts": self.model_admin.opts,
            "kind": self.kind,
            "target": target,
            "crumbs": self.root_crumbs() + self.back_links(target),
            **extra,
        }

    # --- the picker page and its POST ----------------------------------------------------------

    def picker_view(self, request, object_id, role):
        if request.method not in ("GET", "HEAD", "POST"):
            return HttpResponseNotAllowed(["GET", "POST"])
        target = self.get_target(request, object_id, role)
        if request.method != "POST":
            return self.render_picker(request, target, role)
        sessions, reason, errors = self.read_post(request.POST, target, viewer=request.user)
        silent = request.POST.get("silent") == "1"
        if errors:
            return self.render_picker(
                request, target, role, errors=errors, sessions=sessions, reason=reason, silent=silent
            )
        try:
            # "Do not notify": the registrations of this OK tell nobody (the service carries it to the signal).
            with notifying(not silent):
                results = self.register(request, target, role, sessions, reason)
        except Session.DoesNotExist:  # deleted between the check and the lock
            sessions = list(Session.objects.filter(pk__in=[s.pk for s in sessions]).select_related("course"))
            return self.render_picker(
                request, target, role, errors=[UNKNOWN_SESSIONS], sessions=sessions, reason=reason, silent=silent
            )
        token = summaries.store(request, kind=self.kind, target=target, role=role, results=results)
        return HttpResponseRedirect(self.url("register_summary", target.pk, token))

    def read_post(self, data, target, *, viewer):
        """(sessions in the order posted, reason, [errors]); with errors, ``sessions`` are the known ones.

        A session the viewer does not manage is refused like an unknown one, with its own message.
        """
        raw = data.getlist("session")
        reason, errors = data.get("reason", ""), []
        try:
            reason = clean_reason(reason)
        except ValidationError as exc:
            errors.extend(exc.messages)
        if any(not _ID.fullmatch(value) for value in raw):
            return [], reason, [*errors, BAD_SELECTION]
        ids = list(dict.fromkeys(int(value) for value in raw))
        if not ids:
            return [], reason, [*errors, NO_SELECTION]
        if len(ids) > MAX_SELECTION:
            return [], reason, [*errors, TOO_MANY % {"max": MAX_SELECTION}]
        found = Session.objects.select_related("course").in_bulk(ids)
        managed = permissions.managed_ids(viewer, Session, found)
        sessions = [found[pk] for pk in ids if pk in managed]
        if len(found) != len(ids):
            errors.append(UNKNOWN_SESSIONS)
        if len(managed) != len(found):
            errors.append(NOT_MANAGED)
        if not self.people_count(target):
            errors.append(NO_MEMBERS)
        return sessions, reason, errors

    def render_picker(self, request, target, role, *, errors=(), sessions=(), reason="", silent=False):
        now = timezone.now()
        sessions = list(sessions)
        if sessions:  # an error page keeps what was picked, with the same details as the list
            sessions = list(session_selectors.listed(Session.objects.filter(pk__in=[s.pk for s in sessions])))
            order = {pk: n for n, pk in enumerate(s.pk for s in sessions)}
            sessions.sort(key=lambda s: order[s.pk])
        already = self.already(target, role, [s.pk for s in sessions])
        waiting = self.waiting(target, role, [s.pk for s in sessions])
        other_role = Role.TRAINER if role == Role.LEARNER else Role.LEARNER
        context = self.context(
            request,
            target,
            title=self.title(target, role),
            crumb=self.breadcrumb(role),
            role=role,
            role_label=Role(role).label,
            other_role_url=self.url("register", target.pk, other_role),
            other_role_label=self.breadcrumb(other_role),
            sessions_url=self.url("register_sessions", target.pk, role),
            courses=permissions.courses_managed_by(request.user).only("id", "title", "code").order_by("title", "code"),
            errors=errors,
            reason=reason,
            silent=silent,
            max_reason=REASON_MAX_LENGTH,
            cancel_url=self.back_url(target),
            people=self.people_count(target),
            script_strings=SCRIPT_STRINGS,
            initial_selection=[
                self.item(s, role, already.get(s.pk, 0), target, now, s.pk in waiting) for s in sessions
            ],
            media=forms.Media(css={"all": ["admin/css/forms.css", "cursus_xblock/admin/picker.css"]}),
        )
        return TemplateResponse(request, "cursus_xblock/admin/picker.html", context)

    # --- the JSON list ---------------------------------------------------------------------------

    def sessions_view(self, request, object_id, role):
        if request.method not in ("GET", "HEAD"):
            return HttpResponseNotAllowed(["GET"])
        target = self.get_target(request, object_id, role)
        now = timezone.now()
        params = request.GET
        found = permissions.sessions_managed_by(request.user)
        found = session_selectors.search(found, params.get("q", ""))
        course = params.get("course", "")
        if _ID.fullmatch(course):
            found = found.filter(course_id=int(course))
        upcoming = params.get("upcoming", "1") != "0"
        if upcoming:
            found = found.upcoming(now)
        # One order, whatever the box says: ticking it only adds or removes rows, it does not
        # turn the list around under the manager's eyes.
        found = found.order_by("start", "pk")
        # The ids up to the bound, from the (start, id, …) index (one query that also counts), then
        # the page's rows: sorting the join with the courses first took MariaDB 0.2–0.4 s at 100,000.
        ids = session_selectors.first_ids(found, COUNT_LIMIT + 1)
        pages = session_selectors.OfIds(ids, session_selectors.listed(Session.objects.all()))
        paginator = BoundedPaginator(pages, PER_PAGE, limit=COUNT_LIMIT)
        page = paginator.get_page(params.get("page"))
        sessions = list(page.object_list)
        already = self.already(target, role, [s.pk for s in sessions])
        waiting = self.waiting(target, role, [s.pk for s in sessions])
        total = paginator.count
        if paginator.capped:
            total_label = _("More than %(count)s sessions: refine the search.") % {
                "count": formats.number_format(total, force_grouping=True)
            }
        else:
            total_label = ngettext("%(count)s session", "%(count)s sessions", total) % {
                "count": formats.number_format(total, force_grouping=True)
            }
        return JsonResponse(
            {
                "items": [self.item(s, role, already.get(s.pk, 0), target, now, s.pk in waiting) for s in sessions],
                "page": page.number,
                "num_pages": paginator.num_pages,
                "has_next": page.has_next(),
                "has_previous": page.has_previous(),
                "total": total,
                "total_capped": paginator.capped,
                "total_label": total_label,
                "page_label": _("Page %(page)d of %(pages)d") % {"page": page.number, "pages": paginator.num_pages},
            }
        )

    def item(self, session, role, already_count, target, now, waiting=False):
        """What the list and the selection panel show of a session (plain data)."""
        return session_item(
            session,
            role=role,
            already_count=already_count,
            people=self.people_count(target),
            now=now,
            waiting=waiting,
        )

    def summary_view(self, request, object_id, token):
        if request.method not in ("GET", "HEAD"):
            return HttpResponseNotAllowed(["GET"])
        target = self.get_target(request, object_id)
        summary = summaries.load(request, token, kind=self.kind, object_id=target.pk)
        if summary is None:
            raise Http404("Unknown or expired summary")
        role = summary["role"]
        blocks, totals = summaries.present(summary)
        context = self.context(
            request,
            target,
            title=_("Registration summary"),
            subtitle=self.subject(target, role),
            crumb=_("Registration summary"),
            role=role,
            blocks=blocks,
            totals=totals,
            back_url=self.back_url(target),
            back_label=self.back_label(target),
            again_url=self.url("register", target.pk, role),
            media=forms.Media(css={"all": ["admin/css/forms.css", "cursus_xblock/admin/picker.css"]}),
        )
        return TemplateResponse(request, "cursus_xblock/admin/register_summary.html", context)
