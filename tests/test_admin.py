"""The admin: every page renders, writes go through the services, permissions and CSRF hold."""

import datetime

import pytest
from django.contrib.auth.models import Permission
from django.contrib.messages import get_messages
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cursus_xblock.models import (
    EventRegistration,
    EventRegistrationType,
    Registration,
    RegistrationHistory,
    RegistrationStatus,
    Role,
    Session,
)
from cursus_xblock.services import registration as service

from .counts import seats_taken
from .factories import CourseFactory, EventFactory, SessionFactory, UserFactory

pytestmark = pytest.mark.django_db


def _messages(response):
    return [str(m) for m in get_messages(response.wsgi_request)]


def _staff(*permissions):
    user = UserFactory(is_staff=True)
    for codename in permissions:
        user.user_permissions.add(Permission.objects.get(codename=codename, content_type__app_label="cursus_xblock"))
    client = Client()
    client.force_login(user)
    return user, client


@pytest.mark.parametrize(
    "model", ["course", "session", "event", "registration", "eventregistration", "registrationhistory"]
)
def test_every_list_and_form_renders(admin_client, model):
    session = SessionFactory()
    EventFactory(session=session)
    service.register_users(session=session, users=UserFactory.create_batch(3), role=Role.LEARNER)
    objects = {
        "course": session.course,
        "session": session,
        "event": session.events.get(),
        "registration": Registration.objects.first(),
        "eventregistration": EventRegistration.objects.first(),
        "registrationhistory": RegistrationHistory.objects.first(),
    }

    changelist = admin_client.get(reverse(f"admin:cursus_xblock_{model}_changelist"), {"q": "a"})
    change = admin_client.get(reverse(f"admin:cursus_xblock_{model}_change", args=[objects[model].pk]))

    assert changelist.status_code == 200
    assert change.status_code == 200


def test_session_page_summarises_registrations_with_links(admin_client):
    session = SessionFactory(capacity=1)
    service.register_users(session=session, users=UserFactory.create_batch(3), role=Role.LEARNER)

    page = admin_client.get(reverse("admin:cursus_xblock_session_change", args=[session.pk])).content.decode()

    assert "1 confirmed" in page and "2 on the waiting list" in page
    assert f"?session__id__exact={session.pk}" in page
    assert f"?registration__session__id__exact={session.pk}" in page


def test_register_page_registers_through_the_service_and_reports_each_session(admin_client, admin_user):
    user = UserFactory(first_name="Éloïse", last_name="Lefèvre")
    open_session = SessionFactory(name="Premiers secours")
    full = SessionFactory(name="Incendie", capacity=0, waiting_list_enabled=False)
    url = reverse("admin:cursus_xblock_registration_add")

    assert admin_client.get(url).status_code == 200
    assert not Registration.objects.exists()  # GET changes nothing

    response = admin_client.post(
        url, {"user": user.pk, "sessions": [open_session.pk, full.pk], "role": "learner", "reason": "Plan 2026"}
    )

    assert response.status_code == 302
    assert _messages(response) == [
        f"Éloïse Lefèvre is registered for {open_session}.",
        f"Éloïse Lefèvre could not be registered in {full}: The session is full.",
    ]
    registration = Registration.objects.get()
    assert (registration.session, registration.status, registration.registered_by) == (
        open_session,
        RegistrationStatus.CONFIRMED,
        admin_user,
    )
    assert RegistrationHistory.objects.get().reason == "Plan 2026"


def test_register_page_shows_errors_for_a_tampered_form(admin_client):
    response = admin_client.post(
        reverse("admin:cursus_xblock_registration_add"), {"user": 999999, "sessions": ["x"], "role": "boss"}
    )
    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"user", "sessions", "role"}
    assert not Registration.objects.exists()


def test_register_page_enforces_csrf(admin_user):
    client = Client(enforce_csrf_checks=True)
    client.force_login(admin_user)
    session, user = SessionFactory(), UserFactory()
    response = client.post(
        reverse("admin:cursus_xblock_registration_add"), {"user": user.pk, "sessions": [session.pk], "role": "learner"}
    )
    assert response.status_code == 403
    assert not Registration.objects.exists()


def test_staff_without_the_permission_can_neither_register_nor_act():
    session = SessionFactory()
    (outcome,) = service.register(user=UserFactory(), sessions=[session], role=Role.LEARNER)
    _user, client = _staff("view_registration")

    add = client.post(
        reverse("admin:cursus_xblock_registration_add"),
        {"user": UserFactory().pk, "sessions": [session.pk], "role": "learner"},
    )
    listing = client.get(reverse("admin:cursus_xblock_registration_changelist"))
    action = client.post(
        reverse("admin:cursus_xblock_registration_changelist"),
        {"action": "unregister_selected", "_selected_action": [outcome.registration.pk]},
    )

    assert add.status_code == 403
    assert listing.status_code == 200
    assert "unregister_selected" not in listing.content.decode()
    assert action.status_code in (200, 302)
    assert Registration.objects.get().status == RegistrationStatus.CONFIRMED


def test_staff_with_the_permission_can_register():
    session, learner = SessionFactory(), UserFactory()
    _user, client = _staff("manage_registrations")
    response = client.post(
        reverse("admin:cursus_xblock_registration_add"),
        {"user": learner.pk, "sessions": [session.pk], "role": "learner"},
    )
    assert response.status_code == 302
    assert Registration.objects.filter(user=learner, status=RegistrationStatus.CONFIRMED).exists()


def test_unregister_action_cancels_records_and_counts(admin_client, admin_user):
    session = SessionFactory(capacity=2)
    outcomes = service.register_users(session=session, users=UserFactory.create_batch(3), role=Role.LEARNER)

    response = admin_client.post(
        reverse("admin:cursus_xblock_registration_changelist"),
        {"action": "unregister_selected", "_selected_action": [o.registration.pk for o in outcomes[:2]]},
    )

    assert "2 registrations cancelled." in _messages(response)
    assert Registration.objects.filter(status=RegistrationStatus.CANCELLED).count() == 2
    assert Registration.objects.get(user=outcomes[2].user).status == RegistrationStatus.CONFIRMED  # promoted
    assert RegistrationHistory.objects.filter(action="cancelled", actor=admin_user).count() == 2


def test_validate_action_only_touches_pending_registrations(admin_client):
    pending_session = SessionFactory(validation_required=True)
    pending = service.register(user=UserFactory(), sessions=[pending_session], role=Role.LEARNER)[0].registration
    confirmed = service.register(user=UserFactory(), sessions=[SessionFactory()], role=Role.LEARNER)[0].registration

    response = admin_client.post(
        reverse("admin:cursus_xblock_registration_changelist"),
        {"action": "validate_selected", "_selected_action": [pending.pk, confirmed.pk]},
    )

    assert _messages(response) == [
        "1 selected registration was not pending validation and was left as it is.",
        "1 registration validated.",
    ]
    pending.refresh_from_db()
    assert pending.status == RegistrationStatus.CONFIRMED


def test_attendance_actions_record_through_the_service(admin_client, admin_user):
    session = SessionFactory()
    EventFactory(session=session)
    service.register(user=UserFactory(), sessions=[session], role=Role.LEARNER)
    Session.objects.filter(pk=session.pk).update(start=timezone.now() - datetime.timedelta(days=1))
    session.events.update(
        start=timezone.now() - datetime.timedelta(hours=2), end=timezone.now() - datetime.timedelta(hours=1)
    )
    event_registration = EventRegistration.objects.get()

    response = admin_client.post(
        reverse("admin:cursus_xblock_eventregistration_changelist"),
        {"action": "mark_present", "_selected_action": [event_registration.pk]},
    )

    assert "Attendance recorded for 1 participant." in _messages(response)
    event_registration.refresh_from_db()
    assert (event_registration.attendance, event_registration.attendance_by) == ("present", admin_user)
    assert RegistrationHistory.objects.filter(action="attendance", new_value="present").count() == 1


def _session_form_data(session, tz, **changes):
    """What the session change page posts back, dates as typed in ``tz``."""
    data = {
        "course": session.course_id,
        "code": session.code,
        "name": session.name,
        "description": session.description,
        "status": session.status,
        "time_zone": session.time_zone,
        "place": session.place,
        "capacity": session.capacity if session.capacity is not None else "",
        "workspace_key": session.workspace_key,
        "events-TOTAL_FORMS": 0,
        "events-INITIAL_FORMS": 0,
    }
    for flag in ("waiting_list_enabled", "validation_required", "self_registration", "self_unregistration"):
        if getattr(session, flag):
            data[flag] = "on"
    for name in ("start", "end"):
        local = timezone.localtime(getattr(session, name), tz)
        data[f"{name}_0"], data[f"{name}_1"] = local.strftime("%Y-%m-%d"), local.strftime("%H:%M:%S")
    data.update(changes)
    return data


def test_raising_a_capacity_in_the_admin_promotes_the_waiting_list(admin_client):
    session = SessionFactory(capacity=1)
    service.register_users(session=session, users=UserFactory.create_batch(3), role=Role.LEARNER)
    url = reverse("admin:cursus_xblock_session_change", args=[session.pk])

    response = admin_client.post(url, _session_form_data(session, session.tzinfo, capacity=3))

    assert response.status_code == 302, response.context["adminform"].form.errors
    assert "2 learners moved from the waiting list to the session." in _messages(response)
    assert seats_taken(session) == 3
    session.refresh_from_db()
    assert session.capacity == 3


def test_session_dates_are_read_and_typed_in_the_sessions_time_zone(admin_client):
    utc = datetime.timezone.utc
    session = SessionFactory(
        time_zone="America/Montreal",
        start=datetime.datetime(2027, 1, 10, 14, 0, tzinfo=utc),
        end=datetime.datetime(2027, 1, 10, 22, 0, tzinfo=utc),
    )
    url = reverse("admin:cursus_xblock_session_change", args=[session.pk])

    page = admin_client.get(url).content.decode()
    assert 'name="start_1" value="09:00:00"' in page  # 14:00 UTC is 09:00 in Montréal in January

    admin_client.post(url, _session_form_data(session, session.tzinfo, start_1="10:00:00"))
    session.refresh_from_db()
    assert session.start == datetime.datetime(2027, 1, 10, 15, 0, tzinfo=utc)

    # Moving the session to Paris keeps the wall-clock times the admin typed.
    admin_client.post(url, _session_form_data(session, session.tzinfo, time_zone="Europe/Paris"))
    session.refresh_from_db()
    assert session.start == datetime.datetime(2027, 1, 10, 9, 0, tzinfo=utc)
    changelist = admin_client.get(reverse("admin:cursus_xblock_session_changelist"), HTTP_ACCEPT_LANGUAGE="fr")
    changelist = changelist.content.decode()
    assert "10:00 – 17:00 (heure de Paris)" in changelist


def test_sessions_added_in_a_course_start_from_its_defaults(admin_client):
    course = CourseFactory(
        default_capacity=8, default_validation_required=True, default_workspace_key="course-v1:A+B+C"
    )
    url = reverse("admin:cursus_xblock_course_change", args=[course.pk])
    start = timezone.now() + datetime.timedelta(days=30)
    response = admin_client.post(
        url,
        {
            "code": course.code,
            "title": course.title,
            "default_capacity": 8,
            "default_workspace_key": "course-v1:A+B+C",
            "default_validation_required": "on",
            "default_waiting_list_enabled": "on",
            "sessions-TOTAL_FORMS": 1,
            "sessions-INITIAL_FORMS": 0,
            "sessions-0-code": "NEW-1",
            "sessions-0-name": "Nouvelle session",
            "sessions-0-start_0": start.strftime("%Y-%m-%d"),
            "sessions-0-start_1": "09:00:00",
            "sessions-0-end_0": (start + datetime.timedelta(days=1)).strftime("%Y-%m-%d"),
            "sessions-0-end_1": "17:00:00",
            "sessions-0-status": "open",
        },
    )
    assert response.status_code == 302, response.context["inline_admin_formsets"][0].formset.errors
    session = Session.objects.get(code="NEW-1")
    assert (session.capacity, session.validation_required, session.workspace_key) == (8, True, "course-v1:A+B+C")


@pytest.mark.parametrize("model", ["session", "registration", "registrationhistory", "eventregistration"])
def test_lists_cost_the_same_number_of_queries_for_5_and_50_rows(admin_client, model):
    def page_queries():
        with CaptureQueriesContext(connection) as ctx:
            assert admin_client.get(reverse(f"admin:cursus_xblock_{model}_changelist")).status_code == 200
        return len(ctx.captured_queries)

    def add(count):
        for _ in range(count):
            session = SessionFactory()
            EventFactory(session=session, registration_type=EventRegistrationType.AUTO)
            service.register(user=UserFactory(), sessions=[session], role=Role.LEARNER)

    add(5)
    few = page_queries()
    add(45)
    assert page_queries() == few
