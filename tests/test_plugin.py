"""The Open edX plugin contract, through edx-django-utils' real functions, and the app's settings."""

import sys
import types

import pytest
from django.core.checks import run_checks
from django.core.management import call_command
from django.test import override_settings
from django.urls import reverse
from edx_django_utils.plugins import add_plugins, get_plugin_apps, get_plugin_url_patterns

from cursus_xblock.backends import get_backend
from cursus_xblock.backends.groups import GroupsWorkspaceBackend, group_name
from cursus_xblock.conf import DEFAULTS
from cursus_xblock.conf import settings as cursus_settings


@pytest.mark.parametrize("project_type", ["lms.djangoapp", "cms.djangoapp"])
def test_the_app_is_found_through_its_entry_point(project_type):
    assert "cursus_xblock.apps.CursusConfig" in get_plugin_apps(project_type)


@pytest.mark.parametrize("project_type", ["lms.djangoapp", "cms.djangoapp"])
def test_its_urls_are_mounted_under_cursus_with_their_namespace(project_type):
    (pattern,) = [p for p in get_plugin_url_patterns(project_type) if getattr(p, "namespace", "") == "cursus_xblock"]
    assert pattern.pattern.regex.pattern == "^cursus/"


def test_the_mounted_urls_resolve_and_answer(client):
    url = reverse("cursus_xblock:health")
    assert url == "/cursus/health/"
    response = client.get(url)
    assert response.status_code == 200
    assert response.json()["app"] == "cursus_xblock"
    assert client.post(url).status_code == 405


@pytest.mark.parametrize("settings_type", ["common", "production", "test"])
def test_plugin_settings_add_defaults_without_overwriting_the_hosts(settings_type):
    host = types.ModuleType("fake_lms_settings")
    host.CURSUS_PROMOTE_AFTER_START = True  # the operator's choice
    sys.modules[host.__name__] = host
    try:
        add_plugins(host.__name__, "lms.djangoapp", settings_type)
    finally:
        del sys.modules[host.__name__]
    assert host.CURSUS_PROMOTE_AFTER_START is True
    assert host.CURSUS_WORKSPACE_ROLES == DEFAULTS["WORKSPACE_ROLES"]
    assert host.CURSUS_WORKSPACE_ROLES is not DEFAULTS["WORKSPACE_ROLES"]  # a copy, safe to mutate


def test_settings_are_read_lazily_and_follow_override_settings():
    assert cursus_settings.GROUP_NAME_TEMPLATE == "cursus:{workspace}:{role}"
    with override_settings(CURSUS_GROUP_NAME_TEMPLATE="{role} of {workspace}"):
        assert cursus_settings.GROUP_NAME_TEMPLATE == "{role} of {workspace}"
        assert group_name("course-v1:A+B+C", "manager") == "manager of course-v1:A+B+C"
    assert cursus_settings.GROUP_NAME_TEMPLATE == "cursus:{workspace}:{role}"
    with pytest.raises(AttributeError):
        cursus_settings.NOT_A_SETTING  # noqa: B018


def test_long_workspace_keys_still_make_distinct_valid_group_names():
    first = group_name("course-v1:" + "A" * 200 + "+1", "collaborator")
    second = group_name("course-v1:" + "A" * 200 + "+2", "collaborator")
    assert first != second
    assert len(first) <= 150


def test_outside_edx_platform_the_groups_backend_is_the_default():
    assert isinstance(get_backend(), GroupsWorkspaceBackend)


def test_a_backend_path_that_does_not_import_fails_the_system_check():
    with override_settings(CURSUS_WORKSPACE_BACKEND="nowhere.Backend"):
        errors = [e for e in run_checks() if e.id.startswith("cursus_xblock")]
    assert [e.id for e in errors] == ["cursus_xblock.E001"]
    assert "nowhere.Backend" in errors[0].msg


def test_roles_setting_must_cover_both_registration_roles():
    with override_settings(CURSUS_WORKSPACE_ROLES={"learner": "collaborator"}):
        errors = [e for e in run_checks() if e.id.startswith("cursus_xblock")]
    assert [e.id for e in errors] == ["cursus_xblock.E002"]


@pytest.mark.django_db
def test_manage_py_check_and_migrations_are_clean():
    call_command("check", fail_level="WARNING")
    call_command("makemigrations", "cursus_xblock", check=True, dry_run=True, verbosity=0)
