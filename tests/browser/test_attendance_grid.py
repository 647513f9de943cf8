"""A trainer who is also a training manager takes a séance's roll call in the admin grid, by keyboard
alone, and the page passes axe (issue 16 item 1)."""

import pytest
from django.urls import reverse

from cursus_xblock.models import Attendance, EventRegistration, OrganizationManager, RegistrationHistory
from tests.browser import expect

from ..attendance import held_session
from .a11y import assert_no_serious_violations


@pytest.fixture
def held(db):
    held = held_session(learners=2)
    trainer = held.trainer
    trainer.is_staff = True
    trainer.set_password("mot-de-passe")
    trainer.save()
    OrganizationManager.objects.create(user=trainer, organization=held.session.course.organization)
    return held


@pytest.mark.parametrize("page_locale", ["fr-FR"])
def test_trainer_manager_takes_the_roll_call_by_keyboard(page, login, shot, held):
    first, second = (p.get_full_name() for p in held.learners)
    login(page, "formatrice", "mot-de-passe")
    page.goto(reverse("admin:cursus_xblock_session_change", args=[held.session.pk]))
    page.get_by_role("link", name="Faire l'appel (apprenants × séances)").focus()
    page.keyboard.press("Enter")

    expect(page.get_by_role("table", name="Présences par apprenant et par séance")).to_be_visible()
    expect(page.get_by_label(f"Présence d'{first} à Mise en pratique")).to_be_disabled()
    assert_no_serious_violations(page, "grille des présences")
    shot(page, "grille")

    page.get_by_label(f"Présence d'{first} à Accueil").focus()
    page.keyboard.type("P")  # « Présent »
    page.keyboard.press("Tab")  # the séance ahead is locked: straight to the next learner
    expect(page.get_by_label(f"Présence d'{second} à Accueil")).to_be_focused()
    page.keyboard.type("Absence j")  # « Absence justifiée »
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Enregistrer les présences")).to_be_focused()
    page.keyboard.press("Enter")
    page.wait_for_load_state()

    expect(page.locator(".messagelist")).to_contain_text("Présences enregistrées : 2 modifications, 0 inchangée(s).")
    expect(page.get_by_label(f"Présence d'{first} à Accueil")).to_have_value("present")
    assert_no_serious_violations(page, "grille après l'appel")
    shot(page, "grille-enregistree")
    states = dict(
        EventRegistration.objects.filter(event=held.past, registration__role="learner").values_list(
            "registration__user__username", "attendance"
        )
    )
    assert states == {
        held.learners[0].username: Attendance.PRESENT,
        held.learners[1].username: Attendance.ABSENT_JUSTIFIED,
    }
    assert set(RegistrationHistory.objects.filter(action="attendance").values_list("actor__username", flat=True)) == {
        "formatrice"
    }

    page.get_by_role("button", name="Tous présents — Accueil").focus()
    page.keyboard.press("Enter")
    page.wait_for_load_state()
    expect(page.locator(".messagelist")).to_contain_text("1 modification, 1 inchangée(s).")
    expect(page.get_by_label(f"Présence d'{second} à Accueil")).to_have_value("present")
