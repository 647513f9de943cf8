"""Justifications of absence (issue 16 item 2): a checked file attached by the learner or the attendance takers."""

import io

import pytest
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from cursus_xblock.models import AbsenceEvidence, Attendance, RegistrationHistory
from cursus_xblock.services import attendance, evidence
from cursus_xblock.services.outcomes import RegistrationError

from .attendance import held_session
from .factories import UserFactory

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def held():
    return held_session(learners=2)


@pytest.fixture
def people(held):
    elsewhere = held_session(learners=1, organization="AILLEURS", trainer="autre.formatrice")
    manager = UserFactory(username="gestionnaire", is_staff=True)
    manager.user_permissions.add(Permission.objects.get(codename="manage_registrations"))
    return {
        "anonymous": None,
        "learner": held.learners[0],
        "other learner": held.learners[1],
        "learner elsewhere": elsewhere.learners[0],
        "other trainer": elsewhere.trainer,
        "manager": manager,
        "trainer": held.trainer,
    }


def upload(content=PDF, name="certificat-medical.pdf"):
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def png():
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (20, 20), "white").save(buffer, "PNG")
    return buffer.getvalue()


@pytest.mark.parametrize("who", ["learner", "trainer", "manager"])
def test_the_learner_or_an_attendance_taker_attaches_a_justification_with_history(held, people, who):
    cell = held.cell(held.learners[0], held.past)
    attendance.attendance_mark(event_registration=cell, state=Attendance.ABSENT_UNJUSTIFIED, actor=held.trainer)

    item = evidence.attach_evidence(event_registration=cell, actor=people[who], upload=upload())

    assert (item.media_type, item.size, item.name, item.uploaded_by) == (
        "application/pdf",
        len(PDF),
        "certificat-medical.pdf",
        people[who],
    )
    assert evidence.read_evidence(item) == PDF
    assert "certificat" not in item.file.name and item.file.name.endswith(".pdf")
    entry = RegistrationHistory.objects.get(action="evidence")
    assert (entry.actor, entry.event_registration, entry.new_value_label()) == (
        people[who],
        cell,
        "Justification attached",
    )
    cell.refresh_from_db()
    assert cell.attendance == Attendance.ABSENT_UNJUSTIFIED  # the trainer decides « justified »


@pytest.mark.parametrize(
    ("content", "name", "code"),
    [
        (b"<html><script>alert(1)</script>", "note.pdf", "bad_type"),
        (b"GIF89a....", "photo.png", "bad_type"),
        (PDF + b"\0" * (5 * 1024 * 1024), "big.pdf", "too_big"),
        (b"", "empty.pdf", "no_file"),
    ],
    ids=["html-named-pdf", "gif", "over-5-MB", "empty"],
)
def test_bad_files_are_refused_and_nothing_is_stored(held, content, name, code):
    cell = held.cell(held.learners[0], held.past)
    with pytest.raises(RegistrationError) as refused:
        evidence.attach_evidence(event_registration=cell, actor=held.learners[0], upload=upload(content, name))
    assert refused.value.code == code
    assert not AbsenceEvidence.objects.exists() and not RegistrationHistory.objects.filter(action="evidence").exists()


def test_png_and_jpeg_are_accepted_by_their_content():
    held = held_session(learners=1)
    cell = held.cell(held.learners[0], held.past)
    item = evidence.attach_evidence(event_registration=cell, actor=held.learners[0], upload=upload(png(), "scan"))
    jpeg = evidence.attach_evidence(
        event_registration=cell, actor=held.learners[0], upload=upload(b"\xff\xd8\xff\xe0" + b"\0" * 10, "a.pdf")
    )
    assert (item.media_type, jpeg.media_type) == ("image/png", "image/jpeg")


def test_a_present_learner_has_no_absence_to_justify(held):
    cell = held.cell(held.learners[0], held.past)
    attendance.attendance_mark(event_registration=cell, state=Attendance.PRESENT, actor=held.trainer)
    with pytest.raises(RegistrationError) as refused:
        evidence.attach_evidence(event_registration=cell, actor=held.learners[0], upload=upload())
    assert (
        str(refused.value.message) == "This learner is recorded present at this séance: there is no absence to justify."
    )


@pytest.mark.parametrize("who", ["other learner", "learner elsewhere", "other trainer"])
def test_others_may_not_attach(held, people, who):
    cell = held.cell(held.learners[0], held.past)
    with pytest.raises(RegistrationError) as refused:
        evidence.attach_evidence(event_registration=cell, actor=people[who], upload=upload())
    assert refused.value.code == "forbidden"


@pytest.mark.parametrize(
    ("who", "page", "file"),
    [
        ("anonymous", 302, 302),
        ("learner", 200, 200),
        ("other learner", 403, 404),
        ("learner elsewhere", 403, 404),
        ("other trainer", 403, 404),
        ("manager", 200, 200),
        ("trainer", 200, 200),
    ],
)
def test_permission_matrix_of_the_justification_pages(client, held, people, who, page, file):
    cell = held.cell(held.learners[0], held.past)
    item = evidence.attach_evidence(event_registration=cell, actor=held.learners[0], upload=upload())
    if people[who] is not None:
        client.force_login(people[who])
    url = reverse("cursus_xblock:evidence", args=[cell.pk])

    assert client.get(url).status_code == page
    posted = client.post(url, {"file": upload()})
    got = client.get(reverse("cursus_xblock:evidence_file", args=[item.pk]))

    assert posted.status_code == (302 if page == 200 else page)
    assert AbsenceEvidence.objects.count() == (2 if page == 200 else 1)
    assert got.status_code == file
    if file == 200:
        assert got.content == PDF and got["Content-Type"] == "application/pdf"
        assert got["X-Content-Type-Options"] == "nosniff" and "attachment" in got["Content-Disposition"]


def test_the_page_refuses_a_bad_file_with_a_message(client, held):
    cell = held.cell(held.learners[0], held.past)
    client.force_login(held.learners[0])
    answer = client.post(reverse("cursus_xblock:evidence", args=[cell.pk]), {"file": upload(b"MZ\x90\x00", "x.pdf")})
    assert answer.status_code == 400
    assert "The file must be a PDF, PNG or JPEG document." in answer.content.decode()
    assert not AbsenceEvidence.objects.exists()
