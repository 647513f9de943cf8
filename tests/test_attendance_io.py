"""Issue 16 item 5 (and issue 18 item 3's attendance grids): a session's attendance exported as CSV/XLSX and
imported back, wide (the export's layout) or long (one row per mark), with a dry run reporting every cell."""

import csv
import datetime
import io
import zoneinfo
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation
from openpyxl import load_workbook

from cursus_xblock.models import (
    Attendance,
    Event,
    EventRegistration,
    Organization,
    RegistrationHistory,
    Role,
    Session,
)
from cursus_xblock.selectors import exports
from cursus_xblock.services import attendance as attendance_service
from cursus_xblock.services import registration as registration_service
from cursus_xblock.services.imports import attendance as imports
from cursus_xblock.utils.spreadsheets import csv_chunks, xlsx_file

from .factories import CourseFactory, SessionFactory, UserFactory

FIXTURES = Path(__file__).parent / "fixtures" / "attendance"
PARIS = zoneinfo.ZoneInfo("Europe/Paris")
U, P, J, A = Attendance.UNKNOWN, Attendance.PRESENT, Attendance.ABSENT_JUSTIFIED, Attendance.ABSENT_UNJUSTIFIED
C, SAME = imports.CellResult.CHANGE, imports.CellResult.UNCHANGED
R = imports.CellResult


def paris(text):
    return datetime.datetime.fromisoformat(text).replace(tzinfo=PARIS)


@pytest.fixture
def world(db):
    """A session held in March 2025 (three séances, two named « Atelier ») and one in 2099; anne, bruno and
    chloé are its learners, eve is a learner elsewhere; bruno was marked absent at the welcome."""
    organization = Organization.objects.create(short_name="RHONE", name="Rhône")
    session = SessionFactory(
        code="ATT-1", name="Gestion", course=CourseFactory(code="C-ATT", organization=organization)
    )
    events = {
        name: Event.objects.create(session=session, name=label, start=session.start, end=session.end)
        for name, label in [
            ("accueil", "Accueil"),
            ("atelier1", "Atelier"),
            ("atelier2", "Atelier"),
            ("bilan", "Bilan"),
        ]
    }
    people = {
        name: UserFactory(username=name, first_name=first, last_name=last)
        for name, first, last in [("anne", "Anne", "Aubé"), ("bruno", "Bruno", "Bézier"), ("chloe", "Chloé", "Çelik")]
    }
    for person in people.values():
        registration_service.register(user=person, sessions=[session], role=Role.LEARNER)
    trainer = UserFactory(username="formatrice", is_staff=True)
    registration_service.register(user=trainer, sessions=[session], role=Role.TRAINER)
    elsewhere = SessionFactory(code="ATT-2", course=session.course)
    people["eve"] = UserFactory(username="eve")
    registration_service.register(user=people["eve"], sessions=[elsewhere], role=Role.LEARNER)
    # Registered while everything was ahead, then held in March 2025 (« Bilan » far ahead).
    Session.objects.filter(pk=session.pk).update(start=paris("2025-03-10 09:00"), end=paris("2099-01-05 12:00"))
    for key, start, end in [
        ("accueil", "2025-03-10 09:00", "2025-03-10 12:00"),
        ("atelier1", "2025-03-10 14:00", "2025-03-10 17:00"),
        ("atelier2", "2025-03-11 09:00", "2025-03-11 12:00"),
        ("bilan", "2099-01-05 09:00", "2099-01-05 12:00"),
    ]:
        Event.objects.filter(pk=events[key].pk).update(start=paris(start), end=paris(end))
        events[key].refresh_from_db()
    session.refresh_from_db()
    bruno_welcome = EventRegistration.objects.get(registration__user=people["bruno"], event=events["accueil"])
    attendance_service.attendance_mark(event_registration=bruno_welcome, state=A)
    return {"session": session, "events": events, "people": people, "trainer": trainer}


def states(world):
    """{(username, séance key): attendance} of the session."""
    keys = {event.pk: key for key, event in world["events"].items()}
    return {
        (username, keys[event_id]): state
        for username, event_id, state in EventRegistration.objects.filter(event__session=world["session"]).values_list(
            "registration__user__username", "event_id", "attendance"
        )
    }


def snapshot(world):
    return sorted(states(world).items()), RegistrationHistory.objects.count()


def read(name):
    path = FIXTURES / name
    return imports.parse(path.read_bytes(), path.name)


def outcome(cells):
    return [(cell.line, cell.person, cell.result, cell.old, cell.new) for cell in cells]


LONG = [
    (2, "anne", C, U, P),
    (3, "bruno", C, A, J),
    (4, "chloe@example.org", SAME, U, U),
    (5, "personne.inconnue", R.UNKNOWN_PERSON, "", ""),
    (6, "eve", R.NOT_REGISTERED, "", P),
    (7, "anne", R.UNKNOWN_EVENT, "", ""),
    (8, "anne", R.UNKNOWN_EVENT, "", ""),
    (9, "anne", R.BAD_STATUS, "", ""),
    (10, "anne", R.DUPLICATE, "", A),
    (11, "anne", R.NOT_STARTED, U, P),
    (12, "", R.INCOMPLETE, "", ""),
    (13, "bruno", C, U, A),
]
WIDE = [
    (2, "anne", C, U, P),
    (2, "anne", C, U, J),
    (3, "bruno@example.org", C, A, U),
    (3, "bruno@example.org", C, U, A),
    (4, "chloe", C, U, P),
    (4, "chloe", R.UNKNOWN_EVENT, "", ""),
    (5, "personne.inconnue", R.UNKNOWN_PERSON, "", ""),
    (6, "eve", R.NOT_REGISTERED, "", P),
    (7, "chloe", R.BAD_STATUS, "", ""),
    (8, "anne", R.DUPLICATE, "", A),
    (9, "bruno", R.INCOMPLETE, "", ""),
]
FILES = {
    "attendance_long_fr_utf8_bom_semicolon.csv": LONG,
    "attendance_long_en_cp1252_comma.csv": LONG,
    "attendance_wide_fr_utf8_bom_semicolon.csv": WIDE,
    "attendance_wide_en.xlsx": WIDE,
}


@pytest.mark.parametrize("name", list(FILES))
def test_dry_run_reports_every_cell_and_writes_nothing(world, name):
    before = snapshot(world)
    result = imports.plan(read(name), session=world["session"], actor=world["trainer"])
    assert snapshot(world) == before
    assert outcome(result.rows) == FILES[name]
    assert {cell.result for cell in result.errors} == {
        R.UNKNOWN_PERSON,
        R.NOT_REGISTERED,
        R.UNKNOWN_EVENT,
        R.BAD_STATUS,
        R.DUPLICATE,
    } | ({R.NOT_STARTED} if "long" in name else set()) | {R.INCOMPLETE}


@pytest.mark.parametrize("name", list(FILES))
def test_apply_is_the_dry_runs_prediction_with_history(world, name):
    planned = imports.plan(read(name), session=world["session"])
    predicted = dict(states(world))
    changes = [cell for cell in planned.rows if cell.result == C]
    for cell in changes:
        username = cell.person.split("@")[0]
        key = next(k for k, e in world["events"].items() if e.pk == cell.event.pk)
        predicted[(username, key)] = cell.new
    history = RegistrationHistory.objects.count()

    with pytest.raises(imports.ImportHasErrors):
        imports.apply(read(name), session=world["session"], actor=world["trainer"])
    assert RegistrationHistory.objects.count() == history

    applied = imports.apply(read(name), session=world["session"], actor=world["trainer"], allow_errors=True)
    assert outcome(applied.rows) == FILES[name]
    assert states(world) == predicted
    written = RegistrationHistory.objects.filter(action="attendance").order_by("-pk")[: len(changes)]
    assert RegistrationHistory.objects.count() == history + len(changes)
    assert {(h.actor.username, h.reason) for h in written} == {("formatrice", "import")}
    assert [str(cell.label) for cell in applied.rows if cell.result == C] == ["Changed"] * len(changes)

    again = imports.plan(read(name), session=world["session"])
    assert [cell.result for cell in again.rows if cell.ok] == [SAME] * len([c for c in again.rows if c.ok])


def test_the_report_names_before_and_after_in_french(world):
    with translation.override("fr"):
        result = imports.plan(read("attendance_long_fr_utf8_bom_semicolon.csv"), session=world["session"])
        report = list(csv.reader(io.StringIO(imports.report_csv(result.rows).lstrip("\ufeff")), delimiter=";"))
    assert report[0] == [
        "ligne",
        "personne",
        "séance",
        "statut dans le fichier",
        "résultat",
        "avant",
        "après",
        "message",
    ]
    assert report[2][:7] == [
        "3",
        "bruno",
        "accueil — 10/03/2025 09:00",
        "absent justifié",
        "Serait modifiée",
        "Absence non justifiée",
        "Absence justifiée",
    ]
    assert report[5][4:] == ["Non inscrit·e à cette séance", "", "Présent·e", report[5][7]]
    assert report[5][7] == "Cette personne n'est pas apprenante confirmée de cette séance."


def _marked(world):
    events, people = world["events"], world["people"]
    for person, event, state in [("anne", "accueil", P), ("chloe", "atelier1", J), ("anne", "atelier2", A)]:
        cell = EventRegistration.objects.get(registration__user=people[person], event=events[event])
        attendance_service.attendance_mark(event_registration=cell, state=state)


@pytest.mark.parametrize("language", ["en", "fr"])
def test_export_csv_and_xlsx_read_back_with_the_statuses(world, language):
    _marked(world)
    with translation.override(language):
        header, rows = exports.attendance_rows(world["session"])
        text = b"".join(csv_chunks(header, rows)).decode("utf-8")
        header, rows = exports.attendance_rows(world["session"])
        sheet = load_workbook(xlsx_file(header, rows)).active
        unknown_words = str(Attendance.UNKNOWN.label)
    table = list(csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=";"))
    table[0][0] = table[0][0].replace("’", "'")  # « nom d’utilisateur » in Django 5.2's catalogue
    cells = [[cell.value for cell in row] for row in sheet.iter_rows()]
    ids = [world["events"][key].pk for key in ("accueil", "atelier1", "atelier2", "bilan")]
    french = language == "fr"
    assert table[0] == [
        "nom d'utilisateur" if french else "username",
        "adresse e-mail" if french else "e-mail",
        "personne" if french else "person",
        f"Accueil — 2025-03-10 09:00 [{ids[0]}]",
        f"Atelier — 2025-03-10 14:00 [{ids[1]}]",
        f"Atelier — 2025-03-11 09:00 [{ids[2]}]",
        f"Bilan — 2099-01-05 09:00 [{ids[3]}]",
        "Heures suivies" if french else "Hours attended",
        "Taux d’assiduité" if french else "Attendance rate",
    ]
    present, unknown = (
        ("Présent·e [present]", f"{unknown_words} [unknown]") if french else ("Present [present]", "Unknown [unknown]")
    )
    assert table[1] == ["anne", "anne@example.org", "Anne Aubé", present, unknown, table[1][5], unknown, "3.0", "25"]
    assert table[1][5] == (
        "Absence non justifiée [absent_unjustified]" if french else "Absent (unjustified) [absent_unjustified]"
    )
    assert [row[0] for row in table[1:]] == ["anne", "bruno", "chloe"]
    assert table[3][4] == (
        "Absence justifiée [absent_justified]" if french else "Absent (justified) [absent_justified]"
    )
    assert [str(cells[0][0]).replace("’", "'"), *map(str, cells[0][1:])] == table[0]
    assert cells[1][:5] == ["anne", "anne@example.org", "Anne Aubé", present, unknown]
    assert cells[1][7:] == [3.0, 25]  # 3 h present out of the 12 h of her four séances
    assert cells[2][7:] == [0, 0]  # bruno: absent at the welcome, nothing else recorded
    assert cells[3][7:] == [0, 0]  # chloé: excused at the first workshop


@pytest.mark.parametrize("language", ["en", "fr"])
def test_an_exported_file_edited_comes_back(world, language):
    """The round trip: export, change two cells as a spreadsheet would, import; the ids find the séances."""
    _marked(world)
    with translation.override(language):
        header, rows = exports.attendance_rows(world["session"])
        sheet = load_workbook(xlsx_file(header, rows)).active
    sheet["E3"] = "présent"  # bruno, Atelier 10 March
    sheet["D4"] = "excused"  # chloé, Accueil
    sheet["B2"] = None
    edited = io.BytesIO()
    sheet.parent.save(edited)
    cells = imports.parse(edited.getvalue(), "edited.xlsx")
    result = imports.apply(cells, session=world["session"], actor=world["trainer"])
    changed = [(c.person, c.event.name, c.old, c.new) for c in result.rows if c.result == C]
    assert changed == [("bruno", "Atelier", U, P), ("chloe", "Accueil", U, J)]
    assert {c.result for c in result.rows} == {C, SAME}
    assert states(world)[("bruno", "atelier1")] == P


def test_a_file_that_is_no_attendance_is_refused_clearly(world):
    with pytest.raises(imports.ImportFileError, match="person"):
        imports.parse("Séance;Statut\nAccueil;présent\n".encode(), "x.csv")
    with pytest.raises(imports.ImportFileError, match="column per séance"):
        imports.parse(b"username;Hours attended\nanne;3\n", "x.csv")


def test_commands_export_and_import(world, tmp_path):
    target = tmp_path / "grid.csv"
    call_command("cursus_export", "attendance", "--session", "ATT-1", "--language", "fr", "--output", str(target))
    assert (
        target.read_text(encoding="utf-8-sig")
        .splitlines()[0]
        .replace("’", "'")
        .startswith("nom d'utilisateur;adresse e-mail")
    )
    with pytest.raises(CommandError, match="per session"):
        call_command("cursus_export", "attendance", "--course", "C-ATT")

    before = snapshot(world)
    out = io.StringIO()
    fixture = str(FIXTURES / "attendance_long_en_cp1252_comma.csv")
    call_command("cursus_import_attendance", fixture, "--session", "ATT-1", "--language", "en", stdout=out)
    assert snapshot(world) == before
    assert "Would change: 3" in out.getvalue() and "Dry run: nothing was written." in out.getvalue()
    with pytest.raises(CommandError, match="cells have errors"):
        call_command("cursus_import_attendance", fixture, "--session", "ATT-1", "--apply")
    with pytest.raises(CommandError, match="neither manages nor trains"):
        call_command("cursus_import_attendance", fixture, "--session", "ATT-1", "--actor", "eve")
    call_command(
        "cursus_import_attendance",
        fixture,
        "--session",
        "ATT-1",
        "--apply",
        "--allow-errors",
        "--actor",
        "formatrice",
        stdout=io.StringIO(),
    )
    assert states(world)[("bruno", "accueil")] == J
    assert RegistrationHistory.objects.count() == before[1] + 3
