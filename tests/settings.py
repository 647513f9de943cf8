"""The test host: like the demo, it loads the plugin through edx-django-utils' entry points.

The database is SQLite unless ``CURSUS_TEST_DB`` names a server (``postgresql`` or ``mariadb``);
then ``tests/conftest.py`` starts a throwaway server and fills in ``DATABASES['default']``.
"""

import os
import tempfile
from pathlib import Path

from edx_django_utils.plugins import add_plugins, get_plugin_apps

from cursus_xblock.db import sqlite_database

# The learners' sign-in and the XBlock workbench (LOGIN_URL, WORKBENCH …), as in the demo.
from demo.demo_host.workbench_settings import EXCLUDED_XBLOCKS, LOGIN_REDIRECT_URL, LOGIN_URL, WORKBENCH  # noqa: F401

PROJECT_TYPE = "lms.djangoapp"
SECRET_KEY = "tests-only"  # noqa: S105
DEBUG = False
ALLOWED_HOSTS = ["*"]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    *get_plugin_apps(PROJECT_TYPE),
    "workbench",  # the XBlock SDK's workbench, at /workbench/ as in the demo
]
MIDDLEWARE = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "crum.CurrentRequestUserMiddleware",  # the XBlock's viewer outside the LMS, as in the demo
    "django.contrib.messages.middleware.MessageMiddleware",
    "cursus_xblock.web.middleware.DatabaseBusyMiddleware",  # a lock past the timeout: 503, not 500
]
ROOT_URLCONF = "tests.urls"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        # The demo's workbench pages (its signed-in line, title and language), as the demo shows them.
        "DIRS": [Path(__file__).resolve().parents[1] / "demo" / "demo_host" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

TEST_DB = os.environ.get("CURSUS_TEST_DB", "sqlite")
DATABASES = {
    # A file, not Django's shared in-memory test database: with the latter, the live server's
    # threads and the test body all use one connection, which breaks when the browser makes two
    # requests at once (a dialog's preview while its download is posted). With a file, each
    # thread has its own connection, as in production. One file per run (process). Concurrent
    # writers wait for each other (BEGIN IMMEDIATE, busy timeout), as docs/operators.md advises hosts.
    "default": sqlite_database(
        TEST={"NAME": os.path.join(tempfile.gettempdir(), f"cursus-tests-{os.getpid()}.sqlite3")}
    )
}
# Started here, before Django opens any connection; tests/conftest.py stops it at the end.
DB_SERVER = None
DB_SERVER_UNAVAILABLE = "needs a database server: set CURSUS_TEST_DB=postgresql or mariadb (`make test` runs both)"
if TEST_DB != "sqlite":
    from tests import dbservers

    starters = {"postgresql": dbservers.start_postgresql, "mariadb": dbservers.start_mariadb}
    if TEST_DB not in starters:
        raise ValueError(f"CURSUS_TEST_DB={TEST_DB!r}: expected sqlite, postgresql or mariadb")
    try:
        DB_SERVER = starters[TEST_DB]()
    except dbservers.ServerUnavailable as exc:
        DB_SERVER_UNAVAILABLE = f"no {TEST_DB} server: {exc}"
    else:
        DATABASES = {"default": DB_SERVER.databases_entry}

LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("fr", "Français")]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True
STATIC_URL = "/static/"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
add_plugins(__name__, PROJECT_TYPE, "common")
add_plugins(__name__, PROJECT_TYPE, "test")
