"""The demo host, run for real: migrate, check, and ``seed_demo`` twice on a throwaway SQLite file.

Each step is a subprocess of the demo's own ``manage.py`` (demo settings, not the test ones); the
database file is chosen with ``DEMO_DB_PATH`` and read afterwards with ``sqlite3``.
"""

import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from xml.etree import ElementTree

import pytest

from cursus_xblock.xblock.block import CursusXBlock

DEMO_DIR = Path(__file__).resolve().parent.parent / "demo"
ADMIN_LINE = "Admin login: admin / admin"
LEARNER_LINE = "Learner login: apprenant / apprenant (at /accounts/login/, then /workbench/)"
FULL_SESSION = "SST-2026-02"
TABLES = [
    "auth_user",
    "auth_group",
    "auth_user_groups",
    "auth_user_user_permissions",
    "cursus_xblock_course",
    "cursus_xblock_session",
    "cursus_xblock_event",
    "cursus_xblock_registration",
    "cursus_xblock_eventregistration",
    "cursus_xblock_registrationhistory",
]


def _dump(db_path):
    """Every row of the database, as SQL text: equal dumps mean nothing was written."""
    with sqlite3.connect(db_path) as connection:
        return list(connection.iterdump())


def _counts(db_path):
    with sqlite3.connect(db_path) as connection:
        return {table: connection.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0] for table in TABLES}  # noqa: S608


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    db_path = tmp_path_factory.mktemp("demo") / "demo.sqlite3"
    env = {**os.environ, "DEMO_DB_PATH": str(db_path), "DEMO_MEDIA_ROOT": str(db_path.parent / "media")}
    env.pop("DJANGO_SETTINGS_MODULE", None)  # pytest-django sets tests.settings; the demo uses its own

    def manage(*args):
        result = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=DEMO_DIR,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert result.returncode == 0, f"manage.py {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}"
        return result.stdout

    began = time.monotonic()
    manage("migrate", "--run-syncdb", "--noinput", "-v", "0")  # as `make demo`: the workbench has no migrations
    check = manage("check")
    makemigrations = manage("makemigrations", "--check", "--dry-run")
    first = manage("seed_demo")
    counts_first, dump_first = _counts(db_path), _dump(db_path)
    second = manage("seed_demo")
    counts_second, dump_second = _counts(db_path), _dump(db_path)
    return {
        "db": db_path,
        "check": check,
        "makemigrations": makemigrations,
        "first": first,
        "second": second,
        "counts": (counts_first, counts_second),
        "dumps": (dump_first, dump_second),
        "seconds": time.monotonic() - began,
    }


def _query(demo, sql, *params):
    with sqlite3.connect(demo["db"]) as connection:
        return connection.execute(sql, params).fetchall()


def test_the_demo_project_is_sound(demo):
    assert "no issues" in demo["check"]
    assert "No changes detected" in demo["makemigrations"]


def test_the_demo_has_issued_documents_to_verify(demo):
    kinds = sorted(kind for (kind,) in _query(demo, "SELECT kind FROM cursus_xblock_issueddocument"))
    assert kinds == ["session_certificate", "session_invitation"]
    assert "/cursus/verify/" in demo["first"]
    assert "Issued documents: 2" in demo["second"]


def test_seeding_twice_changes_nothing(demo):
    counts_first, counts_second = demo["counts"]
    assert counts_first == counts_second
    assert counts_first["cursus_xblock_course"] >= 4
    assert counts_first["cursus_xblock_session"] >= 8
    assert counts_first["auth_user"] >= 40
    dump_first, dump_second = demo["dumps"]
    assert dump_first == dump_second  # not even a timestamp moved
    assert "already present: 0" in demo["first"]
    assert "Sessions seeded by this run: 0" in demo["second"]


def test_the_admin_login_is_printed_and_works(demo):
    for output in (demo["first"], demo["second"]):
        assert ADMIN_LINE in output.splitlines()
    ((is_superuser, is_staff, first_name),) = _query(
        demo, "SELECT is_superuser, is_staff, first_name FROM auth_user WHERE username = 'admin'"
    )
    assert (is_superuser, is_staff) == (1, 1)
    assert not first_name.isascii()


def test_the_training_manager_is_staff_with_cursus_permissions_only(demo):
    ((is_superuser, is_staff),) = _query(
        demo, "SELECT is_superuser, is_staff FROM auth_user WHERE username = 'gestionnaire'"
    )
    assert (is_superuser, is_staff) == (0, 1)
    permissions = _query(
        demo,
        """SELECT ct.app_label, p.codename FROM auth_user_user_permissions up
           JOIN auth_user u ON u.id = up.user_id
           JOIN auth_permission p ON p.id = up.permission_id
           JOIN django_content_type ct ON ct.id = p.content_type_id
           WHERE u.username = 'gestionnaire'""",
    )
    codenames = {codename for _app, codename in permissions}
    assert {app for app, _codename in permissions} == {"cursus_xblock"}
    assert {"manage_registrations", "change_session", "view_registrationhistory"} <= codenames
    assert not any(codename.startswith("delete_") for codename in codenames)


def test_the_full_session_has_six_confirmed_and_three_waiting(demo):
    rows = _query(
        demo,
        """SELECT r.status, r.waiting_order FROM cursus_xblock_registration r
           JOIN cursus_xblock_session s ON s.id = r.session_id
           WHERE s.code = ? AND r.role = 'learner'""",
        FULL_SESSION,
    )
    statuses = [status for status, _order in rows]
    assert (statuses.count("confirmed"), statuses.count("waiting"), len(rows)) == (6, 3, 9)
    ((capacity,),) = _query(demo, "SELECT capacity FROM cursus_xblock_session WHERE code = ?", FULL_SESSION)
    assert capacity == 6
    orders = [order for status, order in rows if status == "waiting"]
    assert None not in orders and len(set(orders)) == 3


def test_every_registration_has_its_history(demo):
    orphans = _query(
        demo,
        """SELECT COUNT(*) FROM cursus_xblock_registration r WHERE NOT EXISTS
           (SELECT 1 FROM cursus_xblock_registrationhistory h WHERE h.registration_id = r.id)""",
    )
    event_orphans = _query(
        demo,
        """SELECT COUNT(*) FROM cursus_xblock_eventregistration er WHERE NOT EXISTS
           (SELECT 1 FROM cursus_xblock_registrationhistory h WHERE h.event_registration_id = er.id)""",
    )
    assert orphans == event_orphans == [(0,)]


def test_the_admin_has_something_to_show(demo):
    statuses = dict(_query(demo, "SELECT status, COUNT(*) FROM cursus_xblock_registration GROUP BY status"))
    assert statuses.get("pending", 0) >= 1
    assert statuses.get("cancelled", 0) >= 1
    attendance = dict(
        _query(demo, "SELECT attendance, COUNT(*) FROM cursus_xblock_eventregistration GROUP BY attendance")
    )
    assert {"present", "absent_justified", "absent_unjustified"} <= set(attendance)
    reasons = [reason for (reason,) in _query(demo, "SELECT reason FROM cursus_xblock_registrationhistory")]
    assert "Données de démonstration" in reasons
    zones = {zone for (zone,) in _query(demo, "SELECT DISTINCT time_zone FROM cursus_xblock_session")}
    assert zones == {"Europe/Paris", "America/Montreal"}
    manual = _query(demo, "SELECT capacity FROM cursus_xblock_event WHERE registration_type = 'manual'")
    assert manual and all(capacity for (capacity,) in manual)


def test_names_carry_accents(demo):
    names = {f"{first} {last}" for first, last in _query(demo, "SELECT first_name, last_name FROM auth_user")}
    assert {"Éloïse Lefèvre", "Zoé Château", "Chloë Brontë"} <= names
    assert sum(not name.isascii() for name in names) >= 20
    usernames = [username for (username,) in _query(demo, "SELECT username FROM auth_user")]
    assert all(username.isascii() for username in usernames)
    titles = [title for (title,) in _query(demo, "SELECT title FROM cursus_xblock_course")]
    assert any(not title.isascii() for title in titles)


def test_a_learner_can_sign_in_for_the_workbench(demo):
    for output in (demo["first"], demo["second"]):
        assert LEARNER_LINE in output.splitlines()
    ((is_superuser, is_staff, is_active, password),) = _query(
        demo, "SELECT is_superuser, is_staff, is_active, password FROM auth_user WHERE username = 'apprenant'"
    )
    assert (is_superuser, is_staff, is_active) == (0, 0, 1)
    assert not password.startswith("!")  # a usable password, unlike the other demo people
    assert _query(demo, "SELECT COUNT(*) FROM workbench_xblockstate") == [(0,)]  # migrate --run-syncdb made it


def test_the_workbench_scenarios_show_seeded_courses(demo):
    seeded = {code for (code,) in _query(demo, "SELECT code FROM cursus_xblock_course")}
    for _description, xml in CursusXBlock.workbench_scenarios():
        assert ElementTree.fromstring(xml).get("course_code") in seeded


def test_two_organizations_and_a_manager_of_one(demo):
    courses = dict(
        _query(
            demo,
            """SELECT c.code, o.short_name FROM cursus_xblock_course c
               LEFT JOIN cursus_xblock_organization o ON o.id = c.organization_id""",
        )
    )
    assert set(courses.values()) == {"PREV", "RH"}
    roles = _query(
        demo,
        """SELECT o.short_name, u.is_staff FROM cursus_xblock_organizationmanager m
           JOIN cursus_xblock_organization o ON o.id = m.organization_id
           JOIN auth_user u ON u.id = m.user_id WHERE u.username = 'prevention'""",
    )
    assert roles == [("PREV", 1)]
    permissions = _query(
        demo,
        """SELECT ct.app_label, p.codename FROM auth_user_user_permissions up
           JOIN auth_user u ON u.id = up.user_id
           JOIN auth_permission p ON p.id = up.permission_id
           JOIN django_content_type ct ON ct.id = p.content_type_id
           WHERE u.username = 'prevention'""",
    )
    assert permissions == []  # issue 15 item 1: the role alone reaches people
