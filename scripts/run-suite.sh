#!/usr/bin/env bash
# scripts/run-suite.sh VENV [pytest args]: the suite on SQLite, then on PostgreSQL, then on MariaDB.
set -euo pipefail
venv=$1; shift
cd "$(dirname "$0")/.."
"$venv/bin/python" -c 'import django, sys; print(f"== Django {django.get_version()} on Python {sys.version.split()[0]}")'
status=0
echo "-- SQLite"
"$venv/bin/pytest" -m "not db_server" "$@" || status=1
for db in postgresql mariadb; do
  echo "-- $db"
  CURSUS_TEST_DB=$db "$venv/bin/pytest" -m "not browser" "$@" || status=1
done
exit $status
