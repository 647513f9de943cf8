"""A standalone host that loads cursus_xblock the way the Open edX LMS loads its plugins.

The LMS never lists plugin apps by hand: it asks edx-django-utils for the apps registered under
the ``lms.djangoapp`` entry point, lets each add its settings (``add_plugins``) and mounts their
URLs (``get_plugin_url_patterns``). So does this project.
"""

import os
from pathlib import Path

from edx_django_utils.plugins import add_plugins, get_plugin_apps

from cursus_xblock.db import sqlite_database

# The learners' sign-in and the XBlock workbench (LOGIN_URL, WORKBENCH …).
from .workbench_settings import EXCLUDED_XBLOCKS, LOGIN_REDIRECT_URL, LOGIN_URL, WORKBENCH  # noqa: F401

BASE_DIR = Path(__file__).resolve().parent.parent
PROJECT_TYPE = "lms.djangoapp"

SECRET_KEY = "demo-only-not-secret"  # noqa: S105 — a local demo, never deployed
DEBUG = True
ALLOWED_HOSTS = ["localhost", "127.0.0.1", "[::1]"]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "demo_host",
    *get_plugin_apps(PROJECT_TYPE),
    "workbench",  # the XBlock SDK's workbench, at /workbench/ (see workbench_urls.py)
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # The request's user for the XBlock outside the LMS: in the workbench, the viewer is who signed in.
    "crum.CurrentRequestUserMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # A database lock held past the timeout: a 503 saying "try again", not a 500.
    "cursus_xblock.web.middleware.DatabaseBusyMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "demo_host.urls"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
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
WSGI_APPLICATION = "demo_host.wsgi.application"

# DEMO_DB_PATH: another SQLite file (tests/test_demo.py seeds a throwaway one). Concurrent writers
# wait for each other (BEGIN IMMEDIATE and a busy timeout) instead of failing "database is locked".
DATABASES = {"default": sqlite_database(os.environ.get("DEMO_DB_PATH", BASE_DIR / "db.sqlite3"))}

LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("fr", "Français")]
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
MEDIA_ROOT = os.environ.get("DEMO_MEDIA_ROOT", BASE_DIR / "media")
MEDIA_URL = "/media/"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
add_plugins(__name__, PROJECT_TYPE, "common")
CURSUS_SITE_URL = "http://127.0.0.1:8000"
