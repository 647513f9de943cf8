"""Issue 18 item 3: exports of registrations, rosters with their waiting lists, and issued documents."""

import csv
import io
import tracemalloc

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from cursus_xblock.models import (
    DocumentKind,
    Organization,
    OrganizationManager,
    Registration,
    RegistrationStatus,
    Role,
)
from cursus_xblock.selectors import exports
from cursus_xblock.services import documents as documents_service
from cursus_xblock.services import registration as registration_service
from cursus_xblock.utils.spreadsheets import csv_chunks

from .documents.conftest import media, templates  # noqa: F401  (fixtures)
from .factories import CourseFactory, SessionFactory, UserFactory


@pytest.fixture
def world(db):
    ours, theirs = (Organization.objects.create(short_name=c, name=c) for c in ("OURS", "THEIRS"))
    manager = UserFactory(username="manager.ours", is_staff=True)
    OrganizationManager.objects.create(user=manager, organization=ours)
    other = UserFactory(username="manager.theirs", is_staff=True)
    OrganizationManager.objects.create(user=other, organization=theirs)
    mine = SessionFactory(code="EXP-A", name="Sécurité", course=CourseFactory(code="C-A", organization=ours))
    mine.capacity, mine.waiting_list_enabled = 1, True
    mine.save()
    foreign = SessionFactory(code="EXP-B", course=CourseFactory(code="C-B", organization=theirs))
    people = {
        name: UserFactory(username=name, first_name=first, last_name=last)
        for name, first, last in [
            ("anne", "Anne", "Aubé"),
            ("bruno", "Bruno", "Bézier"),
            ("chloe", "Chloé", "Çelik"),
            ("dan", "Dan", "Dupré"),
            ("tom", "Tom", "Trainer"),
            ("eve", "Ève", "Étienne"),
        ]
    }
    for name in ("anne", "chloe", "bruno", "dan"):  # chloé waits before bruno
        registration_service.register(user=people[name], sessions=[mine], role=Role.LEARNER, actor=manager)
    registration_service.register(user=people["tom"], sessions=[mine], role=Role.TRAINER, actor=manager)
    registration_service.unregister(registration=Registration.objects.get(user=people["dan"]), actor=manager)
    registration_service.register(user=people["eve"], sessions=[foreign], role=Role.LEARNER, actor=other)
    return {"manager": manager, "other": other, "mine": mine, "foreign": foreign, "people": people}


def read_csv(content):
    text = content.decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:]), delimiter=";"))


def act(user, model, action, data=None, query=""):
    client = Client()
    client.force_login(user)
    url = reverse(f"admin:cursus_xblock_{model}_changelist") + query
    return client.post(
        url, {"action": action, "select_across": "1", "index": "0", "_selected_action": ["0"], **(data or {})}
    )


def test_registrations_csv_from_the_list_is_streamed_and_scoped(world):
    response = act(world["manager"], "registration", "export_registrations_csv")
    assert response.streaming
    assert response["Content-Disposition"].startswith('attachment; filename="registrations-')
    table = read_csv(b"".join(response.streaming_content))
    assert table[0] == [
        "person",
        "username",
        "e-mail",
        "session code",
        "session",
        "course",
        "role",
        "status",
        "registered on",
        "registered by",
    ]
    rows = {row[1]: row for row in table[1:]}
    assert set(rows) == {"anne", "bruno", "chloe", "dan", "tom"}  # not Ève: another organization
    assert rows["anne"][:4] == ["Anne Aubé", "anne", "anne@example.org", "EXP-A"]
    assert rows["anne"][5:8] == ["C-A", "Learner", "Confirmed"]
    assert rows["bruno"][7] == "Waiting list"
    assert rows["dan"][7] == "Cancelled"
    assert rows["tom"][6:8] == ["Trainer", "Confirmed"]
    assert rows["anne"][9] == "manager.ours"
    assert len(rows["anne"][8]) == len("2026-11-28 18:00")


def test_the_list_filters_are_the_exports(world):
    response = act(world["manager"], "registration", "export_registrations_csv", query="?status__exact=waiting")
    table = read_csv(b"".join(response.streaming_content))
    assert [row[1] for row in table[1:]] == ["bruno", "chloe"]


def test_registrations_xlsx_reads_back(world):
    response = act(world["other"], "registration", "export_registrations_xlsx")
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
    rows = list(workbook.active.iter_rows(values_only=True))
    assert rows[0][:3] == ("person", "username", "e-mail")
    assert [row[:8] for row in rows[1:]] == [
        ("Ève Étienne", "eve", "eve@example.org", "EXP-B", world["foreign"].name, "C-B", "Learner", "Confirmed")
    ]
    assert rows[1][8].year == Registration.objects.get(user__username="eve").registered_at.year


def test_a_roster_lists_seats_then_the_waiting_list_in_order(world):
    response = act(world["manager"], "session", "export_roster_csv")
    table = read_csv(b"".join(response.streaming_content))
    assert table[0][:6] == ["session code", "session", "role", "status", "waiting-list position", "person"]
    assert [(row[2], row[3], row[4], row[6]) for row in table[1:]] == [
        ("Trainer", "Confirmed", "", "tom"),
        ("Learner", "Confirmed", "", "anne"),
        ("Learner", "Waiting list", "1", "chloe"),
        ("Learner", "Waiting list", "2", "bruno"),
    ]


def test_a_roster_in_xlsx(world):
    response = act(world["manager"], "session", "export_roster_xlsx")
    rows = list(load_workbook(io.BytesIO(b"".join(response.streaming_content))).active.iter_rows(values_only=True))
    assert [row[6] for row in rows[1:]] == ["tom", "anne", "chloe", "bruno"]
    assert rows[3][4] == 1


def test_export_actions_need_the_list(world):
    learner = world["people"]["anne"]
    assert act(learner, "registration", "export_registrations_csv").status_code == 302
    staff = UserFactory(username="plain.staff", is_staff=True)
    assert act(staff, "registration", "export_registrations_csv").status_code == 403


def test_documents_export_has_code_and_verification_url(world, templates, media, tmp_path):  # noqa: F811
    anne = Registration.objects.get(user__username="anne")
    issued = documents_service.issue(kind=DocumentKind.SESSION_INVITATION, registration=anne, actor=world["manager"])
    response = act(world["manager"], "issueddocument", "export_documents_csv")
    table = read_csv(b"".join(response.streaming_content))
    assert table[0] == ["kind", "verification code", "holder", "session code", "issued on", "verification URL"]
    assert table[1][:4] == ["Session invitation", issued.verification_code, issued.holder_name, "EXP-A"]
    assert table[1][5] == documents_service.verification_url(issued.verification_code)
    assert table[1][5].startswith("http") and table[1][5].endswith(f"{issued.verification_code}/")
    assert len(read_csv(b"".join(act(world["other"], "issueddocument", "export_documents_csv").streaming_content))) == 1
    target = tmp_path / "documents.xlsx"
    call_command("cursus_export", "documents", "--format", "xlsx", "--output", str(target))
    rows = list(load_workbook(target).active.iter_rows(values_only=True))
    assert rows[1][1] == issued.verification_code


def test_command_exports_with_filters_and_scope(world, tmp_path):
    target = tmp_path / "r.csv"
    call_command("cursus_export", "registrations", "--actor", "manager.theirs", "-o", str(target))
    assert [row[1] for row in read_csv(target.read_bytes())[1:]] == ["eve"]
    call_command("cursus_export", "registrations", "--course", "C-A", "--status", "waiting", "-o", str(target))
    assert [row[1] for row in read_csv(target.read_bytes())[1:]] == ["bruno", "chloe"]
    day = world["mine"].start.date().isoformat()
    call_command("cursus_export", "roster", "--start-from", day, "--start-until", day, "-o", str(target))
    assert {row[0] for row in read_csv(target.read_bytes())[1:]} == {"EXP-A", "EXP-B"}
    call_command("cursus_export", "roster", "--start-from", "2099-01-01", "-o", str(target))
    assert len(read_csv(target.read_bytes())) == 1


def _peak_of_export(count, users, session):
    Registration.objects.all().delete()
    Registration.objects.bulk_create(
        Registration(user=user, session=session, role=Role.LEARNER, status=RegistrationStatus.CONFIRMED)
        for user in users[:count]
    )
    header, rows = exports.registration_rows(Registration.objects.all())
    tracemalloc.start()
    size = sum(len(chunk) for chunk in csv_chunks(header, rows))
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return size, peak


def test_an_export_streams_in_bounded_memory(db):
    from django.contrib.auth import get_user_model

    User = get_user_model()
    User.objects.bulk_create(User(username=f"p{n:05d}", email=f"p{n:05d}@example.org") for n in range(20_000))
    users = list(User.objects.order_by("pk"))
    session = SessionFactory()
    small_size, small_peak = _peak_of_export(5_000, users, session)
    large_size, large_peak = _peak_of_export(20_000, users, session)
    assert large_size > 3.9 * small_size
    # Four times the rows, not four times the memory: one chunk of rows at a time (measured here:
    # 2.24 MB at 10,000 rows, 2.25 MB at 20,000, 2.28 MB at 40,000).
    assert large_peak < 1.3 * small_peak, (small_peak, large_peak)


def test_a_name_that_looks_like_a_formula_stays_text(world):
    anne = world["people"]["anne"]
    anne.first_name, anne.last_name = '=HYPERLINK("http://evil")', ""
    anne.save()
    table = read_csv(b"".join(act(world["manager"], "registration", "export_registrations_csv").streaming_content))
    assert {row[1]: row[0] for row in table[1:]}["anne"] == '\'=HYPERLINK("http://evil")'
    response = act(world["manager"], "registration", "export_registrations_xlsx")
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    cell = next(row[0] for row in sheet.iter_rows() if row[1].value == "anne")
    assert (cell.value, cell.data_type) == ('=HYPERLINK("http://evil")', "s")
