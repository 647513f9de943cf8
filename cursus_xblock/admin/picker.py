"""The seed's « Register » picker: pick any number of sessions for a user (or a group's members), then OK.

The host's user and group admins mount these pages with ``user_picker_urls(model_admin)`` and
``group_picker_urls(model_admin)`` (see ``admin/users.py``). The page searches sessions through a
small JSON endpoint (a bounded number of queries whatever the number of sessions), lists the
picked ones in the « Selected training sessions » panel, and posts their ids. The POST goes
through ``services.registration`` once, keeps a plain-data summary in the session under a random
token and redirects (POST-redirect-GET) to the summary: one block per session, one line per person.
"""

import datetime
import re
import secrets
import zoneinfo

from django import forms
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404, HttpResponseNotAllowed, HttpResponseRedirect, JsonResponse
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, path, reverse
from django.utils import formats, timezone
from django.utils.functional import cached_property
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from ..formatting import after_colon, date_range, interpolate
from ..models import ACTIVE_STATUSES, Course, Registration, Role, Session, SessionStatus
from ..models import seats_left as free_seats
from ..services import registration as registration_service
from ..services.inputs import REASON_MAX_LENGTH, clean_reason
from ..services.outcomes import Refusal, Result
from .registrations import MANAGE_PERMISSION, person_name

PER_PAGE = 25
#: The session list counts at most this many rows: past it, the page says « more than … ».
COUNT_LIMIT = 5000
#: At most this many sessions in one OK.
MAX_SELECTION = 100
#: Summaries kept in the user's session (the oldest go first).
KEPT_SUMMARIES = 10
#: Per session, at most this many people listed one by one in a group's summary (all are counted).
SUMMARY_PEOPLE_LIMIT = 500
SESSION_KEY = "cursus_register_summaries"
_ID = re.compile(r"[0-9]{1,18}")

NO_SELECTION = _("Pick at least one session.")
BAD_SELECTION = _("The selection could not be read: pick the sessions again.")
UNKNOWN_SESSIONS = _(
    "Some selected sessions no longer exist; they were taken out of the selection. Check it and press OK again."
)
TOO_MANY = _("Pick at most %(max)d sessions at a time.")
NO_MEMBERS = _("This group has no members: there is nobody to register.")

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

# (result → css modifier) for the summary's status colour
_TONES = {
    Result.REGISTERED.value: "success",
    Result.WAITING.value: "warning",
    Result.PENDING.value: "info",
    Result.ALREADY_REGISTERED.value: "quiet",
    Result.REFUSED.value: "error",
}


def user_picker_urls(model_admin):
    """The picker's three URLs for the host's user admin (names ``cursus_user_register…``)."""
    return UserPicker(model_admin).urls()


def group_picker_urls(model_admin):
    """The picker's three URLs for the host's group admin (names ``cursus_group_register…``)."""
    return GroupPicker(model_admin).urls()


class BoundedPaginator(Paginator):
    """Django's paginator whose count is one cheap query: no annotation, at most ``limit + 1`` rows."""

    def __init__(self, object_list, per_page, *, count_queryset, limit=COUNT_LIMIT):
        super().__init__(object_list, per_page)
        self.count_queryset = count_queryset
        self.limit = limit

    @cached_property
    def _bounded_count(self):
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

    def get_target(self, request, object_id, role=None):
        """The user or group, after the permission check; 404 for an unknown id or role."""
        request.current_app = self.admin_site.name
        if not request.user.has_perm(MANAGE_PERMISSION):
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
            "crumbs": [(self.changelist_url(), capfirst(self.model_admin.opts.verbose_name_plural))]
            + self.back_links(target),
            **extra,
        }

    # --- the picker page and its POST ----------------------------------------------------------

    def picker_view(self, request, object_id, role):
        if request.method not in ("GET", "HEAD", "POST"):
            return HttpResponseNotAllowed(["GET", "POST"])
        target = self.get_target(request, object_id, role)
        if request.method != "POST":
            return self.render_picker(request, target, role)
        sessions, reason, errors = self.read_post(request.POST, target)
        if errors:
            return self.render_picker(request, target, role, errors=errors, sessions=sessions, reason=reason)
        try:
            results = self.register(request, target, role, sessions, reason)
        except Session.DoesNotExist:  # deleted between the check and the lock
            sessions = list(Session.objects.filter(pk__in=[s.pk for s in sessions]).select_related("course"))
            return self.render_picker(
                request, target, role, errors=[UNKNOWN_SESSIONS], sessions=sessions, reason=reason
            )
        token = self.store_summary(request, target, role, results)
        return HttpResponseRedirect(self.url("register_summary", target.pk, token))

    def read_post(self, data, target):
        """(sessions in the order posted, reason, [errors]); with errors, ``sessions`` are the known ones."""
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
        sessions = [found[pk] for pk in ids if pk in found]
        if len(sessions) != len(ids):
            errors.append(UNKNOWN_SESSIONS)
        if not self.people_count(target):
            errors.append(NO_MEMBERS)
        return sessions, reason, errors

    def render_picker(self, request, target, role, *, errors=(), sessions=(), reason=""):
        now = timezone.now()
        sessions = list(sessions)
        if sessions:  # an error page keeps what was picked, with the same details as the list
            sessions = list(
                Session.objects.with_seats_taken().select_related("course").filter(pk__in=[s.pk for s in sessions])
            )
            order = {pk: n for n, pk in enumerate(s.pk for s in sessions)}
            sessions.sort(key=lambda s: order[s.pk])
        already = self.already(target, role, [s.pk for s in sessions])
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
            courses=Course.objects.only("id", "title", "code").order_by("title", "code"),
            errors=errors,
            reason=reason,
            max_reason=REASON_MAX_LENGTH,
            cancel_url=self.back_url(target),
            people=self.people_count(target),
            script_strings=SCRIPT_STRINGS,
            initial_selection=[self.item(s, role, already.get(s.pk, 0), target, now) for s in sessions],
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
        found = Session.objects.all()
        for word in params.get("q", "").split()[:10]:
            word = word[:100]
            found = found.filter(
                Q(name__icontains=word)
                | Q(code__icontains=word)
                | Q(course__title__icontains=word)
                | Q(course__code__icontains=word)
            )
        course = params.get("course", "")
        if _ID.fullmatch(course):
            found = found.filter(course_id=int(course))
        upcoming = params.get("upcoming", "1") != "0"
        if upcoming:
            found = found.upcoming(now).order_by("start", "pk")
        else:  # the latest first: past sessions are usually looked for among the recent ones
            found = found.order_by("-start", "-pk")
        paginator = BoundedPaginator(
            found.with_seats_taken().select_related("course"), PER_PAGE, count_queryset=found, limit=COUNT_LIMIT
        )
        page = paginator.get_page(params.get("page"))
        sessions = list(page.object_list)
        already = self.already(target, role, [s.pk for s in sessions])
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
                "items": [self.item(s, role, already.get(s.pk, 0), target, now) for s in sessions],
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

    def item(self, session, role, already_count, target, now):
        """What the list and the selection panel show of a session (plain data)."""
        people = self.people_count(target)
        left = free_seats(session.capacity, session.seats_taken)
        full = left == 0
        already = bool(people) and already_count >= people
        badges = []
        # Whether registration is possible is the service's rule; only its short label is ours.
        refusal = registration_service.session_refusal(session, now)
        unavailable = {
            Refusal.CANCELLED: SessionStatus.CANCELLED.label,
            Refusal.CLOSED: SessionStatus.CLOSED.label,
            Refusal.ENDED: _("Ended"),
        }.get(refusal, "")
        if unavailable:
            badges.append({"label": unavailable, "tone": "error"})
        elif session.has_started(now):
            badges.append({"label": _("In progress"), "tone": "info"})
        if already:
            badges.append({"label": _("Already registered"), "tone": "quiet"})
            unavailable = unavailable or _("Already registered")
        elif already_count:
            badges.append(
                {
                    "label": ngettext(
                        "%(count)d member already registered",
                        "%(count)d members already registered",
                        already_count,
                    )
                    % {"count": already_count},
                    "tone": "quiet",
                }
            )
        if left is None:
            seats_label = _("Unlimited seats")
        elif full and session.waiting_list_enabled:
            seats_label = _("Full — waiting list")
        elif full:
            seats_label = _("Full")
            if not registration_service.has_room(session, role, session.seats_taken):
                unavailable = unavailable or _("Full")
        else:
            seats_label = ngettext("%(count)d seat left", "%(count)d seats left", left) % {"count": left}
        course = session.course
        return {
            "id": session.pk,
            "name": session.name,
            "code": session.code,
            "course": f"{course.title} [{course.code}]",
            "course_id": course.pk,
            "dates": date_range(session.start, session.end, session.tzinfo),
            "place": session.place,
            "seats_left": left,
            "full": full,
            "waiting_list": session.waiting_list_enabled,
            "seats_label": seats_label,
            "status": session.status,
            "status_label": SessionStatus(session.status).label,
            "started": session.has_started(now),
            "ended": session.has_ended(now),
            "already": already,
            "already_count": already_count,
            "badges": badges,
            "pickable": not unavailable,
            "unavailable": unavailable,
        }

    # --- the summary -----------------------------------------------------------------------------

    def store_summary(self, request, target, role, results):
        summary = {
            "kind": self.kind,
            "object_id": str(target.pk),
            "role": role,
            "created": timezone.now().isoformat(),
            "blocks": [
                {
                    "session": {
                        "id": session.pk,
                        "name": session.name,
                        "code": session.code,
                        "course": f"{session.course.title} [{session.course.code}]",
                        "start": session.start.isoformat(),
                        "end": session.end.isoformat(),
                        "time_zone": session.time_zone,
                    },
                    "counts": _count_results(outcomes),
                    "people": [_outcome_data(o) for o in outcomes[:SUMMARY_PEOPLE_LIMIT]],
                    "more": max(len(outcomes) - SUMMARY_PEOPLE_LIMIT, 0),
                }
                for session, outcomes in results
            ],
        }
        stored = dict(request.session.get(SESSION_KEY, {}))
        token = secrets.token_urlsafe(16)
        stored[token] = summary
        request.session[SESSION_KEY] = dict(list(stored.items())[-KEPT_SUMMARIES:])
        return token

    def summary_view(self, request, object_id, token):
        if request.method not in ("GET", "HEAD"):
            return HttpResponseNotAllowed(["GET"])
        target = self.get_target(request, object_id)
        summary = request.session.get(SESSION_KEY, {}).get(token)
        if not summary or summary.get("kind") != self.kind or summary.get("object_id") != str(target.pk):
            raise Http404("Unknown or expired summary")
        role = summary["role"]
        blocks = [_present_block(block) for block in summary["blocks"]]
        totals = {}
        for block in summary["blocks"]:
            for result, count in block["counts"].items():
                totals[result] = totals.get(result, 0) + count
        context = self.context(
            request,
            target,
            title=_("Registration summary"),
            subtitle=self.subject(target, role),
            crumb=_("Registration summary"),
            role=role,
            blocks=blocks,
            totals=_totals_sentence(totals),
            back_url=self.back_url(target),
            back_label=self.back_label(target),
            again_url=self.url("register", target.pk, role),
            media=forms.Media(css={"all": ["admin/css/forms.css", "cursus_xblock/admin/picker.css"]}),
        )
        return TemplateResponse(request, "cursus_xblock/admin/register_summary.html", context)


class UserPicker(Picker):
    kind = "user"

    def title(self, user, role):
        if role == Role.TRAINER:
            return _("Register %(person)s as trainer") % {"person": person_name(user)}
        return _("Register %(person)s as learner") % {"person": person_name(user)}

    def subject(self, user, role):
        if role == Role.TRAINER:
            return _("%(person)s, as trainer") % {"person": person_name(user)}
        return _("%(person)s, as learner") % {"person": person_name(user)}

    def breadcrumb(self, role):
        return _("Register as trainer") if role == Role.TRAINER else _("Register as learner")

    def registrations_url(self, user):
        try:
            return reverse(f"{self.admin_site.name}:cursus_user_registrations", args=[user.pk])
        except NoReverseMatch:
            return None

    def back_links(self, user):
        links = [(self.change_url(user), person_name(user))]
        registrations = self.registrations_url(user)
        if registrations:
            links.append((registrations, _("Registrations")))
        return links

    def back_url(self, user):
        return self.registrations_url(user) or self.change_url(user)

    def back_label(self, user):
        return interpolate(_("Back to the registrations of %(person)s"), person=person_name(user))

    def already(self, user, role, session_ids):
        if not session_ids:
            return {}
        found = (
            Registration.objects.filter(user=user, role=role, status__in=ACTIVE_STATUSES, session_id__in=session_ids)
            .order_by()
            .values_list("session_id", flat=True)
        )
        return dict.fromkeys(found, 1)

    def register(self, request, user, role, sessions, reason):
        outcomes = registration_service.register(
            user=user, sessions=sessions, role=role, actor=request.user, reason=reason
        )
        return [(outcome.session, [outcome]) for outcome in outcomes]


class GroupPicker(Picker):
    kind = "group"

    def title(self, group, role):
        if role == Role.TRAINER:
            return _("Register the members of %(group)s as trainers") % {"group": group}
        return _("Register the members of %(group)s as learners") % {"group": group}

    def subject(self, group, role):
        if role == Role.TRAINER:
            return _("The members of %(group)s, as trainers") % {"group": group}
        return _("The members of %(group)s, as learners") % {"group": group}

    def breadcrumb(self, role):
        return _("Register the members as trainers") if role == Role.TRAINER else _("Register the members as learners")

    def back_links(self, group):
        return [(self.change_url(group), str(group))]

    def back_url(self, group):
        return self.change_url(group)

    def back_label(self, group):
        return _("Back to the group %(group)s") % {"group": group}

    def people_count(self, group):
        if not hasattr(group, "_cursus_members"):  # asked several times per request
            group._cursus_members = group.user_set.count()
        return group._cursus_members

    def already(self, group, role, session_ids):
        if not session_ids:
            return {}
        rows = (
            Registration.objects.filter(
                user__groups=group, role=role, status__in=ACTIVE_STATUSES, session_id__in=session_ids
            )
            .order_by()
            .values("session_id")
            .annotate(n=Count("user_id", distinct=True))
            .values_list("session_id", "n")
        )
        return dict(rows)

    def register(self, request, group, role, sessions, reason):
        members = list(group.user_set.order_by("last_name", "first_name", "username", "pk"))
        return registration_service.register_users_in_sessions(
            sessions=sessions, users=members, role=role, actor=request.user, reason=reason
        )


# --- plain data for the summary ------------------------------------------------------------------


def _outcome_data(outcome):
    return {
        "person": person_name(outcome.user),
        "user_id": outcome.user.pk,
        "result": Result(outcome.result).value,
        "position": outcome.position,
        "refusal": str(outcome.refusal or ""),
        "message": str(outcome.message or ""),
    }


def _count_results(outcomes):
    counts = {}
    for outcome in outcomes:
        result = Result(outcome.result).value
        counts[result] = counts.get(result, 0) + 1
    return counts


def outcome_label(data):
    """« Registered », « On the waiting list (position 2) », « Refused: The session is full. »…"""
    result = data["result"]
    if result == Result.WAITING:
        if data.get("position"):
            return _("On the waiting list (position %(position)d)") % {"position": data["position"]}
        return Result.WAITING.label
    if result == Result.REFUSED:
        refusal = data.get("refusal")
        # Our own reasons are shown in the reader's language; a workspace's message as it came.
        if refusal in Refusal.values and refusal != Refusal.WORKSPACE:
            message = Refusal(refusal).label
        else:
            message = data.get("message") or Refusal.WORKSPACE.label
        return interpolate(_("Refused: %(reason)s"), reason=after_colon(message))
    if result == Result.ALREADY_REGISTERED and data.get("position"):
        return _("Already registered (waiting list, position %(position)d)") % {"position": data["position"]}
    return Result(result).label


_COUNT_SENTENCES = {
    Result.REGISTERED.value: lambda n: ngettext("%(count)d registered", "%(count)d registered", n),
    Result.WAITING.value: lambda n: ngettext("%(count)d on the waiting list", "%(count)d on the waiting list", n),
    Result.PENDING.value: lambda n: ngettext("%(count)d pending validation", "%(count)d pending validation", n),
    Result.ALREADY_REGISTERED.value: lambda n: ngettext(
        "%(count)d already registered", "%(count)d already registered", n
    ),
    Result.REFUSED.value: lambda n: ngettext("%(count)d refused", "%(count)d refused", n),
}


def _totals_sentence(counts):
    return [
        {"label": _COUNT_SENTENCES[result](counts[result]) % {"count": counts[result]}, "tone": _TONES[result]}
        for result in Result.values
        if counts.get(result)
    ]


def _present_block(block):
    session = block["session"]
    try:
        tz = zoneinfo.ZoneInfo(session["time_zone"])
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):  # a zone removed from the system since
        tz = zoneinfo.ZoneInfo("UTC")
    dates = date_range(
        datetime.datetime.fromisoformat(session["start"]), datetime.datetime.fromisoformat(session["end"]), tz
    )
    return {
        **session,
        "dates": dates,
        "counts": _totals_sentence(block["counts"]),
        "people": [
            {**person, "label": outcome_label(person), "tone": _TONES[person["result"]]} for person in block["people"]
        ],
        "more": block.get("more", 0),
    }
