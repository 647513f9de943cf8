"""Self check-in in Chromium (issue 16 item 2): a learner on a phone signs with the pointer, the trainer validates.

The trainer opens check-in in the XBlock (workbench) and reads the séance code off their screen; one
learner opens the short address on a 390×844 phone and another checks in from the XBlock on the
same phone, both drawing with Playwright's mouse on the canvas; the trainer then validates in the
XBlock's roll call. axe on every screen, a screenshot of each.
"""

import re
from urllib.parse import urlsplit

import pytest

from cursus_xblock.models import Attendance, Course, EventRegistration, Signature

from ..checkin import live_session
from . import expect
from .a11y import assert_no_serious_violations
from .test_xblock_workbench import PASSWORD, scenario_url, sign_in, workbench  # noqa: F401

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def held(transactional_db):
    held = live_session(learners=2)
    Course.objects.filter(pk=held.session.course_id).update(code="SST")
    for person in (*held.learners, held.trainer):
        person.set_password(PASSWORD)
        person.save()
    return held


def draw(page, canvas):
    """A signature with the pointer: a few strokes across the box."""
    box = canvas.bounding_box()
    x, y, w, h = box["x"], box["y"], box["width"], box["height"]
    page.mouse.move(x + 0.1 * w, y + 0.7 * h)
    page.mouse.down()
    for fx, fy in ((0.25, 0.2), (0.4, 0.8), (0.55, 0.3), (0.7, 0.75), (0.9, 0.35)):
        page.mouse.move(x + fx * w, y + fy * h, steps=6)
    page.mouse.up()


def test_issue16_item2_a_learner_checks_in_on_a_phone_and_the_trainer_validates(page, new_page, shot, workbench, held):  # noqa: F811
    first, second = held.learners
    sign_in(page, held.trainer, next_url=scenario_url())
    roll = page.locator(f'.cursus-roll[data-event="{held.past.pk}"]')
    roll.get_by_role("button", name="Open check-in").click()
    expect(page.locator(".cursus-message")).to_contain_text("Check-in is open until")
    code = page.locator(".cursus-checkin-now").inner_text().strip()
    assert re.fullmatch(r"\d{6}", code)
    expect(page.locator(".cursus-checkin-qr")).to_be_visible()
    short_url = urlsplit(page.locator(".cursus-checkin-url").get_attribute("href"))
    shot(page, "trainer-check-in-open")
    assert_no_serious_violations(page, "trainer's check-in panel")

    phone = new_page(viewport=PHONE, has_touch=True, is_mobile=True)
    sign_in(phone, first, next_url=short_url.path)
    expect(phone.get_by_role("heading", name="Check in")).to_be_visible()
    phone.get_by_label("Séance code").fill(code)
    draw(phone, phone.locator("canvas.cursus-signature-pad"))
    shot(phone, "phone-page-signed")
    assert_no_serious_violations(phone, "check-in page")
    phone.get_by_role("button", name="Sign and check in").click()
    expect(phone.locator(".cursus-checkin-done")).to_contain_text("You checked in at")
    shot(phone, "phone-page-done")
    assert_no_serious_violations(phone, "check-in page, done")

    other = new_page(viewport=PHONE, has_touch=True, is_mobile=True)
    sign_in(other, second, next_url=scenario_url())
    form = other.locator(f'.cursus-checkin-form[data-event="{held.past.pk}"]')
    form.get_by_label("Séance code").fill(code)
    draw(other, form.locator("canvas"))
    shot(other, "phone-xblock-signed")
    assert_no_serious_violations(other, "XBlock check-in form")
    form.get_by_role("button", name="Sign and check in").click()
    expect(other.locator(".cursus-message")).to_have_text(
        "You have checked in. Your trainer will validate your attendance."
    )
    expect(other.locator(".cursus-checked-in")).to_contain_text("present, to be validated")
    shot(other, "phone-xblock-done")

    for person in (first, second):
        signature = Signature.objects.get(user=person, event=held.past)
        assert bytes(signature.image).startswith(b"\x89PNG") and signature.to_validate

    page.reload()
    roll = page.locator(f'.cursus-roll[data-event="{held.past.pk}"]')
    expect(roll.locator(".cursus-signed")).to_have_count(2)
    select = roll.get_by_label(f"Attendance of {first.get_full_name()} at {held.past.name}")
    select.select_option("present")
    expect(page.locator(".cursus-message")).to_contain_text(f"Attendance of {first.get_full_name()} saved: Present.")
    # the page was drawn before that select: it still counts both; the server validates the one left
    roll.get_by_role("button", name=re.compile(r"^Validate \d check-ins? as present$")).click()
    expect(page.locator(".cursus-message")).to_have_text("Check-ins validated: 1.")
    shot(page, "trainer-validated")
    assert_no_serious_violations(page, "trainer's roll call after validation")

    states = dict(
        EventRegistration.objects.filter(event=held.past, registration__user__in=[first, second]).values_list(
            "registration__user", "attendance"
        )
    )
    assert states == {first.pk: Attendance.PRESENT, second.pk: Attendance.PRESENT}
    assert not Signature.objects.filter(event=held.past, validated_at__isnull=True).exists()


def test_issue16_item2_a_learner_attaches_a_justification_on_a_phone(new_page, shot, held, settings, tmp_path):
    from django.urls import reverse

    from cursus_xblock.models import AbsenceEvidence

    settings.MEDIA_ROOT = tmp_path / "media"
    learner = held.learners[0]
    cell = EventRegistration.objects.get(event=held.past, registration__user=learner)
    phone = new_page(viewport=PHONE, has_touch=True, is_mobile=True)
    sign_in(phone, learner, next_url=reverse("cursus_xblock:evidence", args=[cell.pk]))
    expect(phone.get_by_role("heading", name="Justify an absence")).to_be_visible()
    assert_no_serious_violations(phone, "justification page")
    phone.get_by_label(re.compile("PDF, PNG or JPEG")).set_input_files(
        {"name": "convocation.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.7\n%%EOF\n"}
    )
    phone.get_by_role("button", name="Attach").click()
    expect(phone.get_by_role("link", name="convocation.pdf")).to_be_visible()
    shot(phone, "phone-justification-attached")
    assert_no_serious_violations(phone, "justification page, attached")
    assert AbsenceEvidence.objects.get().uploaded_by == learner
