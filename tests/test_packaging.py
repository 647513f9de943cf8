"""The wheel an operator installs carries everything the app needs at run time, builds and installs
as a release would, and the test jobs run on the LMS's own versions."""

import importlib.metadata
import re
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

import cursus_xblock

from .conftest import IN_CI

ROOT = Path(__file__).resolve().parent.parent


def _tracked_files():
    out = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    return [line for line in out.splitlines() if line]


def _copy_tracked(tmp_path):
    """The repository's tracked files (what a clean checkout has, no build/ nor egg-info)."""
    source = tmp_path / "src"
    for name in _tracked_files():
        if (ROOT / name).is_file():
            (source / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, source / name)
    return source


def test_wheel_ships_code_migrations_templates_static_locale_and_entry_points(tmp_path):
    source = _copy_tracked(tmp_path)
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "-q",
            "--no-deps",
            "--no-build-isolation",
            "-w",
            str(tmp_path),
            str(source),
        ],
        check=True,
        capture_output=True,
    )
    (wheel,) = tmp_path.glob("cursus_xblock-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())

    package_files = {name for name in _tracked_files() if name.startswith("cursus_xblock/") and (ROOT / name).is_file()}
    assert package_files - names == set()
    assert "cursus_xblock/migrations/0001_initial.py" in names
    assert "cursus_xblock/locale/fr/LC_MESSAGES/django.mo" in names
    assert any(name.startswith("cursus_xblock/templates/") for name in names)
    assert not any(name.startswith(("tests/", "demo/", "benchmarks/")) for name in names)
    (entry_points,) = [n for n in names if n.endswith(".dist-info/entry_points.txt")]
    text = zipfile.ZipFile(wheel).read(entry_points).decode()
    assert "[lms.djangoapp]" in text and "[cms.djangoapp]" in text
    assert "cursus_xblock = cursus_xblock.apps:CursusConfig" in text


def _normalize(name):
    return re.sub(r"[-_.]+", "-", name).lower()


def test_issue11_every_package_the_lms_pins_is_at_the_lms_version():
    """scripts/venv.sh installs a test job under the LMS's pins (requirements/constraints/) and keeps
    what it used in the virtualenv: each of those packages that is installed must be at exactly the
    LMS's version, so that our tests exercise what the platform runs."""
    constraints = Path(sys.prefix) / "cursus-requirements" / "constraints.txt"
    if not constraints.exists():
        message = f"{sys.prefix} was not made by scripts/venv.sh from a target with the LMS's pins"
        if IN_CI:
            pytest.fail(f"CI=true, so this cannot be skipped: {message}")
        pytest.skip(message)
    pins = {}
    for line in constraints.read_text(encoding="utf-8").splitlines():
        requirement = line.split("#", 1)[0].split(";", 1)[0].strip()
        if requirement:
            name, version = requirement.split("==")
            pins[_normalize(name)] = version
    installed = {_normalize(dist.metadata["Name"]): dist.version for dist in importlib.metadata.distributions()}

    assert {
        name: (installed[name], pins[name]) for name in pins.keys() & installed.keys() if installed[name] != pins[name]
    } == {}
    # The packages the plugin uses that the LMS pins, and the one that forced WeasyPrint 66.
    for name in ("django", "djangorestframework", "drf-spectacular", "icalendar", "tinycss2", "xblock"):
        assert name in pins and name in installed, name


def test_issue11_the_distribution_builds_passes_twine_and_installs_into_a_clean_venv(tmp_path):
    """``python -m build`` (the sdist, then the wheel from the sdist, as a release is made), ``twine
    check``, then the wheel alone in a new virtualenv whose entry points load.

    Kept to seconds rather than minutes, without the network: no build isolation (this venv's
    setuptools and wheel build it); the new venv is made without pip and gets the wheel through this
    venv's pip (``--python``, ``--no-deps``); a ``.pth`` file puts this venv's site-packages after its
    own, so the dependencies import without being installed again. cursus_xblock itself can only
    come from the wheel: the working copy's editable install is a ``.pth`` file in this venv's
    site-packages, and ``.pth`` files in a folder added by a ``.pth`` line are not run.
    """
    source = _copy_tracked(tmp_path)
    dist = tmp_path / "dist"
    subprocess.run(
        [sys.executable, "-m", "build", "--no-isolation", "--outdir", str(dist), str(source)],
        check=True,
        capture_output=True,
    )
    version = cursus_xblock.__version__
    (sdist,) = dist.glob(f"cursus_xblock-{version}.tar.gz")
    (wheel,) = dist.glob(f"cursus_xblock-{version}-py3-none-any.whl")
    check = subprocess.run(
        [sys.executable, "-m", "twine", "check", "--strict", str(sdist), str(wheel)], capture_output=True, text=True
    )
    assert check.returncode == 0, check.stdout + check.stderr

    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "-q", "--no-deps", "--no-index", str(wheel)],
        check=True,
        capture_output=True,
    )
    site_packages = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    (Path(site_packages) / "test-venv-packages.pth").write_text(sysconfig.get_path("purelib") + "\n")
    code = """
import importlib.metadata as md, django
from django.conf import settings
settings.configure(
    INSTALLED_APPS=[
        "django.contrib.admin", "django.contrib.auth", "django.contrib.contenttypes",
        "django.contrib.sessions", "django.contrib.messages", "cursus_xblock",
    ],
    DATABASES={"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}},
)
django.setup()
import cursus_xblock
print(cursus_xblock.__file__)
print(md.version("cursus-xblock"))
for group in ("lms.djangoapp", "cms.djangoapp", "xblock.v1"):
    (entry_point,) = [ep for ep in md.entry_points(group=group) if ep.value.startswith("cursus_xblock.")]
    print(group, entry_point.name, entry_point.load().__name__)
"""
    # -I: no PYTHONPATH, no current folder on the path (the working copy is not reachable).
    result = subprocess.run([str(python), "-I", "-c", code], cwd=tmp_path, capture_output=True, text=True)

    assert result.returncode == 0, result.stderr
    module_file, installed_version, *entry_points = result.stdout.splitlines()
    assert module_file.startswith(site_packages + "/cursus_xblock/")
    assert installed_version == version
    assert entry_points == [
        "lms.djangoapp cursus_xblock CursusConfig",
        "cms.djangoapp cursus_xblock CursusConfig",
        "xblock.v1 cursus CursusXBlock",
    ]
