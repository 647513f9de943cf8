#!/usr/bin/env bash
# scripts/venv.sh DIR REQUIREMENTS [PYTHON...]: make (or refresh) a virtualenv with the pinned
# requirements and this package installed in editable mode. Re-installs only when the
# requirement files or setup.py changed since the last time (a stamp file records their hash).
# A requirement file's `-c constraints/….txt` (the LMS's pins) wins over our own pins: see
# scripts/requirements.py. DIR/cursus-requirements/ keeps what was installed from, which
# tests/test_packaging.py reads to check that every constrained package is at the LMS's version.
set -euo pipefail
dir=$1; req=$2; shift 2
cd "$(dirname "$0")/.."

# A wanted name (python3.12) may be a pyenv shim that is not active: look in pyenv's folder too.
candidates=()
for name in "$@" python3.11 python3.12 python3; do
  candidates+=("$name")
  for found in "${PYENV_ROOT:-$HOME/.pyenv}"/versions/"${name#python}"*/bin/"$name"; do
    [ -x "$found" ] && candidates+=("$found")
  done
done
python=""
for candidate in "${candidates[@]}"; do
  if command -v "$candidate" >/dev/null 2>&1 && "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
    python=$candidate; break
  fi
done
[ -n "$python" ] || { echo "Python 3.11 or newer is needed." >&2; exit 1; }

stamp="$dir/.cursus-stamp"
want=$(find requirements -name '*.txt' | sort | xargs cat setup.py scripts/requirements.py | sha256sum | cut -d' ' -f1)-$("$python" -c 'import sys; print(sys.version_info[:2])' | tr -d ' ')
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && [ -x "$dir/bin/python" ]; then
  exit 0
fi
echo "Setting up $dir with $("$python" --version) and $req …"
rm -rf "$dir"
"$python" -m venv "$dir"
"$python" scripts/requirements.py "$req" "$dir/cursus-requirements"
# setuptools and wheel are pinned by the LMS too: installed under the same constraints.
"$dir/bin/python" -m pip install -q --disable-pip-version-check -U pip
"$dir/bin/python" -m pip install -q --disable-pip-version-check -U setuptools wheel -c "$dir/cursus-requirements/constraints.txt"
"$dir/bin/python" -m pip install -q --disable-pip-version-check -r "$dir/cursus-requirements/requirements.txt"
"$dir/bin/python" -m pip install -q --disable-pip-version-check --no-deps -e .
echo "$want" > "$stamp"
