"""The Tutor plugin (tutor-contrib-cursus), through Tutor itself: `tutor config save` in a temporary root.

No Docker: only the rendered environment is checked, the Dockerfile and the LMS/Studio settings.
Without Tutor or the plugin installed these tests skip, saying what to install; under CI=true they fail.
"""

import os
import re
import subprocess
import sys
from importlib.metadata import entry_points
from pathlib import Path

import pytest

from ..conftest import IN_CI

TUTOR = Path(sys.executable).with_name("tutor")
PACKAGES = "libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core"
BACKEND = 'CURSUS_WORKSPACE_BACKEND = "cursus_xblock.backends.openedx.OpenEdxWorkspaceBackend"'
STEP = "cursus_xblock.openedx.filters.PreventSelfEnrollment"
FILTER = "org.openedx.learning.course.enrollment.started.v1"


def _missing():
    if not TUTOR.exists():
        return "Tutor is not installed in this virtualenv (it is pinned in requirements/test.txt)"
    if "cursus" not in {ep.name for ep in entry_points(group="tutor.plugin.v1")}:
        return "tutor-contrib-cursus is not installed (pip install -e ./tutor-contrib-cursus)"
    return ""


@pytest.fixture(scope="module")
def render(tmp_path_factory):
    """``render(*settings)``: enable the plugin and save the configuration in a fresh Tutor root."""
    missing = _missing()
    if missing:
        if IN_CI:
            pytest.fail(f"CI=true, so this cannot be skipped: {missing}")
        pytest.skip(missing)

    def run(*settings):
        root = tmp_path_factory.mktemp("tutor")
        env = {**os.environ, "TUTOR_ROOT": str(root), "TUTOR_PLUGINS_ROOT": str(root / "plugins")}
        sets = [arg for setting in settings for arg in ("--set", setting)]
        for command in (["plugins", "enable", "cursus"], ["config", "save", *sets]):
            result = subprocess.run([str(TUTOR), *command], env=env, capture_output=True, text=True, timeout=120)
            assert result.returncode == 0, result.stdout + result.stderr
        return root / "env"

    return run


@pytest.fixture(scope="module")
def default_env(render):
    return render("LMS_HOST=lms.example.org", "ENABLE_HTTPS=true")


def _stage(dockerfile, name):
    """The instructions of one build stage (``FROM … AS name`` up to the next ``FROM``)."""
    match = re.search(rf"^FROM \S+ AS {re.escape(name)}\n(.*?)(?=^FROM )", dockerfile, re.M | re.S)
    assert match, f"no stage {name}"
    return match.group(1)


def _settings(env, service):
    return (env / "apps" / "openedx" / "settings" / service / "production.py").read_text()


def test_the_image_gets_weasyprint_libraries_in_the_minimal_stage(default_env):
    minimal = _stage((default_env / "build" / "openedx" / "Dockerfile").read_text(), "minimal")
    assert f"apt install -y --no-install-recommends {PACKAGES}" in minimal


def test_issue11_by_default_the_build_stops_and_says_how_to_install(default_env):
    """Nothing named cursus-xblock is on the package index: the default installs nothing from it."""
    requirements = _stage((default_env / "build" / "openedx" / "Dockerfile").read_text(), "python-requirements")
    assert "install 'cursus-xblock'" not in requirements
    assert "tutor mounts add /path/to/cursus-xblock' or set CURSUS_PIP_REQUIREMENT" in requirements
    assert "exit 1" in requirements


def test_a_mounted_working_copy_is_installed_by_tutor(render, tmp_path):
    checkout = tmp_path / "cursus-xblock"
    checkout.mkdir()
    dockerfile = (render(f'MOUNTS=["{checkout}"]') / "build" / "openedx" / "Dockerfile").read_text()
    assert "exit 1" not in _stage(dockerfile, "python-requirements")
    assert 'install -e "/mnt/cursus-xblock"' in dockerfile


def test_the_image_gets_the_requirement_given(render):
    url = "git+https://git.example.org/training/cursus-xblock.git@v0.2.0"
    requirements = _stage(
        (render(f"CURSUS_PIP_REQUIREMENT={url}") / "build" / "openedx" / "Dockerfile").read_text(),
        "python-requirements",
    )
    assert f"${{PIP_COMMAND:-pip}} install '{url}'" in requirements and "exit 1" not in requirements


def test_an_operators_own_requirements_and_pin_are_kept(render):
    env = render('OPENEDX_EXTRA_PIP_REQUIREMENTS=["django-extensions"]', "CURSUS_PIP_REQUIREMENT=cursus-xblock==0.1.0")
    dockerfile = (env / "build" / "openedx" / "Dockerfile").read_text()
    assert "install 'cursus-xblock==0.1.0'" in dockerfile
    assert "install 'django-extensions'" in dockerfile


@pytest.mark.parametrize("service", ["lms", "cms"])
def test_lms_and_studio_settings_select_the_backend_and_the_site(default_env, service):
    settings = _settings(default_env, service)
    assert BACKEND in settings
    assert 'CURSUS_SITE_URL = "https://lms.example.org"' in settings
    compile(settings, f"{service}/production.py", "exec")  # valid Python (it imports edx-platform: not run)


@pytest.mark.parametrize("service", ["lms", "cms"])
def test_issue11_under_tutor_dev_the_verification_links_carry_the_lms_port(default_env, service):
    settings = (default_env / "apps" / "openedx" / "settings" / service / "development.py").read_text()
    assert 'LMS_BASE = "lms.example.org:8000"' in settings
    assert settings.index("CURSUS_SITE_URL = LMS_ROOT_URL") > settings.index("LMS_ROOT_URL =")


def test_the_self_enrollment_filter_is_off_by_default(default_env):
    assert STEP not in _settings(default_env, "lms")


def test_the_self_enrollment_filter_joins_the_existing_filter_configuration(render):
    settings = _settings(render("CURSUS_PREVENT_SELF_ENROLLMENT=true"), "lms")
    block = re.search(r"^# --- cursus-xblock: self-enrollment filter\n(.*?)^# --- end", settings, re.M | re.S).group(1)
    namespace = {"OPEN_EDX_FILTERS_CONFIG": {FILTER: {"fail_silently": True, "pipeline": ["other.Step"]}}}

    exec(block, namespace)  # noqa: S102 (our own rendered settings)
    exec(block, namespace)  # noqa: S102 (twice: still once in the pipeline)

    assert namespace["OPEN_EDX_FILTERS_CONFIG"] == {FILTER: {"fail_silently": True, "pipeline": ["other.Step", STEP]}}
    fresh = {}
    exec(block, fresh)  # noqa: S102
    assert fresh["OPEN_EDX_FILTERS_CONFIG"] == {FILTER: {"fail_silently": False, "pipeline": [STEP]}}
