"""« Registrations by person »: the training section's way to a person, for every training manager.

The per-user page and the picker are mounted on the host's user admin, whose list, pages and
autocomplete need the host's ``auth.view_user`` (the power to browse every account). A training
manager, site-wide or of some organizations, needs only to find a person and open their page, or
pick them on the "add registration" page: this list and this autocomplete are opened by the
training role alone and show a person's name and username, nothing else of the account.
"""

from functools import reduce
from operator import and_

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import JsonResponse
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, path, reverse
from django.utils.text import capfirst
from django.views.decorators.http import require_GET

from .. import permissions
from ..models import PersonRegistrations
from .entries import PageEntryAdmin
from .registrations import person_name

#: People per page of the list, and per page of the autocomplete's answer.
PAGE_SIZE = 50
AUTOCOMPLETE_PAGE_SIZE = 20
#: A search longer than this is cut (no one's name is longer; a bounded LIKE).
QUERY_MAX_LENGTH = 100
SEARCH_FIELDS = ("username", "first_name", "last_name", "email")


def search_people(query, viewer):
    """People matching every word of ``query`` (name, username or e-mail), by name.

    Without a query: the people registered in a session the viewer manages (the ones they work
    with); with one, anyone, since a manager registers people who have no registration yet.
    """
    User = get_user_model()
    words = query[:QUERY_MAX_LENGTH].split()
    if words:
        people = User._default_manager.filter(
            reduce(
                and_, (reduce(lambda a, b: a | b, (Q(**{f"{f}__icontains": w}) for f in SEARCH_FIELDS)) for w in words)
            )
        )
    else:
        people = User._default_manager.filter(pk__in=permissions.registrations_managed_by(viewer).values("user_id"))
    return people.order_by("last_name", "first_name", "username", "pk")


def registrations_url(user, site_name="admin"):
    """The person's page (None when the host's user admin is not hooked)."""
    try:
        return reverse(f"{site_name}:cursus_user_registrations", args=[user.pk])
    except NoReverseMatch:
        return None


def people_crumbs(site_name="admin", user=None):
    """Breadcrumbs every training manager may follow: the training section, the people, the person."""
    opts = PersonRegistrations._meta
    crumbs = [
        (
            reverse(f"{site_name}:app_list", kwargs={"app_label": opts.app_label}),
            capfirst(opts.app_config.verbose_name),
        ),
        (reverse(f"{site_name}:cursus_people"), capfirst(opts.verbose_name_plural)),
    ]
    if user is not None:
        url = registrations_url(user, site_name)
        if url:
            crumbs.append((url, person_name(user)))
    return crumbs


@admin.register(PersonRegistrations)
class PersonRegistrationsAdmin(PageEntryAdmin):
    """Not a list of rows: the index entry's list of people and the people autocomplete."""

    def get_urls(self):
        wrap = self.admin_site.admin_view
        opts = self.opts
        people = wrap(require_GET(self.people_view))
        return [
            path("", people, name=f"{opts.app_label}_{opts.model_name}_changelist"),
            path("people/", people, name="cursus_people"),
            path("autocomplete/", wrap(require_GET(self.autocomplete_view)), name="cursus_people_autocomplete"),
        ]

    def _check(self, request):
        if not permissions.can_use_admin(request.user):
            raise PermissionDenied

    def people_view(self, request):
        self._check(request)
        query = request.GET.get("q", "").strip()[:QUERY_MAX_LENGTH]
        page = Paginator(search_people(query, request.user), PAGE_SIZE).get_page(request.GET.get("p"))
        site = self.admin_site.name
        rows = [{"user": user, "name": person_name(user), "url": registrations_url(user, site)} for user in page]
        context = {
            **self.admin_site.each_context(request),
            "title": capfirst(self.opts.verbose_name_plural),
            "opts": self.opts,
            "query": query,
            "page": page,
            "rows": rows,
            "crumbs": people_crumbs(site)[:1],
            "crumb": capfirst(self.opts.verbose_name_plural),
            "max_query": QUERY_MAX_LENGTH,
        }
        return TemplateResponse(request, "cursus_xblock/admin/people.html", context)

    def autocomplete_view(self, request):
        """select2's JSON (``term``, ``page``): id and « Name (username) » only."""
        self._check(request)
        term = request.GET.get("term", "").strip()[:QUERY_MAX_LENGTH]
        page_number = request.GET.get("page", "1")
        page = Paginator(search_people(term, request.user), AUTOCOMPLETE_PAGE_SIZE).get_page(
            page_number if page_number.isdigit() else 1
        )
        return JsonResponse(
            {
                "results": [{"id": str(user.pk), "text": person_name(user)} for user in page],
                "pagination": {"more": page.has_next()},
            }
        )
