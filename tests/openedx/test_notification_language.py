"""In Open edX, messages follow the account's ``pref-lang`` and never go to a retired account (issue 17, item 6).

The backend reads the preference through edx-platform's
``get_user_preference(requesting_user, preference_key, username=None)`` with
``lang_pref.LANGUAGE_KEY``; the double mirrors that signature, its errors and its answer (the
stored string, or None).
"""

import pytest
from django.core import mail
from django.core.management import call_command

from cursus_xblock.models import Notification, NotificationStatus, Role
from cursus_xblock.services import registration as service

from ..factories import SessionFactory, UserFactory
from .edx_platform_double import user_preferences

pytestmark = pytest.mark.django_db


def send():
    mail.outbox.clear()
    call_command("cursus_send_notifications", verbosity=0)
    return list(mail.outbox)


def test_each_message_is_in_the_language_of_the_accounts_preference(
    openedx_backend, django_capture_on_commit_callbacks, admin_user
):
    session = SessionFactory(name="Gestes et postures", workspace_key="", capacity=5)
    french, english, trainer = UserFactory(username="agnes"), UserFactory(username="john"), UserFactory(username="paul")
    user_preferences.PREFERENCES.update({("agnes", "pref-lang"): "fr", ("paul", "pref-lang"): "fr-ca"})
    with django_capture_on_commit_callbacks(execute=True):
        service.register_users(session=session, users=[french, english], role=Role.LEARNER, actor=admin_user)
        service.register(user=trainer, sessions=[session], role=Role.TRAINER, actor=admin_user)

    subjects = {m.to[0]: m.subject for m in send()}
    assert subjects[french.email] == "Inscription confirmée : Gestes et postures"
    assert subjects[english.email] == "Registration confirmed: Gestes et postures"  # no preference: the site's
    assert subjects[trainer.email] == "Vous êtes formateur : Gestes et postures"  # fr-ca: the French the site has
    asked = [call for call in openedx_backend.calls if call[0] == "get_user_preference"]
    assert {(user.username, key, kwargs["username"]) for _name, (user, key), kwargs in asked} == {
        ("agnes", "pref-lang", None),
        ("john", "pref-lang", None),
        ("paul", "pref-lang", None),
    }


def test_a_retired_account_is_never_written_to(
    openedx_backend, django_capture_on_commit_callbacks, admin_user, settings
):
    """Open edX retires an account by replacing its address (the account may stay active)."""
    settings.RETIRED_EMAIL_PREFIX, settings.RETIRED_EMAIL_DOMAIN = "gone__", "retired.example"
    session = SessionFactory(workspace_key="", capacity=5)
    retired = UserFactory(email="gone__3f2a9c@retired.example", is_active=True)
    other_domain = UserFactory(email="x1b7@retired.example", is_active=True)
    with django_capture_on_commit_callbacks(execute=True):
        service.register_users(session=session, users=[retired, other_domain], role=Role.LEARNER, actor=admin_user)
    assert send() == []
    assert set(Notification.objects.values_list("status", flat=True)) == {NotificationStatus.SKIPPED}
