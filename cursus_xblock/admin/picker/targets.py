"""The picker's two targets: one user, or the members of a group."""

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from ...models import Role
from ...selectors import registrations as registration_selectors
from ...services import registration as registration_service
from ...utils.dates import interpolate
from ..people import people_crumbs
from ..registrations import person_name
from .views import Picker


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

    def root_crumbs(self):
        # The training section's people, not the host's user list (which needs ``auth.view_user``).
        return people_crumbs(self.admin_site.name)

    def back_links(self, user):
        return [(self.registrations_url(user) or self.change_url(user), person_name(user))]

    def back_url(self, user):
        return self.registrations_url(user) or self.change_url(user)

    def back_label(self, user):
        return interpolate(_("Back to the registrations of %(person)s"), person=person_name(user))

    def already(self, user, role, session_ids):
        return registration_selectors.registered_in(user, role, session_ids)

    def waiting(self, user, role, session_ids):
        return registration_selectors.waiting_in(user, role, session_ids)

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
        return registration_selectors.members_registered_in(group, role, session_ids)

    def register(self, request, group, role, sessions, reason):
        members = list(group.user_set.order_by("last_name", "first_name", "username", "pk"))
        return registration_service.register_users_in_sessions(
            sessions=sessions, users=members, role=role, actor=request.user, reason=reason
        )
