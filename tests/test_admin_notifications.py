"""Notifications in the admin (issue 17): "do not notify" on the picker's OK and the per-user unregister,
the log with its resend action, the templates with their preview, the switches on courses and sessions."""

import re

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse

from cursus_xblock.models import (
    Notification,
    NotificationStatus,
    NotificationSwitch,
    NotificationTemplate,
    NotificationTrigger,
    Registration,
    RegistrationStatus,
    Role,
)
from cursus_xblock.services import registration as service

from .factories import SessionFactory, UserFactory

pytestmark = pytest.mark.django_db


def _send():
    mail.outbox.clear()
    call_command("cursus_send_notifications", verbosity=0)
    return list(mail.outbox)


def _text(response):
    return re.sub(r"\s+", " ", response.content.decode())


@pytest.mark.parametrize("silent, expected", [("", 1), ("1", 0)])
def test_picker_ok_do_not_notify(admin_client, django_capture_on_commit_callbacks, silent, expected):
    learner, session = UserFactory(), SessionFactory()
    url = reverse("admin:cursus_user_register", args=[learner.pk, "learner"])
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(url, {"session": [str(session.pk)], "reason": "", "silent": silent})
    assert response.status_code == 302
    assert Registration.objects.get().status == RegistrationStatus.CONFIRMED
    assert len(_send()) == expected
    assert Notification.objects.count() == expected


def test_picker_page_offers_do_not_notify(admin_client):
    learner = UserFactory()
    response = admin_client.get(reverse("admin:cursus_user_register", args=[learner.pk, "learner"]))
    assert 'name="silent"' in response.content.decode()
    assert "Do not notify" in _text(response)


@pytest.mark.parametrize("silent, expected", [("", 1), ("1", 0)])
def test_per_user_unregister_do_not_notify(admin_client, django_capture_on_commit_callbacks, silent, expected):
    learner, session = UserFactory(), SessionFactory()
    (outcome,) = service.register(user=learner, sessions=[session], role=Role.LEARNER, notify=False)
    url = reverse("admin:cursus_user_unregister", args=[learner.pk, outcome.registration.pk])
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(url, {"reason": "Mutation", "silent": silent})
    assert response.status_code == 302
    assert Registration.objects.get().status == RegistrationStatus.CANCELLED
    sent = _send()
    assert len(sent) == expected
    if expected:
        assert sent[0].subject.startswith("Unregistered:")
        assert "Reason: Mutation" in sent[0].body


def test_log_lists_and_resends(admin_client, django_capture_on_commit_callbacks):
    learner, session = UserFactory(last_name="Béranger"), SessionFactory()
    with django_capture_on_commit_callbacks(execute=True):
        service.register(user=learner, sessions=[session], role=Role.LEARNER)
    assert len(_send()) == 1
    row = Notification.objects.get()
    changelist = reverse("admin:cursus_xblock_notification_changelist")
    page = _text(admin_client.get(changelist))
    assert "Béranger" in page and "Registered (confirmed)" in page
    assert admin_client.get(reverse("admin:cursus_xblock_notification_change", args=[row.pk])).status_code == 200

    response = admin_client.post(changelist, {"action": "resend", "_selected_action": [row.pk]})
    assert response.status_code == 302
    row.refresh_from_db()
    assert row.status == NotificationStatus.PENDING
    assert len(_send()) == 1


def test_a_staff_member_without_permission_sees_no_log(client, django_capture_on_commit_callbacks):
    staff = UserFactory(is_staff=True)
    client.force_login(staff)
    assert client.get(reverse("admin:cursus_xblock_notification_changelist")).status_code == 403


def test_template_preview_and_bad_template(admin_client):
    template = NotificationTemplate.objects.create(
        trigger=NotificationTrigger.WAITING,
        language="fr",
        subject="Liste d'attente : {{ session.name }}",
        body_text="Bonjour {{ person.first_name }}, vous êtes en position {{ waiting.position }}.",
        body_html="<p>Position <b>{{ waiting.position }}</b></p>",
    )
    url = reverse("admin:cursus_xblock_notificationtemplate_change", args=[template.pk])
    page = _text(admin_client.get(url))
    assert "vous êtes en position 3." in page
    assert "srcdoc=" in page

    data = {
        "trigger": "waiting",
        "language": "fr",
        "subject": "{% if %}",
        "body_text": "x",
        "body_html": "",
    }
    response = admin_client.post(url, data)
    assert response.status_code == 200
    assert "errornote" in response.content.decode() or "errorlist" in response.content.decode()
    template.refresh_from_db()
    assert template.subject.startswith("Liste d'attente")


def test_switches_are_edited_on_their_own_page(admin_client):
    session = SessionFactory()
    url = reverse("admin:cursus_xblock_notificationswitch_add")
    both = {"course": session.course_id, "session": session.pk, "trigger": "registered", "enabled": ""}
    response = admin_client.post(url, both)
    assert response.status_code == 200 and "Choose a course or a session, not both." in _text(response)
    assert not NotificationSwitch.objects.exists()

    response = admin_client.post(url, {**both, "course": ""})
    assert response.status_code == 302
    from cursus_xblock.services import notifications

    assert notifications.is_enabled(NotificationTrigger.REGISTERED, session) is False
    assert notifications.is_enabled(NotificationTrigger.WAITING, session) is True
    assert admin_client.get(reverse("admin:cursus_xblock_notificationswitch_changelist")).status_code == 200


def test_per_user_page_shows_what_was_sent_and_when(admin_client, django_capture_on_commit_callbacks):
    learner, session = UserFactory(), SessionFactory(name="Gestes et postures")
    url = reverse("admin:cursus_user_registrations", args=[learner.pk])
    assert "No notification sent to this person." in _text(admin_client.get(url))
    with django_capture_on_commit_callbacks(execute=True):
        service.register(user=learner, sessions=[session], role=Role.LEARNER)
    _send()
    page = _text(admin_client.get(url))
    assert "Notifications sent" in page
    assert "Registered (confirmed)" in page and "Sent" in page
    row = Notification.objects.get()
    link = reverse("admin:cursus_xblock_notification_changelist") + f"?user__id__exact={learner.pk}"
    assert admin_client.get(link).status_code == 200
    assert row.sent_at is not None


def test_a_courses_copy_address_is_set_on_its_page_and_checked(admin_client):
    session = SessionFactory()
    course = session.course
    url = reverse("admin:cursus_xblock_course_change", args=[course.pk])
    page = admin_client.get(url).content.decode()
    assert 'name="notification_copy_to"' in page
    data = {"code": course.code, "title": course.title, "description": "", "notification_copy_to": "not an address"}
    response = admin_client.post(url, data)
    assert response.status_code == 200
    assert "Enter a valid email address." in response.content.decode()
    course.refresh_from_db()
    assert course.notification_copy_to == ""


@pytest.mark.parametrize("silent, expected", [("", 1), ("on", 0)])
def test_register_form_do_not_notify(admin_client, silent, expected):
    """Issue 17 item 5: the registration admin's add page offers « do not notify »."""
    learner, session = UserFactory(), SessionFactory()
    data = {"user": learner.pk, "sessions": [session.pk], "role": "learner", "reason": ""}
    if silent:
        data["silent"] = silent
    response = admin_client.post(reverse("admin:cursus_xblock_registration_add"), data)
    assert response.status_code == 302
    assert Registration.objects.get(user=learner).status == RegistrationStatus.CONFIRMED
    assert len(_send()) == expected


@pytest.mark.parametrize(
    "action, expected",
    [("unregister_selected", 1), ("unregister_selected_silently", 0)],
)
def test_bulk_unregister_with_or_without_notifying(admin_client, action, expected):
    learner, session = UserFactory(), SessionFactory()
    (outcome,) = service.register(user=learner, sessions=[session], role=Role.LEARNER, notify=False)
    response = admin_client.post(
        reverse("admin:cursus_xblock_registration_changelist"),
        {"action": action, "_selected_action": [outcome.registration.pk]},
    )
    assert response.status_code == 302
    assert Registration.objects.get().status == RegistrationStatus.CANCELLED
    assert len(_send()) == expected


@pytest.mark.parametrize("silent, expected", [("", 2), ("on", 0)])
def test_import_apply_do_not_notify(admin_client, silent, expected):
    session = SessionFactory(code="IMP-N")
    people = [UserFactory(username=f"imp{i}") for i in range(2)]
    upload = SimpleUploadedFile(
        "people.csv", ("username;session;role\n" + "".join(f"{p.username};IMP-N;learner\n" for p in people)).encode()
    )
    url = reverse("admin:cursus_xblock_registration_import")
    page = admin_client.post(url, {"file": upload}).content.decode()
    assert 'name="silent"' in page
    token = re.search(r'name="token" value="([^"]+)"', page).group(1)
    data = {"token": token, "apply": "1"}
    if silent:
        data["silent"] = silent
    admin_client.post(url, data)
    assert Registration.objects.filter(session=session).count() == 2
    assert len(_send()) == expected
