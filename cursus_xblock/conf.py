"""Settings of the app, read lazily with the ``CURSUS_`` prefix.

Modelled on django-filter's ``conf.py``: nothing is read when a module is imported, so
``override_settings`` works in tests and the host may set values after importing us.
``DEFAULTS`` doubles as the settings table of the README.
"""

from django.conf import settings as django_settings
from django.core.signals import setting_changed

PREFIX = "CURSUS_"

DEFAULTS = {
    # Dotted path of the workspace backend class (see cursus_xblock.backends). Empty: the Open edX
    # backend inside edx-platform (LMS, Studio), the Django-groups backend elsewhere.
    "WORKSPACE_BACKEND": "",
    # Workspace role given by each registration role (the seed: learner → collaborator,
    # trainer → manager).
    "WORKSPACE_ROLES": {"learner": "collaborator", "trainer": "manager"},
    # Name of the Django group the groups backend uses for a (workspace, role).
    "GROUP_NAME_TEMPLATE": "cursus:{workspace}:{role}",
    # Promote waiting learners after the session has started (off: a late seat stays empty).
    "PROMOTE_AFTER_START": False,
    # Minimum attendance rate (percent of the hours of the person's events) for a certificate, unless
    # the course or the session sets its own.
    "CERTIFICATE_MIN_ATTENDANCE": 0,
    # Replace or add document generators: {kind: "dotted.path.Generator"} (after entry points).
    "DOCUMENT_GENERATORS": {},
    # Logo printed on documents: a path inside cursus_xblock/static/ or a data: URL; empty: none.
    "DOCUMENT_LOGO": "",
    # PDF variant of issued documents, for archiving: "pdf/a-3b" (default), "pdf/a-2b", "pdf/ua-1", or
    # "" for a plain PDF. Documents are tagged for accessibility (structure, reading order) whatever it is.
    "PDF_VARIANT": "pdf/a-3b",
    # Name printed on documents; empty: the host's PLATFORM_NAME (Open edX), else "Cursus".
    "PLATFORM_NAME": "",
    # Absolute root of verification links (https://lms.example.org); empty: the host's
    # LMS_ROOT_URL (Open edX), else http://localhost:8000.
    "SITE_URL": "",
    # Build bulk documents in a Celery task: None = when Celery is installed and the host has a
    # broker (CELERY_BROKER_URL or BROKER_URL, as Open edX does); True/False to force.
    "USE_CELERY": None,
    # A queued or running document batch with no progress for this many minutes lost its worker or
    # its message: the admin may resume it and a redelivered task takes it over.
    "BATCH_STALE_MINUTES": 10,
    # PDFs a document batch makes at once, each by its own worker process; None: one per core
    # (os.cpu_count()). 1: one at a time.
    "BATCH_PARALLEL_RENDERS": None,
    # Add the registrations button and pages to the host's user and group admins.
    "USER_ADMIN_HOOK": True,
    # Open edX: course mode of the enrollments a registration makes (an existing enrollment keeps its mode).
    "ENROLLMENT_MODE": "audit",
    # Open edX: let the LMS refuse enrollments in closed or full course runs (CourseEnrollment.enroll's
    # check_access). Off: the session's own rules decide, as when staff enroll someone.
    "ENROLLMENT_CHECK_ACCESS": False,
    # Open edX: the course role of trainers (workspace managers): "staff" or "instructor".
    "MANAGER_COURSE_ROLE": "staff",
    # Open edX: a learner unenrolled from the course run in the LMS (not by a registration change):
    # "cancel" their registrations in its sessions that have not ended (recorded in the history),
    # or "flag": only log a warning and leave them.
    "UNENROLLMENT_POLICY": "cancel",
    # Most characters a document or message template may produce (its output, and what its
    # filters, tags and loops produce along the way); past it the author is told it is too large.
    "TEMPLATE_MAX_SIZE": 2_000_000,
    # Most loop iterations (all {% for %} of one rendering together) a template may make.
    "TEMPLATE_MAX_ITERATIONS": 50_000,
    # Seconds a template may take to render, and its PDF to be made (by a worker process killed
    # when it overruns). 0: no limit, and WeasyPrint runs in the calling process.
    "RENDER_TIMEOUT": 30,
    # Largest import file (bytes), and most rows an import reads during a request; past them the
    # file is refused whole.
    "IMPORT_MAX_BYTES": 5_000_000,
    "IMPORT_MAX_ROWS": 10_000,
    # A file of more rows than this is dry-run and applied as a background job (ImportJob: Celery
    # when present, else during the request, chunk by chunk), followed on a progress page.
    "IMPORT_BACKGROUND_ROWS": 1_000,
    # Most rows a background import job reads (its file still within IMPORT_MAX_BYTES).
    "IMPORT_JOB_MAX_ROWS": 100_000,
    # Rows per chunk of a job (one transaction each; a session's rows are never split).
    "IMPORT_CHUNK_ROWS": 500,
    # Site default of each automatic notification, {trigger: False} to turn one off (a course, then
    # a session, may say otherwise in the admin). Triggers: registered, waiting, promoted, pending,
    # validated, refused, unregistered, unregistered_self, session_cancelled, details_changed,
    # reminder_session, reminder_event, registered_many. All on by default.
    "NOTIFICATIONS": {},
    # Attempts at sending one notification before it stays failed (retried 1, 2, 4 … minutes apart).
    "NOTIFICATION_MAX_ATTEMPTS": 6,
    # Remind each confirmed learner this many days before their session starts (0: no reminder).
    # Queued by cursus_send_notifications, which should run every minute.
    "REMINDER_DAYS_BEFORE_SESSION": 2,
    # Remind each learner registered in an event this many hours before it starts (0: no reminder).
    "REMINDER_HOURS_BEFORE_EVENT": 0,
}


class Settings:
    """Reads ``CURSUS_<NAME>`` on first use, falls back to ``DEFAULTS``, and caches."""

    def __getattr__(self, name):
        if name not in DEFAULTS:
            raise AttributeError(f"Unknown cursus setting: {name}")
        value = getattr(django_settings, PREFIX + name, DEFAULTS[name])
        setattr(self, name, value)
        return value

    def change_setting(self, setting, value, enter, **kwargs):
        if not setting.startswith(PREFIX):
            return
        name = setting[len(PREFIX) :]
        if name in DEFAULTS:
            self.__dict__.pop(name, None)


settings = Settings()
setting_changed.connect(settings.change_setting)
