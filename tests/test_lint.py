"""The code stays lint-clean and formatted (ruff, configured in ruff.toml)."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
TARGETS = ["cursus_xblock", "tests", "benchmarks", "demo", "setup.py", "tutor-contrib-cursus"]


def _ruff():
    found = Path(sys.executable).with_name("ruff")
    return str(found) if found.exists() else shutil.which("ruff")


@pytest.mark.parametrize("command", [["check"], ["format", "--check"]])
def test_ruff(command):
    ruff = _ruff()
    assert ruff, "ruff is missing: it is pinned in requirements/test.txt"
    result = subprocess.run([ruff, *command, *TARGETS], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
