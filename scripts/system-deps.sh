#!/usr/bin/env bash
# Installs the Debian packages the test suite needs that this machine lacks: MariaDB (server and
# client headers, for mysqlclient), PostgreSQL, Redis (a Celery broker), Chromium (driven by Playwright in tests/browser;
# Playwright never downloads a browser here) with a font for readable screenshots, and the
# libraries WeasyPrint loads to render PDFs (Pango, HarfBuzz subset). Needs root (or sudo);
# otherwise says what is missing and goes on: the tests that need a server or the browser then
# skip (or fail under CI=true), the PDF tests fail.
set -euo pipefail

# `system-deps.sh demo`: only what the demo needs (WeasyPrint's libraries); no argument: the tests' too.
target=${1:-test}
need=()
if [ "$target" = test ]; then
  command -v mariadbd >/dev/null 2>&1 || [ -x /usr/sbin/mariadbd ] || need+=(mariadb-server)
  { command -v mariadb_config >/dev/null 2>&1 || command -v mysql_config >/dev/null 2>&1; } || need+=(libmariadb-dev)
  command -v pkg-config >/dev/null 2>&1 || need+=(pkg-config)
  if ! command -v initdb >/dev/null 2>&1 && ! compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null; then
    need+=(postgresql)
  fi
  command -v gcc >/dev/null 2>&1 || need+=(gcc)
  # tests/documents/test_batch_worker.py: a real Celery broker (tests/brokers.py starts a throwaway one).
  command -v redis-server >/dev/null 2>&1 || [ -x /usr/bin/redis-server ] || need+=(redis-server)
  # tests/archival.py: every issued PDF passes `qpdf --check`.
  command -v qpdf >/dev/null 2>&1 || need+=(qpdf)
  # tests/browser: Playwright drives this Chromium; DejaVu makes its screenshots readable.
  command -v chromium >/dev/null 2>&1 || [ -x /usr/bin/chromium ] || need+=(chromium)
  [ -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || need+=(fonts-dejavu-core)
fi
# WeasyPrint (documents/render.py) opens these with dlopen. Read the cache once: `ldconfig -p | grep -q`
# can fail under pipefail (SIGPIPE to ldconfig) when grep stops reading early.
libs="$({ command -v ldconfig >/dev/null 2>&1 && ldconfig -p; } || /sbin/ldconfig -p 2>/dev/null || true)"
grep -q 'libpango-1\.0\.so\.0' <<<"$libs" || need+=(libpango-1.0-0)
grep -q 'libpangoft2-1\.0\.so\.0' <<<"$libs" || need+=(libpangoft2-1.0-0)
grep -q 'libharfbuzz-subset\.so\.0' <<<"$libs" || need+=(libharfbuzz-subset0)

if [ ${#need[@]} -eq 0 ]; then
  exit 0
fi
if [ "$(id -u)" -eq 0 ]; then
  SUDO=""
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  SUDO="sudo"
else
  echo "system-deps: missing ${need[*]} and no root: install them to run the database, browser and PDF tests." >&2
  exit 0
fi
echo "system-deps: installing ${need[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# The packages' own services are not needed (the tests start throwaway servers): don't start them.
$SUDO env RUNLEVEL=1 apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
