"""The seed's entry point: a registrations button on every user of the host's own user admin.

We never replace the host's admin for users or groups (Open edX has its own, with inlines): we
subclass whatever class is registered, add a last column and an object tool, add our URLs, and
register the subclass in its place. Off with ``CURSUS_USER_ADMIN_HOOK = False``.
"""

from django import forms
from django.contrib import admin
from django.contrib.admin.sites import NotRegistered
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db.models import Q
from django.template.loader import get_template, render_to_string, select_template
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from ..conf import settings
from ..permissions import can_use_admin
from ..utils.compat import get_model_admin
from ..utils.dates import interpolate
from .picker import group_picker_urls, user_picker_urls
from .user_registrations import user_registration_urls

CHANGE_FORM = "cursus_xblock/admin/object_tools_change_form.html"
ADMIN_CSS = "cursus_xblock/admin/admin.css"
ADMIN_JS = "cursus_xblock/admin/admin.js"


class ObjectToolMixin:
    """Adds one object tool to the host's change form, whatever template that form uses."""

    cursus_base_change_form_template = None
    cursus_object_tool_label = ""

    def cursus_object_tool_url(self, obj):
        raise NotImplementedError

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        opts = self.opts
        base = self.cursus_base_change_form_template or [
            f"admin/{opts.app_label}/{opts.model_name}/change_form.html",
            f"admin/{opts.app_label}/change_form.html",
            "admin/change_form.html",
        ]
        base = get_template(base) if isinstance(base, str) else select_template(base)
        context["cursus_base_template"] = base.template
        if obj is not None and obj.pk is not None and can_use_admin(request.user):
            context["cursus_object_tool"] = {
                "url": self.cursus_object_tool_url(obj),
                "label": self.cursus_object_tool_label,
            }
        return super().render_change_form(request, context, add, change, form_url, obj)


class PeopleGroupsFilter(admin.RelatedFieldListFilter):
    """The host's "By groups" filter without our workspace role groups (``cursus:course-v1:…:manager``):
    they are how a role is kept, not teams an administrator filters people by."""

    def field_choices(self, field, request, model_admin):
        prefix = settings.GROUP_NAME_TEMPLATE.split("{", 1)[0]
        if not prefix:
            return super().field_choices(field, request, model_admin)
        ordering = self.field_admin_ordering(field, request, model_admin)
        return field.get_choices(include_blank=False, ordering=ordering, limit_choices_to=~Q(name__startswith=prefix))


class CursusUserAdminMixin(ObjectToolMixin):
    cursus_object_tool_label = _("Registrations")

    def cursus_object_tool_url(self, obj):
        return reverse("admin:cursus_user_registrations", args=[obj.pk])

    @property
    def media(self):
        # The app's admin stylesheet and script on the host's user pages too (contrast and named
        # selection boxes on Django 4.2; nothing that changes the host's own look on Django 5).
        return super().media + forms.Media(css={"all": [ADMIN_CSS]}, js=[ADMIN_JS])

    def get_list_display(self, request):
        columns = list(super().get_list_display(request))
        if can_use_admin(request.user):
            # Beside the username, not last: on a laptop with the sidebar open the last columns of
            # the host's list are scrolled out of view.
            columns.insert(1 if columns else 0, "cursus_registrations")
        return columns

    def get_list_filter(self, request):
        return [
            ("groups", PeopleGroupsFilter) if spec == "groups" else spec for spec in super().get_list_filter(request)
        ]

    @admin.display(description=_("Registrations"))
    def cursus_registrations(self, user):
        label = interpolate(_("Training registrations of %(user)s"), user=user.get_username())
        return format_html(
            '<a class="cursus-registrations-button" href="{}" title="{}" aria-label="{}">{}</a>',
            reverse("admin:cursus_user_registrations", args=[user.pk]),
            label,
            label,
            render_to_string("cursus_xblock/admin/icons/registrations.svg"),
        )

    def get_urls(self):
        return [*user_registration_urls(self), *user_picker_urls(self), *super().get_urls()]


class CursusGroupAdminMixin(ObjectToolMixin):
    cursus_object_tool_label = _("Register the members in sessions")

    def cursus_object_tool_url(self, obj):
        return reverse("admin:cursus_group_register", args=[obj.pk, "learner"])

    def get_urls(self):
        return [*group_picker_urls(self), *super().get_urls()]


def _compose(site, model, mixin):
    """Re-register ``model`` with (mixin + the host's class); idempotent."""
    try:
        current = get_model_admin(site, model)
    except NotRegistered:
        return False
    if isinstance(current, mixin):
        return True
    base = type(current)
    composed = type(
        base.__name__,
        (mixin, base),
        {
            "__module__": base.__module__,
            "__doc__": base.__doc__,
            "cursus_base_change_form_template": base.change_form_template,
            "change_form_template": CHANGE_FORM,
        },
    )
    site.unregister(model)
    site.register(model, composed)
    return True


def hook_user_admin(site=None):
    """Compose with the host's user and group admins (called once the host's admins are registered)."""
    if not settings.USER_ADMIN_HOOK:
        return
    site = site or admin.site
    _compose(site, get_user_model(), CursusUserAdminMixin)
    _compose(site, Group, CursusGroupAdminMixin)
