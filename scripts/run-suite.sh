#!/usr/bin/env bash
# scripts/run-suite.sh VENV [pytest args]: the whole suite on SQLite, then the tests about the
# database (marked `database` or `db_server`, see tests/conftest.py) on PostgreSQL and on MariaDB.
# Each pass prints its duration. CURSUS_SERVER_TESTS=all runs the whole suite on the servers too.
set -euo pipefail
venv=$1; shift
cd "$(dirname "$0")/.."
"$venv/bin/python" -c 'import django, sys; print(f"== Django {django.get_version()} on Python {sys.version.split()[0]}")'
status=0
server_marks="(database or db_server) and not browser"
if [ "${CURSUS_SERVER_TESTS:-}" = all ]; then server_marks="not browser"; fi
pass() {  # pass LABEL MARKS [env…]: one pytest run, timed
  local label=$1 marks=$2 start=$SECONDS; shift 2
  echo "-- $label"
  env "$@" "$venv/bin/pytest" -m "$marks" "${args[@]}" || status=1
  echo "-- $label: $((SECONDS - start)) s"
}
args=("$@")
total=$SECONDS
pass "SQLite (everything)" "not db_server"
for db in postgresql mariadb; do
  pass "$db ($server_marks)" "$server_marks" CURSUS_TEST_DB=$db
done
echo "== Django suite: $((SECONDS - total)) s"
exit $status
