"""Issue 18 item 1: registrations imported from CSV/XLSX, with a dry run that writes nothing."""

import csv
import io
from pathlib import Path

import pytest
from django.contrib.auth.models import Permission
from django.core.management import CommandError, call_command
from django.test import override_settings

from cursus_xblock.models import (
    Organization,
    OrganizationManager,
    Registration,
    RegistrationHistory,
    RegistrationStatus,
    Role,
)
from cursus_xblock.services import imports
from cursus_xblock.services.imports import ImportFileError, ImportHasErrors, RowResult
from tests.factories import CourseFactory, SessionFactory, UserFactory

FIXTURES = Path(__file__).parent / "fixtures" / "imports"
FILES = ["registrations_utf8_bom_semicolon.csv", "registrations_cp1252_comma.csv", "registrations.xlsx"]

#: What every fixture file's rows give, line by line (line 1 is the header).
EXPECTED = {
    2: (RowResult.REGISTERED, None),
    3: (RowResult.WAITING, 1),
    4: (RowResult.PENDING, None),
    5: (RowResult.ALREADY_REGISTERED, None),
    6: (RowResult.UNKNOWN_PERSON, None),
    7: (RowResult.UNKNOWN_SESSION, None),
    8: (RowResult.FULL, None),
    9: (RowResult.BAD_ROLE, None),
    10: (RowResult.DUPLICATE, None),
    11: (RowResult.NOT_MANAGED, None),
    12: (RowResult.INCOMPLETE, None),
}


@pytest.fixture
def world(db):
    ours, theirs = (
        Organization.objects.create(short_name="ACME", name="Acmé"),
        Organization.objects.create(short_name="OTHER", name="Autre"),
    )
    course = CourseFactory(organization=ours)
    people = {name: UserFactory(username=name) for name in ("alice", "bob", "carol", "dave", "eve")}
    sessions = {
        "open": SessionFactory(code="IMP-OPEN", course=course, capacity=1, waiting_list_enabled=True),
        "valid": SessionFactory(code="IMP-VALID", course=course, capacity=5, validation_required=True),
        "full": SessionFactory(code="IMP-FULL", course=course, capacity=1, waiting_list_enabled=False),
        "other": SessionFactory(code="IMP-OTHER", course=CourseFactory(organization=theirs), capacity=5),
    }
    Registration.objects.create(
        user=people["eve"], session=sessions["full"], role=Role.LEARNER, status=RegistrationStatus.CONFIRMED
    )
    Registration.objects.create(
        user=people["dave"], session=sessions["valid"], role=Role.TRAINER, status=RegistrationStatus.CONFIRMED
    )
    manager = UserFactory(username="manager.acme", is_staff=True)
    OrganizationManager.objects.create(user=manager, organization=ours)
    site = UserFactory(username="site.manager", is_staff=True)
    site.user_permissions.add(Permission.objects.get(codename="manage_registrations"))
    return {"people": people, "sessions": sessions, "manager": manager, "site": site, "theirs": theirs}


def snapshot():
    """Every row the import could touch."""
    return (
        sorted(Registration.objects.values_list("pk", "user_id", "session_id", "role", "status", "waiting_order")),
        RegistrationHistory.objects.count(),
    )


def read(name):
    path = FIXTURES / name
    return imports.parse(path.read_bytes(), path.name)


@pytest.mark.parametrize("name", FILES)
def test_dry_run_reports_every_error_class_and_writes_nothing(world, name):
    before = snapshot()
    result = imports.plan(read(name), actor=world["manager"])
    assert snapshot() == before
    assert {row.line: (row.result, row.position) for row in result.rows} == EXPECTED
    assert len(result.errors) == 7
    assert result.rows[1].reason == "Demande RH — équipe"
    assert str(result.rows[8].message) == "Same person, session and role as line 3."


@pytest.mark.parametrize("name", FILES)
def test_apply_equals_the_dry_run_row_by_row(world, name):
    predicted = [(row.line, row.result, row.position) for row in imports.plan(read(name), actor=world["manager"]).rows]
    applied = imports.apply(read(name), actor=world["manager"], allow_errors=True)
    assert [(row.line, row.result, row.position) for row in applied.rows] == predicted
    alice, bob, carol = (world["people"][n] for n in ("alice", "bob", "carol"))
    rows = {
        (r.user.username, r.session.code, r.role): (r.status, r.registered_by.username)
        for r in Registration.objects.filter(registered_by__isnull=False)
    }
    assert rows == {
        (alice.username, "IMP-OPEN", Role.LEARNER): (RegistrationStatus.CONFIRMED, "manager.acme"),
        (bob.username, "IMP-OPEN", Role.LEARNER): (RegistrationStatus.WAITING, "manager.acme"),
        (carol.username, "IMP-VALID", Role.LEARNER): (RegistrationStatus.PENDING, "manager.acme"),
    }
    assert RegistrationHistory.objects.get(registration__user=bob).reason == "Demande RH — équipe"
    assert not Registration.objects.filter(session=world["sessions"]["other"]).exists()


def test_a_file_with_errors_is_not_applied_unless_asked(world):
    before = snapshot()
    with pytest.raises(ImportHasErrors, match="7 rows have errors"):
        imports.apply(read(FILES[0]), actor=world["manager"])
    assert snapshot() == before


def test_a_site_wide_manager_imports_in_every_organization(world):
    result = imports.plan(read(FILES[0]), actor=world["site"])
    assert result.rows[9].result == RowResult.REGISTERED


def test_apply_of_a_clean_file_registers_in_bulk(world, django_assert_max_num_queries):
    content = "username;session;role\n" + "".join(f"{n};IMP-VALID;learner\n" for n in ("alice", "bob", "carol"))
    result = imports.apply(imports.parse(content.encode()), actor=world["site"])
    assert [row.result for row in result.rows] == [RowResult.PENDING] * 3
    assert Registration.objects.filter(session=world["sessions"]["valid"], role=Role.LEARNER).count() == 3


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "The file is empty."),
        (b"name;code\nalice;S1\n", "needs a column for the person"),
        (b"PK\x03\x04not a workbook", "neither a CSV file nor a readable XLSX"),
    ],
)
def test_unreadable_files_are_refused_whole(db, content, message):
    with pytest.raises(ImportFileError, match=message):
        imports.parse(content)


@override_settings(CURSUS_IMPORT_MAX_BYTES=100, CURSUS_IMPORT_MAX_ROWS=2)
def test_files_are_bounded_in_size_and_rows(db):
    with pytest.raises(ImportFileError, match="larger than 100 bytes"):
        imports.parse(b"username;session;role\n" + b"x" * 100)
    with pytest.raises(ImportFileError, match="more than 2 rows"):
        imports.parse(b"username;session;role\na;b;c\nd;e;f\ng;h;i\n")


def test_the_report_is_csv_with_every_row(world):
    result = imports.plan(read(FILES[1]), actor=world["manager"])
    text = imports.report_csv(result.rows)
    table = list(csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=";"))
    assert table[0] == ["line", "person", "session", "role", "result", "position", "message"]
    assert len(table) == 12
    assert table[2][:6] == ["3", "bob@example.org", "IMP-OPEN", "apprenant", "Waiting list", "1"]


def test_command_dry_run_then_apply(world):
    path = str(FIXTURES / FILES[0])
    before = snapshot()
    out = io.StringIO()
    call_command("cursus_import_registrations", path, "--actor", "manager.acme", stdout=out)
    assert snapshot() == before
    assert "Dry run: nothing was written." in out.getvalue()
    assert "Unknown person" in out.getvalue()
    with pytest.raises(CommandError, match="7 rows have errors"):
        call_command("cursus_import_registrations", path, "--apply", "--actor", "manager.acme", stdout=io.StringIO())
    assert snapshot() == before
    out = io.StringIO()
    call_command(
        "cursus_import_registrations", path, "--apply", "--allow-errors", "--actor", "manager.acme", stdout=out
    )
    assert Registration.objects.filter(registered_by=world["manager"]).count() == 3
    with pytest.raises(CommandError, match="not a training manager"):
        call_command("cursus_import_registrations", path, "--actor", "alice", stdout=io.StringIO())


def test_people_by_username_with_at_sign_or_by_a_shared_e_mail(world):
    UserFactory(username="jean@rh", email="jean@example.org")
    UserFactory(username="twin1", email="twins@example.org")
    UserFactory(username="twin2", email="Twins@example.org")
    content = (
        "courriel;session;rôle\n"
        "jean@rh;IMP-VALID;apprenant\nJEAN@example.org;IMP-OPEN;learner\ntwins@example.org;IMP-VALID;learner\n"
    )
    rows = imports.plan(imports.parse(content.encode()), actor=world["site"]).rows
    assert [(row.result, row.user and row.user.username) for row in rows] == [
        (RowResult.PENDING, "jean@rh"),
        (RowResult.REGISTERED, "jean@rh"),
        (RowResult.UNKNOWN_PERSON, None),
    ]
    assert str(rows[2].message) == "Several people have this e-mail address: use the username."
