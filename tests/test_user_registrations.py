"""The per-user registrations page in the host's user admin (the seed): hook, page, actions, permissions."""

import datetime
import json
import re
import zoneinfo

import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.models import Group, Permission
from django.contrib.messages import get_messages
from django.core import mail
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cursus_xblock.admin.users import CursusUserAdminMixin, _compose, hook_user_admin
from cursus_xblock.backends.groups import group_name
from cursus_xblock.models import (
    DocumentTemplate,
    EventRegistration,
    EventRegistrationType,
    IssuedDocument,
    Registration,
    RegistrationHistory,
    RegistrationStatus,
    Role,
)
from cursus_xblock.services import event_registration as event_service
from cursus_xblock.services import registration as service

from .factories import EventFactory, SessionFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def learner():
    return UserFactory(first_name="Éloïse", last_name="Lefèvre", username="eloise")


def _page(client, user):
    return client.get(reverse("admin:cursus_user_registrations", args=[user.pk]))


def _messages(response):
    return [str(m) for m in get_messages(response.wsgi_request)]


# --- the hook ---------------------------------------------------------------------------


def test_the_user_list_gets_a_registrations_button_on_every_row(admin_client, learner):
    page = admin_client.get(reverse("admin:auth_user_changelist")).content.decode()
    assert page.count('class="cursus-registrations-button"') == get_user_model().objects.count()
    assert reverse("admin:cursus_user_registrations", args=[learner.pk]) in page


def test_the_user_page_gets_a_registrations_object_tool(admin_client, learner):
    page = admin_client.get(reverse("admin:auth_user_change", args=[learner.pk])).content.decode()
    assert 'class="cursus-object-tool"' in page
    assert reverse("admin:cursus_user_registrations", args=[learner.pk]) in page
    assert "Change password" in page or "password" in page  # the host's own form is intact


class HostInline(admin.TabularInline):
    model = Group.user_set.through
    extra = 0


class HostUserAdmin(UserAdmin):
    """Like Open edX's: a subclass with its own inlines, columns and actions."""

    inlines = [HostInline]
    list_display = ("username", "email", "is_staff", "host_column")
    actions = ["host_action"]

    @admin.display(description="Host column")
    def host_column(self, obj):
        return "host"

    @admin.action(description="Host action")
    def host_action(self, request, queryset):
        pass


def test_composes_with_a_host_user_admin_keeping_its_inlines_columns_and_actions(rf, admin_user):
    site = admin.AdminSite(name="host")
    site.register(get_user_model(), HostUserAdmin)
    site.register(Group)

    assert _compose(site, get_user_model(), CursusUserAdminMixin)
    assert _compose(site, get_user_model(), CursusUserAdminMixin)  # idempotent

    model_admin = site._registry[get_user_model()]
    request = rf.get("/")
    request.user = admin_user
    assert isinstance(model_admin, HostUserAdmin) and isinstance(model_admin, CursusUserAdminMixin)
    assert model_admin.inlines == [HostInline]
    assert list(model_admin.get_list_display(request)) == [
        "username",
        "cursus_registrations",  # beside the username: the last columns are off-screen on a laptop
        "email",
        "is_staff",
        "host_column",
    ]
    assert "host_action" in model_admin.get_actions(request)


def test_the_hook_is_off_with_the_setting(settings):
    site = admin.AdminSite(name="off")
    site.register(get_user_model(), UserAdmin)
    settings.CURSUS_USER_ADMIN_HOOK = False
    hook_user_admin(site)
    assert type(site._registry[get_user_model()]) is UserAdmin


# --- the page ---------------------------------------------------------------------------


def test_page_splits_learner_and_trainer_grouped_by_course(admin_client, learner):
    full = SessionFactory(name="Incendie — groupe 1", capacity=1)
    service.register(user=UserFactory(), sessions=[full], role=Role.LEARNER)
    service.register(user=learner, sessions=[full, SessionFactory(name="Secourisme")], role=Role.LEARNER)
    service.register(user=learner, sessions=[SessionFactory(name="Formation de formateurs")], role=Role.TRAINER)

    page = _page(admin_client, learner).content.decode()

    assert "Registrations of Éloïse Lefèvre (eloise)" in page
    learner_part, trainer_part = page.split('id="section-trainer"')
    assert "Incendie — groupe 1" in learner_part and "Waiting list #1" in learner_part
    assert "Secourisme" in learner_part and "Formation de formateurs" in trainer_part
    assert "Collaborator of the session&#x27;s workspace" in learner_part
    assert f"[{full.course.code}]" in learner_part
    assert reverse("admin:cursus_user_register", args=[learner.pk, "learner"]) in learner_part
    assert page.count('data-action="unregister"') == 3


def test_page_in_french_uses_the_seeds_words(admin_client, learner):
    session = SessionFactory()
    EventFactory(session=session)
    service.register(user=learner, sessions=[session], role=Role.LEARNER)
    page = admin_client.get(
        reverse("admin:cursus_user_registrations", args=[learner.pk]), HTTP_ACCEPT_LANGUAGE="fr"
    ).content.decode()
    for words in ("Inscriptions", "Apprenant", "Formateur", "Séances", "Désinscrire", "Inscription"):
        assert words.lower() in page.lower(), words


def test_events_show_the_persons_status_and_manual_events_can_be_joined(admin_client, learner, admin_user):
    session = SessionFactory()
    EventFactory(session=session, name="Théorie")
    workshop = EventFactory(session=session, name="Atelier", registration_type=EventRegistrationType.MANUAL, capacity=5)
    (outcome,) = service.register(user=learner, sessions=[session], role=Role.LEARNER)

    page = _page(admin_client, learner).content.decode()
    assert "Théorie" in page and "Atelier" in page and "Register to this event" in page

    url = reverse("admin:cursus_user_event_register", args=[learner.pk, outcome.registration.pk, workshop.pk])
    assert admin_client.get(url).status_code == 405
    response = admin_client.post(url)
    assert response.status_code == 302
    assert EventRegistration.objects.get(event=workshop).status == RegistrationStatus.CONFIRMED

    response = admin_client.post(
        reverse("admin:cursus_user_event_unregister", args=[learner.pk, outcome.registration.pk, workshop.pk]),
        {"reason": "Absent ce jour-là"},
    )
    assert EventRegistration.objects.get(event=workshop).status == RegistrationStatus.CANCELLED
    assert RegistrationHistory.objects.filter(reason="Absent ce jour-là", actor=admin_user).count() == 1


def test_unregister_is_a_post_with_a_reason_that_revokes_the_role(admin_client, learner, admin_user):
    session = SessionFactory()
    (outcome,) = service.register(user=learner, sessions=[session], role=Role.LEARNER)
    url = reverse("admin:cursus_user_unregister", args=[learner.pk, outcome.registration.pk])

    assert admin_client.get(url).status_code == 405
    assert Registration.objects.get().status == RegistrationStatus.CONFIRMED
    response = admin_client.post(url, {"reason": "Mutation"})

    assert response.status_code == 302
    assert _messages(response) == [f"Éloïse Lefèvre (eloise) was unregistered from {session}."]
    assert Registration.objects.get().status == RegistrationStatus.CANCELLED
    assert not Group.objects.filter(name=group_name(session.workspace_key, "collaborator"), user=learner).exists()
    entry = RegistrationHistory.objects.filter(action="cancelled").get()
    assert (entry.reason, entry.actor) == ("Mutation", admin_user)


def test_a_registration_of_another_user_is_404_and_unknown_ids_too(admin_client, learner):
    other = service.register(user=UserFactory(), sessions=[SessionFactory()], role=Role.LEARNER)[0].registration
    assert admin_client.post(reverse("admin:cursus_user_unregister", args=[learner.pk, other.pk])).status_code == 404
    assert admin_client.get(reverse("admin:cursus_user_registrations", args=[987654])).status_code in (302, 404)
    assert Registration.objects.get().status == RegistrationStatus.CONFIRMED


def test_csrf_is_enforced(admin_user, learner):
    (outcome,) = service.register(user=learner, sessions=[SessionFactory()], role=Role.LEARNER)
    client = Client(enforce_csrf_checks=True)
    client.force_login(admin_user)
    response = client.post(reverse("admin:cursus_user_unregister", args=[learner.pk, outcome.registration.pk]))
    assert response.status_code == 403
    assert Registration.objects.get().status == RegistrationStatus.CONFIRMED


def test_staff_without_the_permission_and_non_staff_are_refused(learner):
    (outcome,) = service.register(user=learner, sessions=[SessionFactory()], role=Role.LEARNER)
    staff = UserFactory(is_staff=True)
    staff.user_permissions.add(Permission.objects.get(codename="view_user"))
    outsider = UserFactory()
    for user, expected in ((staff, 403), (outsider, 302)):
        client = Client()
        client.force_login(user)
        assert _page(client, learner).status_code == expected
        url = reverse("admin:cursus_user_unregister", args=[learner.pk, outcome.registration.pk])
        assert client.post(url).status_code == expected
    assert Registration.objects.get().status == RegistrationStatus.CONFIRMED
    client = Client()
    client.force_login(staff)
    assert (
        'class="cursus-registrations-button"' not in client.get(reverse("admin:auth_user_changelist")).content.decode()
    )


def test_document_preview_records_nothing_and_issuing_downloads_or_emails(admin_client, learner, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    (outcome,) = service.register(user=learner, sessions=[SessionFactory()], role=Role.LEARNER)
    url = reverse("admin:cursus_user_document", args=[learner.pk, outcome.registration.pk, "session_invitation"])

    preview = admin_client.get(url)
    assert preview["Content-Type"] == "application/pdf" and preview.content.startswith(b"%PDF")
    assert not IssuedDocument.objects.exists()

    download = admin_client.post(url, {"action": "download"})
    assert b"".join(download.streaming_content).startswith(b"%PDF")
    assert "attachment" in download["Content-Disposition"]
    emailed = admin_client.post(url, {"action": "email"})
    assert emailed.status_code == 302 and mail.outbox[0].to == [learner.email]
    assert IssuedDocument.objects.count() == 2


def test_certificate_refusal_is_a_message_not_an_error(admin_client, learner):
    (outcome,) = service.register(user=learner, sessions=[SessionFactory()], role=Role.LEARNER)
    url = reverse("admin:cursus_user_document", args=[learner.pk, outcome.registration.pk, "session_certificate"])

    preview = admin_client.get(url)
    issued = admin_client.post(url, {"action": "download"})

    assert preview.status_code == 200 and b"once the session or event has started" in preview.content
    assert issued.status_code == 302
    assert "once the session or event has started" in _messages(issued)[0]


def test_tampered_document_requests_are_404(admin_client, learner):
    (outcome,) = service.register(user=learner, sessions=[SessionFactory()], role=Role.LEARNER)
    base = ["admin:cursus_user_document"]
    args = [learner.pk, outcome.registration.pk]
    assert admin_client.get(reverse(base[0], args=[*args, "diploma"])).status_code == 404
    url = reverse(base[0], args=[*args, "session_invitation"])
    assert admin_client.get(url, {"template": "x"}).status_code == 404
    assert admin_client.get(url, {"event": EventFactory().pk}).status_code == 404


def test_the_page_costs_the_same_queries_for_5_and_200_registrations(admin_client, learner):
    def queries():
        with CaptureQueriesContext(connection) as ctx:
            assert _page(admin_client, learner).status_code == 200
        return len(ctx.captured_queries)

    def add(count):
        for _ in range(count):
            session = SessionFactory(capacity=3)
            EventFactory(session=session)
            service.register(user=learner, sessions=[session], role=Role.LEARNER)

    add(5)
    few = queries()
    add(195)
    assert queries() == few
    assert Registration.objects.filter(user=learner).count() == 200


def test_past_sessions_still_show_with_their_dates(admin_client, learner):
    now = timezone.now()
    session = SessionFactory(start=now + datetime.timedelta(days=1))
    service.register(user=learner, sessions=[session], role=Role.LEARNER)
    type(session).objects.filter(pk=session.pk).update(
        start=now - datetime.timedelta(days=3), end=now - datetime.timedelta(days=2)
    )
    assert session.name in _page(admin_client, learner).content.decode()


def _section(html, role):
    start = html.index(f'id="section-{role}"')
    return html[start : html.index("</section>", start)]


def test_issue14_item2_a_long_list_is_shown_a_page_at_a_time_with_working_buttons(admin_client, learner):
    course = SessionFactory().course
    start = timezone.now() + datetime.timedelta(days=10)
    sessions = [
        SessionFactory(course=course, name=f"Séance longue {i:02d}", start=start + datetime.timedelta(days=i))
        for i in range(30)
    ]
    EventFactory(session=sessions[27])
    outcomes = service.register(user=learner, sessions=sessions, role=Role.LEARNER)
    url = reverse("admin:cursus_user_registrations", args=[learner.pk])

    first = admin_client.get(url).content.decode()
    assert first.count('class="cursus-session-row"') == 20
    learners = _section(first, "learner")  # the messages sent, further down, name every session
    assert "Séance longue 19" in learners and "Séance longue 20" not in learners
    assert "Page 1 of 2" in first and "?learner_page=2#section-learner" in first

    second = admin_client.get(url, {"learner_page": "2"}).content.decode()
    assert second.count('class="cursus-session-row"') == 10
    assert "Séance longue 29" in _section(second, "learner") and "Séance longue 19" not in _section(second, "learner")
    last = outcomes[27].registration
    unregister = reverse("admin:cursus_user_unregister", args=[learner.pk, last.pk])
    event_unregister_prefix = reverse("admin:cursus_user_document", args=[learner.pk, last.pk, "event_invitation"])
    on_page_two = "?learner_page=2"  # each button comes back to this page
    assert f'data-url="{unregister}{on_page_two}"' in second
    assert f'data-url="{event_unregister_prefix}{on_page_two}"' in second

    # Nonsense page numbers show the first or the last page, never an error.
    assert admin_client.get(url, {"learner_page": "x"}).content.decode().count('class="cursus-session-row"') == 20
    assert admin_client.get(url, {"learner_page": "99"}).content.decode().count('class="cursus-session-row"') == 10


def test_an_action_on_page_two_comes_back_to_page_two(admin_client, learner):
    """Unregistering someone from the second page of a long list used to land on the first page."""
    start = timezone.now() + datetime.timedelta(days=10)
    sessions = [SessionFactory(start=start + datetime.timedelta(days=i)) for i in range(25)]
    outcomes = service.register(user=learner, sessions=sessions, role=Role.LEARNER)
    url = reverse("admin:cursus_user_registrations", args=[learner.pk])
    last = outcomes[-1].registration
    unregister = reverse("admin:cursus_user_unregister", args=[learner.pk, last.pk])

    second = admin_client.get(url, {"learner_page": "2", "trainer_page": "x"}).content.decode()
    assert f'data-url="{unregister}?learner_page=2"' in second  # the nonsense number is not carried

    response = admin_client.post(f"{unregister}?learner_page=2", {"reason": "Mutation"})
    assert response.status_code == 302
    assert response["Location"] == f"{url}?learner_page=2"
    last.refresh_from_db()
    assert last.status == RegistrationStatus.CANCELLED


def test_issue15_item5_a_seance_the_person_was_unregistered_from_can_be_joined_again(admin_client, learner):
    session = SessionFactory()
    theory = EventFactory(session=session, name="Théorie", registration_type=EventRegistrationType.AUTO)
    (outcome,) = service.register(user=learner, sessions=[session], role=Role.LEARNER)
    registration = outcome.registration
    admin_client.post(
        reverse("admin:cursus_user_event_unregister", args=[learner.pk, registration.pk, theory.pk]),
        {"reason": "Indisponible"},
    )
    assert EventRegistration.objects.get(event=theory).status == RegistrationStatus.CANCELLED

    register_url = reverse("admin:cursus_user_event_register", args=[learner.pk, registration.pk, theory.pk])
    page = _page(admin_client, learner).content.decode()
    assert f'action="{register_url}"' in page and "Register again to this event" in page
    admin_client.post(register_url)
    assert EventRegistration.objects.get(event=theory).status == RegistrationStatus.CONFIRMED
    page = _page(admin_client, learner).content.decode()
    assert "Register again to this event" not in page


def test_issue15_item5_the_rejoin_button_in_french(admin_client, learner):
    session = SessionFactory()
    theory = EventFactory(session=session, registration_type=EventRegistrationType.AUTO)
    (outcome,) = service.register(user=learner, sessions=[session], role=Role.LEARNER)
    event_registration = EventRegistration.objects.get(event=theory, registration=outcome.registration)
    event_service.unregister_from_event(event_registration=event_registration, reason="Indisponible")
    url = reverse("admin:cursus_user_registrations", args=[learner.pk])
    page = admin_client.get(url, HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "Réinscrire à cette séance" in page and "Désinscrit·e" in page


@pytest.mark.parametrize("language", ["fr", "en"])
def test_issue15_item5_the_template_chooser_lists_the_administrators_language_first(admin_client, learner, language):
    kinds = set(DocumentTemplate.objects.values_list("kind", flat=True))
    assert {"fr", "en"} <= set(DocumentTemplate.objects.values_list("language", flat=True))  # the defaults
    html = admin_client.get(
        reverse("admin:cursus_user_registrations", args=[learner.pk]), HTTP_ACCEPT_LANGUAGE=language
    ).content.decode()
    data = json.loads(re.search(r'<script id="cursus-templates" type="application/json">(.*?)</script>', html).group(1))
    assert set(data) == kinds
    for choices in data.values():
        languages = [choice["language"] for choice in choices]
        assert languages == sorted(languages, key=lambda code: code != language), languages
        assert choices[0]["language"] == language and choices[0]["default"]


def _button(html, registration, kind):
    url = reverse("admin:cursus_user_document", args=[registration.user_id, registration.pk, kind])
    return re.search(rf'<button[^>]*data-url="{re.escape(url)}"[^>]*>', html).group(0)


def test_issue15_item5_document_buttons_are_disabled_with_the_reason(admin_client, learner):
    upcoming = SessionFactory()
    started = SessionFactory(start=timezone.now() - datetime.timedelta(hours=1))
    full = SessionFactory(capacity=1, waiting_list_enabled=True)
    service.register_users(session=full, users=[UserFactory()], role=Role.LEARNER)
    for session in (upcoming, started, full):
        service.register_users(session=session, users=[learner], role=Role.LEARNER)
    mine = {r.session_id: r for r in Registration.objects.filter(user=learner)}
    html = _page(admin_client, learner).content.decode()

    certificate = _button(html, mine[upcoming.pk], "session_certificate")
    assert 'aria-disabled="true"' in certificate
    assert "A certificate of attendance can only be issued once the session or event has started." in certificate
    assert 'aria-disabled="true"' not in _button(html, mine[upcoming.pk], "session_invitation")
    assert 'aria-disabled="true"' not in _button(html, mine[started.pk], "session_certificate")
    waiting = _button(html, mine[full.pk], "session_invitation")
    assert 'aria-disabled="true"' in waiting and "Only a confirmed registration" in waiting
    # the reason is also read out by screen readers, not only hovered
    assert f'id="refused-certificate-{mine[upcoming.pk].pk}"' in html


def test_issue15_item5_the_cancelled_registrations_on_demand(admin_client, learner, admin_user):
    session = SessionFactory(name="Gestes et postures")
    (outcome,) = service.register(user=learner, sessions=[session], role=Role.LEARNER)
    admin_client.post(
        reverse("admin:cursus_user_unregister", args=[learner.pk, outcome.registration.pk]), {"reason": "Mutation"}
    )
    url = reverse("admin:cursus_user_registrations", args=[learner.pk])

    hidden = admin_client.get(url).content.decode()
    assert "?cancelled=1" in hidden and f'id="cancelled-{outcome.registration.pk}"' not in hidden
    shown = admin_client.get(url, {"cancelled": "1"}, HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    row = shown[shown.index(f'id="cancelled-{outcome.registration.pk}"') :]
    row = row[: row.index("</tr>")]
    assert "Gestes et postures" in row and "Mutation" in row and "Apprenant" in row
    assert (admin_user.get_full_name() or admin_user.get_username()) in row
    assert "Masquer les inscriptions annulées" in shown
    assert (
        Registration.objects.get(pk=outcome.registration.pk).status == RegistrationStatus.CANCELLED
    )  # GET: nothing changed


def test_issue15_item5_compact_dates_in_the_narrow_trainer_table(admin_client, learner):
    paris = zoneinfo.ZoneInfo("Europe/Paris")
    start = datetime.datetime(timezone.now().year + 1, 10, 29, 8, 30, tzinfo=paris)
    session = SessionFactory(start=start, end=start.replace(day=30, hour=17))
    service.register(user=learner, sessions=[session], role=Role.TRAINER)
    url = reverse("admin:cursus_user_registrations", args=[learner.pk])

    page = admin_client.get(url, HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    trainer = page.split('id="section-trainer"')[1]
    year = start.year
    # « 29–30/10/2027, 08:30–17:30 » (Django 5.2's French short date; 4.2's reads « 29–30 oct. 2027 »):
    # what both days share — month and year — written once, then the hours.
    compact = re.search(r"<span title=\"([^\"]*)\">(29–30\D[^<]*), 08:30–17:30</span>", trainer)
    assert compact is not None
    assert compact.group(2).count(str(year)) == 1
    # The full range, zone named, stays one hover away.
    assert compact.group(1).count(str(year)) == 2 and compact.group(1).endswith("(heure de Paris)")
