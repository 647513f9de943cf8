"""The reports page (issue 18 item 4): each figure's table and export on a built data set, the
filters, organizations, who may open it, and its queries constant whatever the number of sessions.

The data set: two past sessions. P1 (course C-A, organization A, two seats): Alice and Bruno
confirmed, Chloé on the waiting list; séance E1 (3 h) Alice present, Bruno absent without
justification; séance E2 (2 h) both present; Alice's certificate issued. P2 (course C-B,
organization B): Denis present at E3 (4 h); Émile registered then unregistered (a cancellation).
"""

import csv
import datetime
import io

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.db.models import F
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from cursus_xblock.models import (
    Attendance,
    DocumentKind,
    Event,
    EventRegistration,
    Organization,
    OrganizationManager,
    Registration,
    Role,
    Session,
)
from cursus_xblock.selectors import reports
from cursus_xblock.services import attendance as attendance_service
from cursus_xblock.services import documents as documents_service
from cursus_xblock.services import registration as registration_service

from .documents.conftest import media, templates  # noqa: F401  (fixtures)
from .factories import CourseFactory, EventFactory, SessionFactory, UserFactory

pytestmark = pytest.mark.django_db

PAGE = "admin:cursus_xblock_trainingreport_changelist"
HOUR = datetime.timedelta(hours=1)


def _register(session, *users, actor):
    outcomes = registration_service.register_users(session=session, users=list(users), role=Role.LEARNER, actor=actor)
    return [o.registration for o in outcomes]


def _move(session, start):
    """Registered while ahead (séances are joined only before they start), then held at ``start``."""
    shift = start - session.start
    Session.objects.filter(pk=session.pk).update(start=F("start") + shift, end=F("end") + shift)
    Event.objects.filter(session=session).update(start=F("start") + shift, end=F("end") + shift)


def _mark(event, marks, actor):
    event.refresh_from_db()
    cells = {
        cell.registration.user.username: cell.pk
        for cell in EventRegistration.objects.filter(event=event).select_related("registration__user")
    }
    attendance_service.attendance_mark_many(
        event=event, marks={cells[name]: state for name, state in marks.items()}, actor=actor
    )


@pytest.fixture
def world(templates):  # noqa: F811
    now = timezone.now()
    organizations = {
        "A": Organization.objects.create(short_name="ORGA", name="Organisation A"),
        "B": Organization.objects.create(short_name="ORGB", name="Organisation B"),
    }
    root = UserFactory(username="root", is_staff=True, is_superuser=True)
    people = {
        name: UserFactory(username=name, first_name=first, last_name=last)
        for name, first, last in (
            ("alice", "Alice", "Martin"),
            ("bruno", "Bruno", "Petit"),
            ("chloe", "Chloé", "Roux"),
            ("denis", "Denis", "Faure"),
            ("emile", "Émile", "Garnier"),
        )
    }
    start = now - datetime.timedelta(days=20)
    ahead = now + datetime.timedelta(days=10)
    p1 = SessionFactory(
        course=CourseFactory(code="C-A", title="Gestes et postures", organization=organizations["A"]),
        code="P1",
        name="Gestes printemps",
        capacity=2,
        start=ahead,
        end=ahead + datetime.timedelta(days=1),
    )
    e1 = EventFactory(session=p1, name="E1", start=ahead + HOUR, end=ahead + 4 * HOUR)
    e2 = EventFactory(session=p1, name="E2", start=ahead + 5 * HOUR, end=ahead + 7 * HOUR)
    alice, _bruno, _chloe = _register(p1, people["alice"], people["bruno"], people["chloe"], actor=root)
    _move(p1, start)
    _mark(e1, {"alice": Attendance.PRESENT, "bruno": Attendance.ABSENT_UNJUSTIFIED}, root)
    _mark(e2, {"alice": Attendance.PRESENT, "bruno": Attendance.PRESENT}, root)
    documents_service.issue(kind=DocumentKind.SESSION_CERTIFICATE, registration=alice, actor=root)

    p2 = SessionFactory(
        course=CourseFactory(code="C-B", title="Incendie", organization=organizations["B"]),
        code="P2",
        name="Incendie été",
        capacity=None,
        start=ahead,
        end=ahead + datetime.timedelta(days=1),
    )
    e3 = EventFactory(session=p2, name="E3", start=ahead + HOUR, end=ahead + 5 * HOUR)
    _denis, emile = _register(p2, people["denis"], people["emile"], actor=root)
    _move(p2, start)
    _mark(e3, {"denis": Attendance.PRESENT}, root)
    registration_service.unregister(registration=emile, actor=root)

    site = UserFactory(username="site.manager", is_staff=True)
    site.user_permissions.add(Permission.objects.get(codename="manage_registrations"))
    manager_a = UserFactory(username="manager.a", is_staff=True)
    OrganizationManager.objects.create(user=manager_a, organization=organizations["A"])
    period = {
        "start": (timezone.localdate() - datetime.timedelta(days=60)).isoformat(),
        "end": (timezone.localdate() + datetime.timedelta(days=30)).isoformat(),
    }
    return {
        "organizations": organizations,
        "sessions": {"P1": p1, "P2": p2},
        "people": {**people, "root": root, "site": site, "manager_a": manager_a},
        "period": period,
        "start": start,
    }


def _client(user):
    client = Client()
    client.force_login(user)
    return client


def _page(world, user="site", **params):
    response = _client(world["people"][user]).get(reverse(PAGE), {**world["period"], **params})
    assert response.status_code == 200, response.status_code
    return response


def _figure(response, key):
    (item,) = [item for item in response.context["figures"] if item["figure"].key == key]
    return item


def _table(response, key):
    return _figure(response, key)["rows"]


def _csv(response):
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text), delimiter=";"))


def test_fill_rate_per_session(world):
    response = _page(world)
    rows = _table(response, "fill")
    assert rows == [
        ["Gestes printemps [P1]", "C-A", rows[0][2], "2", "2", "0", "1", "100"],
        ["Incendie été [P2]", "C-B", rows[1][2], "unlimited", "1", "0", "0", "—"],
    ]
    html = response.content.decode()
    assert 'id="cursus-report-table-fill"' in html
    assert 'aria-describedby="cursus-report-table-fill"' in html  # the chart points to its table


def test_fill_rate_export_csv_is_the_table(world):
    client = _client(world["people"]["site"])
    url = reverse("admin:cursus_report_export", args=["fill", "csv"])
    response = client.get(url, world["period"])
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="report-fill-')
    header, *rows = _csv(response)
    assert header[0] == "Session code" and header[-1] == "Fill rate (%)"
    assert [row[:3] + row[4:] for row in rows] == [
        ["P1", "Gestes printemps", "C-A", "2", "2", "0", "1", "100"],
        ["P2", "Incendie été", "C-B", "", "1", "0", "0", ""],
    ]


def test_attendance_per_event_and_learner(world):
    response = _page(world)
    events = _table(response, "events")
    assert [[row[0], row[1], *row[3:]] for row in events] == [
        ["E1", "P1", "2", "1", "0", "1", "50"],
        ["E3", "P2", "1", "1", "0", "0", "100"],
        ["E2", "P1", "2", "2", "0", "0", "100"],
    ]
    learners = _table(response, "learners")
    assert learners == [
        ["Denis Faure", "denis", "1", "4", "4", "100"],
        ["Alice Martin", "alice", "2", "5", "5", "100"],
        ["Bruno Petit", "bruno", "2", "5", "2", "40"],
    ]


def test_hours_trained_per_person_course_and_month(world):
    response = _page(world)
    assert _table(response, "hours_person") == [
        ["Alice Martin", "alice", "5"],
        ["Denis Faure", "denis", "4"],
        ["Bruno Petit", "bruno", "2"],
    ]
    assert _table(response, "hours_course") == [
        ["C-A", "Gestes et postures", "3", "7"],
        ["C-B", "Incendie", "1", "4"],
    ]
    months = _table(response, "hours_month")
    assert len(months) == len(reports.Filters(*map(datetime.date.fromisoformat, world["period"].values())).months)
    held = timezone.localtime(world["start"] + HOUR).date().replace(day=1)
    shown = dict(months)
    assert shown[_month_name(held)] == "11"
    assert sum(float(hours) for hours in shown.values()) == 11


def _month_name(day):
    from django.utils import formats

    return formats.date_format(day, "YEAR_MONTH_FORMAT")


def test_no_shows_cancellations_and_certificates(world):
    response = _page(world)
    assert _table(response, "no_shows") == [["Bruno Petit", "bruno", "1", "3"]]
    this_month = _month_name(timezone.localdate().replace(day=1))
    cancellations = {row[0]: row[1:] for row in _table(response, "cancellations")}
    assert cancellations[this_month] == ["1", "0", "1"]
    assert sum(int(row[-1]) for row in cancellations.values()) == 1
    certificates = dict(_table(response, "certificates_month"))
    assert certificates[this_month] == "1"
    assert _table(response, "certificates_course") == [["Gestes et postures [C-A]", "1"]]


def test_every_export_in_csv_and_xlsx_holds_the_figure(world):
    client = _client(world["people"]["site"])
    for key in ("events", "learners", "hours_person", "hours_course", "no_shows", "certificates_course"):
        csv_rows = _csv(client.get(reverse("admin:cursus_report_export", args=[key, "csv"]), world["period"]))
        response = client.get(reverse("admin:cursus_report_export", args=[key, "xlsx"]), world["period"])
        assert response.status_code == 200
        sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
        xlsx_rows = [["" if v is None else str(v) for v in row] for row in sheet.iter_rows(values_only=True)]
        assert len(csv_rows) == len(xlsx_rows) > 1, key
        assert csv_rows[0] == xlsx_rows[0]
    no_shows = _csv(client.get(reverse("admin:cursus_report_export", args=["no_shows", "csv"]), world["period"]))
    assert no_shows == [["Learner", "Username", "Séances missed", "Hours missed"], ["Bruno Petit", "bruno", "1", "3.0"]]


def test_filters_course_and_period(world):
    course = world["sessions"]["P2"].course
    response = _page(world, course=course.pk)
    assert [row[0] for row in _table(response, "fill")] == ["Incendie été [P2]"]
    assert [row[0] for row in _table(response, "events")] == ["E3"]
    assert _table(response, "no_shows") == []
    assert "Nothing in this period." in response.content.decode()
    later = timezone.localdate() + datetime.timedelta(days=1)
    response = _page(world, start=later.isoformat(), end=(later + datetime.timedelta(days=10)).isoformat())
    assert _table(response, "fill") == [] and _table(response, "events") == []


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"start": "2026-05-01", "end": "2026-04-01"}, "The end of the period must not be before its start."),
        ({"start": "2020-01-01", "end": "2026-12-31"}, "The period may not be longer than 60 months."),
        ({"start": "demain"}, "Enter a valid date."),
        ({"course": "999999"}, "Select a valid choice."),
    ],
)
def test_bad_filters_say_why_and_show_nothing(world, params, message):
    client = _client(world["people"]["site"])
    response = client.get(reverse(PAGE), params)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert response.context["figures"] == []
    export = client.get(reverse("admin:cursus_report_export", args=["fill", "csv"]), params)
    assert export.status_code == 302 and export["Location"].startswith(reverse(PAGE))


def test_unknown_report_or_format_is_404(world):
    client = _client(world["people"]["site"])
    assert client.get(reverse("admin:cursus_report_export", args=["salaries", "csv"])).status_code == 404
    assert client.get(reverse("admin:cursus_report_export", args=["fill", "pdf"])).status_code == 404


def test_organization_manager_sees_only_their_organization(world):
    response = _page(world, user="manager_a")
    assert [row[0] for row in _table(response, "fill")] == ["Gestes printemps [P1]"]
    assert [row[1] for row in _table(response, "learners")] == ["alice", "bruno"]
    assert sum(int(row[-1]) for row in _table(response, "cancellations")) == 0  # P2's is B's
    form = response.context["form"]
    assert [c.code for c in form.fields["course"].queryset] == ["C-A"]
    assert [o.short_name for o in form.fields["organization"].queryset] == ["ORGA"]
    # Another organization's course is not a choice: refused, nothing shown.
    response = _page(world, user="manager_a", course=world["sessions"]["P2"].course.pk)
    assert response.context["figures"] == []
    export = _client(world["people"]["manager_a"]).get(
        reverse("admin:cursus_report_export", args=["learners", "csv"]), world["period"]
    )
    assert [row[1] for row in _csv(export)[1:]] == ["alice", "bruno"]


def test_organization_filter(world):
    response = _page(world, organization=world["organizations"]["B"].pk)
    assert [row[0] for row in _table(response, "fill")] == ["Incendie été [P2]"]


def test_no_organization_field_without_organizations(world):
    client = _client(world["people"]["site"])
    assert "organization" in client.get(reverse(PAGE)).context["form"].fields
    for course in (world["sessions"]["P1"].course, world["sessions"]["P2"].course):
        course.organization = None
        course.save()
    OrganizationManager.objects.all().delete()
    Organization.objects.all().delete()
    assert "organization" not in client.get(reverse(PAGE)).context["form"].fields


@pytest.mark.parametrize(
    ("caller", "status"), [("anonymous", 302), ("learner", 302), ("staff", 403), ("site", 200), ("manager_a", 200)]
)
def test_who_may_open_the_reports(world, caller, status):
    users = {
        "anonymous": None,
        "learner": world["people"]["alice"],
        "staff": UserFactory(username="plain.staff", is_staff=True),
        "site": world["people"]["site"],
        "manager_a": world["people"]["manager_a"],
    }
    client = Client()
    if users[caller] is not None:
        client.force_login(users[caller])
    for url in (reverse(PAGE), reverse("admin:cursus_report_export", args=["fill", "csv"])):
        response = client.get(url)
        assert response.status_code == status, (caller, url)
        if status == 302:
            assert "/login/" in response["Location"]


def test_reports_are_linked_from_the_training_index(world):
    client = _client(world["people"]["manager_a"])
    index = client.get(reverse("admin:app_list", kwargs={"app_label": "cursus_xblock"})).content.decode()
    assert reverse(PAGE) in index and ">Reports<" in index
    staff = _client(UserFactory(username="plain.staff2", is_staff=True))
    assert reverse(PAGE) not in staff.get(reverse("admin:index")).content.decode()


def test_reports_page_changes_nothing(world):
    def snapshot():
        return (
            list(Registration.objects.values_list("pk", "status").order_by("pk")),
            list(EventRegistration.objects.values_list("pk", "attendance").order_by("pk")),
        )

    before = snapshot()
    _page(world)
    _client(world["people"]["site"]).get(reverse("admin:cursus_report_export", args=["fill", "xlsx"]))
    assert snapshot() == before
    assert _client(world["people"]["site"]).post(reverse(PAGE)).status_code == 405


def _sessions(n, course, root, learner):
    start = timezone.now() - datetime.timedelta(days=5)
    for _i in range(n):
        session = SessionFactory(course=course, capacity=5)
        event = EventFactory(session=session)
        _register(session, learner, actor=root)
        _move(session, start)
        _mark(event, {learner.username: Attendance.PRESENT}, root)


def _queries(client, params):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse(PAGE), params)
    assert response.status_code == 200
    return len(queries), response


@pytest.mark.database
def test_reports_page_queries_constant_at_3_and_30_sessions(world):
    """Issue 18 item 5: the reports page constant in queries whatever the number of sessions."""
    root, learner = world["people"]["root"], UserFactory(username="many")
    course = CourseFactory(code="C-MANY", organization=world["organizations"]["A"])
    _sessions(3, course, root, learner)
    counts = {}
    for user in ("site", "manager_a"):
        client = _client(world["people"][user])
        counts[user, 3], response = _queries(client, world["period"])
        assert len(_table(response, "fill")) >= 3
    _sessions(27, course, root, learner)
    for user in ("site", "manager_a"):
        client = _client(world["people"][user])
        counts[user, 30], response = _queries(client, world["period"])
        assert sum(1 for row in _table(response, "fill") if row[1] == "C-MANY") == 30
    assert counts["site", 3] == counts["site", 30], counts
    assert counts["manager_a", 3] == counts["manager_a", 30], counts
