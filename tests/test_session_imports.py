"""Issue 18 item 2: sessions and séances imported from CSV/XLSX, with a dry run that writes nothing."""

import csv
import datetime
import io
import zoneinfo
from pathlib import Path

import pytest
from django.contrib.auth.models import Permission
from django.core.management import CommandError, call_command
from django.test import override_settings

from cursus_xblock.models import (
    Event,
    Organization,
    OrganizationManager,
    Registration,
    RegistrationHistory,
    RegistrationStatus,
    Role,
    Session,
)
from cursus_xblock.services.imports import sessions as imports
from cursus_xblock.services.imports.sessions import ImportFileError, ImportHasErrors, RowResult
from tests.factories import CourseFactory, EventFactory, SessionFactory, UserFactory

FIXTURES = Path(__file__).parent / "fixtures" / "imports"
FILES = ["sessions_utf8_bom_semicolon.csv", "sessions_cp1252_comma.csv", "sessions.xlsx"]
PARIS = zoneinfo.ZoneInfo("Europe/Paris")

#: What every fixture file's rows give, line by line (line 1 is the header).
EXPECTED = {
    2: RowResult.CREATE,
    3: RowResult.UPDATE,
    4: RowResult.CREATE_EVENT,
    5: RowResult.UPDATE_EVENT,
    6: RowResult.UNKNOWN_COURSE,
    7: RowResult.BAD_DATE,
    8: RowResult.END_BEFORE_START,
    9: RowResult.OUTSIDE_SESSION,
    10: RowResult.UNKNOWN_TRAINER,
    11: RowResult.DUPLICATE,
    12: RowResult.BAD_CAPACITY,
    13: RowResult.NOT_MANAGED,
    14: RowResult.BAD_TIME_ZONE,
    15: RowResult.UNKNOWN_SESSION,
    16: RowResult.SESSION_ERROR,
    17: RowResult.INCOMPLETE,
    18: RowResult.OTHER_COURSE,
}
ERRORS = 13


def paris(*args):
    return datetime.datetime(*args, tzinfo=PARIS)


@pytest.fixture
def term(db):
    ours, theirs = (
        Organization.objects.create(short_name="ACME", name="Acmé"),
        Organization.objects.create(short_name="OTHER", name="Autre"),
    )
    course = CourseFactory(code="TERM-A", organization=ours, default_waiting_list_enabled=True)
    CourseFactory(code="TERM-B", organization=ours)
    CourseFactory(code="TERM-X", organization=theirs)
    existing = SessionFactory(
        code="S-EXIST",
        course=course,
        name="Ancien nom",
        start=paris(2027, 2, 1, 9),
        end=paris(2027, 2, 5, 17),
        capacity=1,
        waiting_list_enabled=True,
    )
    SessionFactory(code="S-OLD", course=course, start=paris(2027, 1, 4, 9), end=paris(2027, 1, 4, 17))
    EventFactory(session=existing, name="Jour 1", start=paris(2027, 2, 1, 9), end=paris(2027, 2, 1, 17), place="")
    people = {name: UserFactory(username=name) for name in ("alice", "bob", "trainer1")}
    UserFactory(username="trainer.two", email="trainer2@example.org")
    Registration.objects.create(
        user=people["alice"], session=existing, role=Role.LEARNER, status=RegistrationStatus.CONFIRMED
    )
    Registration.objects.create(
        user=people["bob"], session=existing, role=Role.LEARNER, status=RegistrationStatus.WAITING, waiting_order=1
    )
    manager = UserFactory(username="manager.acme", is_staff=True)
    OrganizationManager.objects.create(user=manager, organization=ours)
    site = UserFactory(username="site.manager", is_staff=True)
    site.user_permissions.add(Permission.objects.get(codename="manage_registrations"))
    return {"existing": existing, "people": people, "manager": manager, "site": site, "theirs": theirs}


def snapshot():
    """Every row the import could touch."""
    return (
        sorted(
            Session.objects.values_list(
                "pk", "code", "name", "start", "end", "time_zone", "place", "capacity", "course_id"
            )
        ),
        sorted(Event.objects.values_list("pk", "session_id", "name", "start", "end", "place")),
        sorted(Registration.objects.values_list("pk", "user_id", "session_id", "role", "status", "waiting_order")),
        RegistrationHistory.objects.count(),
    )


def read(name):
    path = FIXTURES / name
    return imports.parse(path.read_bytes(), path.name)


@pytest.mark.parametrize("name", FILES)
def test_dry_run_reports_every_error_class_and_writes_nothing(term, name):
    before = snapshot()
    result = imports.plan(read(name), actor=term["manager"])
    assert snapshot() == before
    assert {row.line: row.result for row in result.rows} == EXPECTED
    assert len(result.errors) == ERRORS
    rows = {row.line: row for row in result.rows}
    assert rows[2].name == "Gestion de projet — équipe"
    assert str(rows[2].message) == "trainers: trainer1, trainer.two"
    assert str(rows[3].message) == "name, place, capacity; trainers: trainer1"
    assert str(rows[11].message) == "Same session code as line 2."
    assert str(rows[18].message) == "This session code belongs to the course TERM-A."
    assert str(rows[2].label) == "Would create the session"


@pytest.mark.parametrize("name", FILES)
def test_apply_equals_the_dry_run_row_by_row(term, name):
    predicted = [(row.line, row.result) for row in imports.plan(read(name), actor=term["manager"]).rows]
    applied = imports.apply(read(name), actor=term["manager"], allow_errors=True)
    assert [(row.line, row.result) for row in applied.rows] == predicted
    assert str(applied.rows[0].label) == "Session created"

    new = Session.objects.get(code="S-NEW")
    assert (new.name, new.course.code, new.time_zone, new.place, new.capacity) == (
        "Gestion de projet — équipe",
        "TERM-A",
        "Europe/Paris",
        "Salle Émile",
        12,
    )
    assert (new.start, new.end) == (paris(2027, 3, 1, 9), paris(2027, 3, 3, 17))
    assert new.waiting_list_enabled  # the course's defaults fill what the file does not say
    trainers = Registration.objects.filter(session=new, role=Role.TRAINER, status=RegistrationStatus.CONFIRMED)
    assert sorted(trainers.values_list("user__username", flat=True)) == ["trainer.two", "trainer1"]
    assert set(trainers.values_list("registered_by__username", flat=True)) == {"manager.acme"}
    assert list(new.events.values_list("name", "start", "end")) == [
        ("Jour 1", paris(2027, 3, 1, 9), paris(2027, 3, 1, 17))
    ]

    existing = Session.objects.get(code="S-EXIST")
    assert (existing.name, existing.place, existing.capacity) == ("Session existante", "Lyon", 3)
    # The raised capacity went through the session service: bob left the waiting list.
    assert Registration.objects.get(user__username="bob").status == RegistrationStatus.CONFIRMED
    assert "1 learner moved from the waiting list to the session." in str(applied.rows[1].message)
    (day,) = existing.events.all()
    assert (day.start, day.end, day.place) == (paris(2027, 2, 1, 10), paris(2027, 2, 1, 12), "Salle B")
    assert Session.objects.filter(code__startswith="S-BAD").count() == 0
    assert not Event.objects.filter(name="Hors session").exists()


def test_a_second_import_of_the_same_file_changes_nothing(term):
    imports.apply(read(FILES[0]), actor=term["manager"], allow_errors=True)
    before = snapshot()
    again = imports.apply(read(FILES[0]), actor=term["manager"], allow_errors=True)
    assert snapshot() == before
    assert [row.result for row in again.rows if row.ok] == [RowResult.UNCHANGED] * 4


def test_a_file_with_errors_is_not_applied_unless_asked(term):
    before = snapshot()
    with pytest.raises(ImportHasErrors, match=f"{ERRORS} rows have errors"):
        imports.apply(read(FILES[0]), actor=term["manager"])
    assert snapshot() == before


def test_a_site_wide_manager_plans_in_every_organization(term):
    result = imports.plan(read(FILES[1]), actor=term["site"])
    assert result.rows[11].result == RowResult.CREATE


def test_a_manager_of_another_organization_touches_none_of_ours(term):
    other = UserFactory(username="manager.other", is_staff=True)
    OrganizationManager.objects.create(user=other, organization=term["theirs"])
    rows = imports.plan(read(FILES[0]), actor=other).rows
    by_line = {row.line: row.result for row in rows}
    assert by_line[2] == by_line[3] == RowResult.NOT_MANAGED
    assert by_line[5] == RowResult.SESSION_ERROR  # a séance of the session of line 3
    assert by_line[13] == RowResult.CREATE
    content = "course;session;name;séance;start;end\n;S-EXIST;;Jour 2;2027-02-02 09:00;2027-02-02 12:00\n"
    (row,) = imports.plan(imports.parse(content.encode()), actor=other).rows
    assert row.result == RowResult.NOT_MANAGED


def test_trainers_of_a_session_already_over_are_refused_in_the_dry_run(term):
    content = (
        "course;session;name;start;end;trainers\nTERM-A;S-PAST;Passée;2020-01-01 09:00;2020-01-02 09:00;trainer1\n"
    )
    (row,) = imports.plan(imports.parse(content.encode()), actor=term["site"]).rows
    assert row.result == RowResult.TRAINER_REFUSED
    assert str(row.message) == "Trainers cannot be registered: This session has ended."


def test_capacity_words_and_shapes(term):
    content = (
        "course,session,name,start,end,capacity\n"
        "TERM-A,S-U,Illimitée,2027-05-01 09:00,2027-05-01 17:00,illimitée\n"
        "TERM-A,S-EXIST,Garde,2027-02-01 09:00,2027-02-05 17:00,\n"
        "TERM-A,S-N,Négative,2027-05-01 09:00,2027-05-01 17:00,-3\n"
    )
    result = imports.apply(imports.parse(content.encode()), actor=term["site"], allow_errors=True)
    assert [row.result for row in result.rows] == [RowResult.CREATE, RowResult.UPDATE, RowResult.BAD_CAPACITY]
    assert Session.objects.get(code="S-U").capacity is None
    assert Session.objects.get(code="S-EXIST").capacity == 1  # an empty cell keeps it


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "The file is empty."),
        (b"session;start;end\nS1;2027-01-01;2027-01-02\n", "needs a column for the course code"),
        (b"PK\x03\x04not a workbook", "neither a CSV file nor a readable XLSX"),
    ],
)
def test_unreadable_files_are_refused_whole(db, content, message):
    with pytest.raises(ImportFileError, match=message):
        imports.parse(content)


@override_settings(CURSUS_IMPORT_MAX_ROWS=2)
def test_files_are_bounded_in_rows(db):
    with pytest.raises(ImportFileError, match="more than 2 rows"):
        imports.parse(b"course;session;name;start;end\na;b;c;d;e\na;b;c;d;e\na;b;c;d;e\n")


def test_the_report_is_csv_with_every_row(term):
    result = imports.plan(read(FILES[1]), actor=term["manager"])
    table = list(csv.reader(io.StringIO(imports.report_csv(result.rows).lstrip("\ufeff")), delimiter=";"))
    assert table[0] == ["line", "course", "session", "séance", "start", "end", "result", "message"]
    assert len(table) == 1 + len(EXPECTED)
    assert table[8][:7] == ["9", "", "S-NEW", "Hors session", "2027-04-01 09:00", "2027-04-01 12:00"] + [
        "Séance outside its session"
    ]


def test_command_dry_run_then_apply(term):
    path = str(FIXTURES / FILES[0])
    before = snapshot()
    out = io.StringIO()
    call_command("cursus_import_sessions", path, "--actor", "manager.acme", stdout=out)
    assert snapshot() == before
    assert "Dry run: nothing was written." in out.getvalue()
    assert "Unknown course" in out.getvalue()
    with pytest.raises(CommandError, match=f"{ERRORS} rows have errors"):
        call_command("cursus_import_sessions", path, "--apply", "--actor", "manager.acme", stdout=io.StringIO())
    assert snapshot() == before
    out = io.StringIO()
    call_command("cursus_import_sessions", path, "--apply", "--allow-errors", "--actor", "manager.acme", stdout=out)
    assert "Session created: 1" in out.getvalue()
    assert Session.objects.filter(code="S-NEW").exists()
    with pytest.raises(CommandError, match="not a training manager"):
        call_command("cursus_import_sessions", path, "--actor", "alice", stdout=io.StringIO())
