"""The LMS and Studio load the plugin the way edx-platform does, each in a fresh process.

``tests/test_plugin.py`` checks the entry points and URL patterns for both; here a whole host is
started for each project type, as ``lms/envs`` and ``cms/envs`` do with edx-django-utils:
installed apps from the entry points, plugin settings added (defaults kept, operator values
untouched), URLs mounted and answering, and the platform receivers connected, the retirement one
only where edx-platform provides its signal.
"""

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

HOST = textwrap.dedent(
    """
    import importlib.util, json, os, sys, types
    from importlib.machinery import ModuleSpec

    PROJECT, WITH_RETIREMENT = sys.argv[1], sys.argv[2] == "yes"
    if WITH_RETIREMENT:  # edx-platform's accounts signals module (its test double)
        name = "openedx.core.djangoapps.user_api.accounts.signals"
        parts = name.split(".")
        for i in range(1, len(parts)):
            package = types.ModuleType(".".join(parts[:i]))
            package.__path__, package.__spec__ = [], ModuleSpec(package.__name__, None, is_package=True)
            sys.modules[package.__name__] = package
        spec = importlib.util.spec_from_file_location(name, "tests/openedx/edx_platform_double/accounts_signals.py")
        sys.modules[name] = module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)

    from edx_django_utils.plugins import add_plugins, get_plugin_apps, get_plugin_url_patterns

    settings = types.ModuleType("host_settings")
    settings.__dict__.update(
        SECRET_KEY="host",
        ALLOWED_HOSTS=["*"],
        ROOT_URLCONF="host_urls",
        INSTALLED_APPS=[
            "django.contrib.admin",
            "django.contrib.auth",
            "django.contrib.contenttypes",
            "django.contrib.sessions",
            "django.contrib.messages",
            "django.contrib.staticfiles",
            *get_plugin_apps(PROJECT),
        ],
        MIDDLEWARE=[
            "django.contrib.sessions.middleware.SessionMiddleware",
            "django.contrib.auth.middleware.AuthenticationMiddleware",
            "django.contrib.messages.middleware.MessageMiddleware",
        ],
        TEMPLATES=[{"BACKEND": "django.template.backends.django.DjangoTemplates", "APP_DIRS": True}],
        DATABASES={"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}},
        USE_TZ=True,
        STATIC_URL="/static/",
        CURSUS_UNENROLLMENT_POLICY="flag",  # the operator's choice
    )
    sys.modules["host_settings"] = settings
    for settings_type in ("common", "production"):  # what lms/envs/production.py does
        add_plugins("host_settings", PROJECT, settings_type)
    sys.modules["host_urls"] = urls = types.ModuleType("host_urls")
    os.environ["DJANGO_SETTINGS_MODULE"] = "host_settings"

    import django

    django.setup()
    urls.urlpatterns = get_plugin_url_patterns(PROJECT)

    from django.apps import apps
    from django.conf import settings as conf
    from django.test import Client
    from openedx_events.learning.signals import COURSE_UNENROLLMENT_COMPLETED

    from cursus_xblock.openedx import receivers

    def connected(signal, uid):  # (a throwaway process: finding out by disconnecting is fine)
        return signal.disconnect(dispatch_uid=uid)

    retirement = sys.modules.get("openedx.core.djangoapps.user_api.accounts.signals")
    print(json.dumps({
        "installed": apps.is_installed("cursus_xblock"),
        "health": Client().get("/cursus/health/").status_code,
        "mode": conf.CURSUS_ENROLLMENT_MODE,
        "policy": conf.CURSUS_UNENROLLMENT_POLICY,
        "unenrollment": connected(COURSE_UNENROLLMENT_COMPLETED, receivers._UNENROLLMENT_UID),
        "retirement": bool(retirement) and connected(retirement.USER_RETIRE_LMS_MISC, receivers._RETIREMENT_UID),
    }))
    """
)


def _host(project_type, with_retirement):
    result = subprocess.run(
        [sys.executable, "-c", HOST, project_type, "yes" if with_retirement else "no"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("project_type", ["lms.djangoapp", "cms.djangoapp"])
def test_the_host_loads_the_plugin_with_its_defaults_urls_and_receivers(project_type):
    assert _host(project_type, with_retirement=True) == {
        "installed": True,
        "health": 200,
        "mode": "audit",
        "policy": "flag",
        "unenrollment": True,
        "retirement": True,
    }


def test_without_the_platforms_retirement_signal_there_is_nothing_to_connect_to():
    loaded = _host("lms.djangoapp", with_retirement=False)
    assert (loaded["unenrollment"], loaded["retirement"]) == (True, False)
