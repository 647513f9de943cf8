"""Issue 15 item 4: French as a French administrator writes it, and the same care in English.

Elision before a name (« Inscriptions d'Agnès »), no capital after a colon inside a sentence, status
words that fit everyone (« Déjà inscrit·e »), « À venir » for séances not held yet, time zones as
people say them, no technical group in the user list's filter, the workbench's signed-in line.
"""

import datetime
import html
import io
import json
import re
import zoneinfo

import pytest
from django.contrib.auth.models import Group
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from pypdf import PdfReader

from cursus_xblock.admin.picker.summary import outcome_label
from cursus_xblock.backends.groups import group_name
from cursus_xblock.models import Attendance, DocumentTemplate, EventRegistration, Registration, Role
from cursus_xblock.services import documents
from cursus_xblock.services import registration as service
from cursus_xblock.utils.dates import after_colon, date_range, interpolate, zone_name

from .factories import EventFactory, SessionFactory, UserFactory

pytestmark = pytest.mark.django_db
PARIS = zoneinfo.ZoneInfo("Europe/Paris")
FR = {"HTTP_ACCEPT_LANGUAGE": "fr"}


@pytest.fixture
def agnes():
    return UserFactory(username="agnes", first_name="Agnès", last_name="Béranger")


def _page(admin_client, user, **headers):
    response = admin_client.get(reverse("admin:cursus_user_registrations", args=[user.pk]), **headers)
    assert response.status_code == 200
    return html.unescape(response.content.decode())


def test_item_4_a_name_that_starts_with_a_vowel_is_elided(admin_client, agnes):
    session = SessionFactory(name="Incendie — Nantes")
    service.register(user=agnes, sessions=[session], role=Role.LEARNER)

    page = _page(admin_client, agnes, **FR)

    assert "Inscriptions d'Agnès Béranger (agnes)" in page
    assert "Inscriptions de Agnès" not in page
    strings = json.loads(re.search(r'id="cursus-strings"[^>]*>(.*?)</script>', page, re.S).group(1))
    assert strings["invitation"] == "Convocation d'Agnès Béranger (agnes)"
    assert strings["certificate"] == "Attestation de présence d'Agnès Béranger (agnes)"
    # A consonant, and English, are left as they are.
    with translation.override("fr"):
        assert interpolate("Inscriptions de %(user)s", user="Paul Martin") == "Inscriptions de Paul Martin"
        assert interpolate("heure de %(city)s", city="Amsterdam") == "heure d'Amsterdam"
    assert "Registrations of Agnès Béranger (agnes)" in _page(admin_client, agnes)


def test_item_4_the_french_default_invitation_elides_the_name(agnes, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    start = datetime.datetime(2026, 12, 12, 9, 0, tzinfo=PARIS)
    session = SessionFactory(start=start, end=start + datetime.timedelta(hours=8), time_zone="Europe/Paris")
    (outcome,) = service.register(user=agnes, sessions=[session], role=Role.LEARNER)
    template = DocumentTemplate.objects.get(kind="session_invitation", language="fr", is_default=True)

    document = documents.preview(kind="session_invitation", registration=outcome.registration, template=template)

    text = " ".join(" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(document.content)).pages)
    assert "Convocation d'Agnès Béranger" in text
    assert "12 décembre 2026 à 09:00 (heure de Paris)" in text


def test_item_4_no_capital_after_a_colon_and_statuses_that_fit_everyone():
    with translation.override("fr"):
        assert str(outcome_label({"result": "refused", "refusal": "full"})) == "Refusé : la session est complète."
        assert str(outcome_label({"result": "already_registered"})) == "Déjà inscrit·e"
        waiting = {"result": "already_registered", "position": 2}
        assert str(outcome_label(waiting)) == "Déjà en liste d'attente (position 2)"
        assert after_colon("LMS indisponible.") == "LMS indisponible."  # an acronym keeps its capitals
    with translation.override("en"):
        assert str(outcome_label({"result": "refused", "refusal": "full"})) == "Refused: The session is full."


def test_item_4_a_seance_not_held_yet_has_its_attendance_to_come(admin_client, agnes):
    now = timezone.now()
    session = SessionFactory(start=now + datetime.timedelta(days=1), end=now + datetime.timedelta(days=3))
    held = EventFactory(session=session, name="Séance tenue", start=now + datetime.timedelta(days=1, hours=1))
    EventFactory(session=session, name="Séance à venir", start=now + datetime.timedelta(days=2))
    service.register(user=agnes, sessions=[session], role=Role.LEARNER)
    type(held).objects.filter(pk=held.pk).update(
        start=now - datetime.timedelta(hours=4), end=now - datetime.timedelta(hours=1)
    )
    EventRegistration.objects.filter(event=held).update(attendance=Attendance.PRESENT)
    assert Registration.objects.filter(user=agnes).count() == 1

    page = _page(admin_client, agnes, **FR)

    rows = re.findall(r"<tr>\s*<td>(Séance[^<]*)</td>.*?</tr>", page, re.S)
    assert rows == ["Séance tenue", "Séance à venir"]
    to_come = page.split("Séance à venir", 1)[1].split("</tr>", 1)[0]
    held_row = page.split("Séance tenue", 1)[1].split("</tr>", 1)[0]
    assert "À venir" in to_come and "Non renseignée" not in to_come
    assert "Présent·e" in held_row


def test_item_4_time_zones_are_named_as_people_say_them():
    start = datetime.datetime(2026, 12, 12, 9, 0, tzinfo=PARIS)
    with translation.override("fr"):
        assert date_range(start, start + datetime.timedelta(hours=8), PARIS).endswith("(heure de Paris)")
        assert zone_name(zoneinfo.ZoneInfo("America/New_York")) == "heure de New York"
    with translation.override("en"):
        assert date_range(start, start + datetime.timedelta(hours=8), PARIS).endswith("(Paris time)")
        assert zone_name(zoneinfo.ZoneInfo("UTC")) == "UTC"


def test_item_4_technical_groups_are_not_offered_in_the_user_filter(admin_client, agnes):
    team = Group.objects.create(name="Équipe maintenance")
    team.user_set.add(agnes)
    service.register(user=agnes, sessions=[SessionFactory(workspace_key="course-v1:Org+SST+2026")], role=Role.LEARNER)
    technical = group_name("course-v1:Org+SST+2026", "collaborator")
    assert Group.objects.filter(name=technical, user=agnes).exists()

    page = html.unescape(admin_client.get(reverse("admin:auth_user_changelist"), **FR).content.decode())

    assert "Équipe maintenance" in page
    assert "cursus:course-v1" not in page


def test_item_4_the_workbench_says_who_is_signed_in_in_french(rf, agnes):
    # The demo's workbench page, rendered as its view does (the index would load every installed
    # XBlock's entry point: only the page's own wording matters here).
    request = rf.get("/workbench/")
    request.user = agnes
    with translation.override("fr"):
        page = html.unescape(render_to_string("workbench/index.html", {"scenarios": []}, request=request))

    assert '<html lang="fr">' in page
    assert "<title>Banc d'essai XBlock</title>" in page
    assert "Connecté·e en tant que <strong>Agnès Béranger</strong> (agnes)" in page
    assert "Déconnexion" in page and "Signed in as" not in page
