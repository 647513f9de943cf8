"""Inside Open edX, with a double of edx-platform's student app (see ``edx_platform_double``)."""

import pytest
from django.db import connection
from openedx_events.learning.signals import COURSE_ENROLLMENT_CREATED, COURSE_UNENROLLMENT_COMPLETED

from cursus_xblock.openedx import receivers

from . import edx_platform_double
from .edx_platform_double.student_models import CourseAccessRole, CourseEnrollment

OPENEDX_BACKEND = "cursus_xblock.backends.openedx.OpenEdxWorkspaceBackend"


@pytest.fixture(scope="session")
def edx_platform_tables(django_db_setup, django_db_blocker):
    """The platform's enrollment and course-role tables, in the test database, for the session."""
    with django_db_blocker.unblock():
        existing = set(connection.introspection.table_names())
        with connection.schema_editor() as editor:
            for model in (CourseEnrollment, CourseAccessRole):
                if model._meta.db_table not in existing:
                    editor.create_model(model)


@pytest.fixture
def edx_platform(edx_platform_tables, db):
    """edx-platform « is installed »: its modules import; receivers' errors are raised, not logged."""
    edx_platform_double.install()
    robust = COURSE_UNENROLLMENT_COMPLETED._allow_send_event_failure
    COURSE_UNENROLLMENT_COMPLETED.allow_send_event_failure()
    try:
        yield edx_platform_double
    finally:
        COURSE_UNENROLLMENT_COMPLETED._allow_send_event_failure = robust
        edx_platform_double.uninstall()


@pytest.fixture
def openedx_backend(edx_platform, settings):
    """The Open edX backend selected, its receivers connected as ``CursusConfig.ready`` does in the LMS."""
    settings.CURSUS_WORKSPACE_BACKEND = OPENEDX_BACKEND
    receivers.connect()
    signal = edx_platform_double.accounts_signals.USER_RETIRE_LMS_MISC
    try:
        yield edx_platform
    finally:
        signal.disconnect(dispatch_uid=receivers._RETIREMENT_UID)


@pytest.fixture
def enrollment():
    """The user's enrollment row in a course run (``None`` when never enrolled)."""

    def get(user, key):
        return CourseEnrollment.objects.filter(user_id=user.pk, course_id=str(key)).first()

    return get


@pytest.fixture
def course_role():
    """The course roles (``staff``, ``instructor``) the user holds on a course run."""

    def get(user, key):
        return set(CourseAccessRole.objects.filter(user_id=user.pk, course_id=str(key)).values_list("role", flat=True))

    return get


@pytest.fixture
def enrollment_events():
    """``(username, course key)`` of every ``COURSE_ENROLLMENT_CREATED`` the platform sends, in order."""
    sent = []

    def receive(signal, sender, enrollment, **kwargs):
        sent.append((enrollment.user.pii.username, str(enrollment.course.course_key)))

    COURSE_ENROLLMENT_CREATED.connect(receive, weak=False, dispatch_uid="tests.enrollment_events")
    try:
        yield sent
    finally:
        COURSE_ENROLLMENT_CREATED.disconnect(dispatch_uid="tests.enrollment_events")
