"""The wheel an operator installs carries everything the app needs at run time."""

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _tracked_files():
    out = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    return [line for line in out.splitlines() if line]


def test_wheel_ships_code_migrations_templates_static_locale_and_entry_points(tmp_path):
    source = tmp_path / "src"
    for name in _tracked_files():
        if (ROOT / name).is_file():
            (source / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, source / name)
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
