"""Self check-in with signature on the service: each transition and each refusal (issue 16 item 2)."""

import base64
import datetime

import pytest
from django.utils import timezone

from cursus_xblock.models import (
    Attendance,
    CheckInWindow,
    EventRegistration,
    RegistrationHistory,
    Signature,
    SignatureRole,
)
from cursus_xblock.services import attendance, checkin
from cursus_xblock.services.outcomes import RegistrationError

from ..checkin import live_session, signature_png
from ..factories import UserFactory

pytestmark = pytest.mark.django_db
MINUTE = datetime.timedelta(minutes=1)


def refused(expected, function, **kwargs):
    with pytest.raises(RegistrationError) as caught:
        function(**kwargs)
    assert caught.value.code == expected, caught.value.message
    return str(caught.value.message)


def opened(held, now=None):
    window = checkin.open_checkin(event=held.past, actor=held.trainer, now=now)
    return window, checkin.checkin_code(window, now)[0]


def test_opening_takes_the_default_window_and_a_fresh_secret():
    held = live_session()
    window, _code = opened(held)
    assert (window.opens_at, window.closes_at) == (held.past.start - 15 * MINUTE, held.past.end + 30 * MINUTE)
    assert window.opened_by == held.trainer
    secret = window.secret
    manager = UserFactory(username="gestionnaire")
    reopened = checkin.open_checkin(event=held.past, actor=manager)
    assert reopened.secret != secret and checkin.current_window(held.past) == reopened
    window.refresh_from_db()  # the first opening stays on record, closed by whoever reopened
    assert (window.opened_by, window.closed_by, window.is_open()) == (held.trainer, manager, False)
    assert CheckInWindow.objects.filter(event=held.past).count() == 2


def test_opening_a_future_seance_is_refused_before_its_window():
    held = live_session()
    message = refused("too_early", checkin.open_checkin, event=held.later, actor=held.trainer)
    assert "15 minutes before" in message
    assert not CheckInWindow.objects.exists()
    # 14 minutes before the start it opens
    window = checkin.open_checkin(event=held.later, actor=held.trainer, now=held.later.start - 14 * MINUTE)
    assert window.is_open(held.later.start - 14 * MINUTE)


def test_opening_after_the_window_is_refused():
    held = live_session()
    refused("too_late", checkin.open_checkin, event=held.past, actor=held.trainer, now=held.past.end + 31 * MINUTE)


def test_a_learner_checks_in_and_waits_for_validation():
    held = live_session()
    _window, code = opened(held)
    learner = held.learners[0]

    signature = checkin.check_in(event=held.past, user=learner, code=code, image=signature_png())

    cell = held.cell(learner, held.past)
    assert cell.attendance == Attendance.UNKNOWN  # counted nowhere until the trainer validates
    assert signature.to_validate and signature.event_registration == cell
    assert bytes(signature.image).startswith(b"\x89PNG") and signature.signed_at is not None
    assert not hasattr(signature, "ip") and "ip" not in {f.name for f in Signature._meta.fields}
    (entry,) = RegistrationHistory.objects.filter(action="checked_in")
    assert (entry.actor, entry.event_registration, entry.old_value, entry.new_value) == (
        learner,
        cell,
        "unknown",
        "checked_in",
    )
    assert entry.new_value_label() == "Checked in — to be validated"


def test_a_learner_checks_in_with_a_typed_name_by_keyboard_alone():
    held = live_session()
    _window, code = opened(held)
    signature = checkin.check_in(
        event=held.past, user=held.learners[0], code=f" {code} ", typed_name="  Élève0  Dupré0 "
    )
    assert (signature.image, signature.typed_name) == (None, "Élève0 Dupré0")


def test_the_previous_minutes_code_works_and_an_older_one_does_not():
    held = live_session()
    now = timezone.now()
    window, _ = opened(held, now=now)
    previous = checkin._code(window, checkin._slot(now) - 1)
    older = checkin._code(window, checkin._slot(now) - 2)
    if older == previous:  # one in a million: two slots share a code
        pytest.skip("two slots share a code")
    message = refused(
        "wrong_code", checkin.check_in, event=held.past, user=held.learners[0], code=older, typed_name="Élève Zéro"
    )
    assert "wrong or has expired" in message
    checkin.check_in(event=held.past, user=held.learners[0], code=previous, typed_name="Élève Zéro", now=now)


def test_a_code_of_an_earlier_opening_is_refused():
    held = live_session()
    _window, old_code = opened(held)
    _window, new_code = opened(held)
    if old_code == new_code:
        pytest.skip("two secrets share a code")
    refused("wrong_code", checkin.check_in, event=held.past, user=held.learners[0], code=old_code, typed_name="A B")


def test_check_in_outside_the_window_is_refused():
    held = live_session()
    window, _ = opened(held)
    late = held.past.end + 31 * MINUTE
    code = checkin.checkin_code(window, late)[0]
    message = refused(
        "too_late", checkin.check_in, event=held.past, user=held.learners[0], code=code, typed_name="A B", now=late
    )
    assert "is over" in message
    assert not Signature.objects.exists()


def test_check_in_at_a_future_seance_is_refused():
    held = live_session()
    refused("too_early", checkin.check_in, event=held.later, user=held.learners[0], code="000000", typed_name="A B")


def test_check_in_before_opening_or_after_closing_is_refused():
    held = live_session()
    message = refused("closed", checkin.check_in, event=held.past, user=held.learners[0], code="1", typed_name="A B")
    assert message == "Check-in is closed for this séance."
    window, code = opened(held)
    checkin.close_checkin(event=held.past, actor=held.trainer)
    window.refresh_from_db()
    assert window.closed_by == held.trainer and window.closed_at is not None
    refused("closed", checkin.check_in, event=held.past, user=held.learners[0], code=code, typed_name="A B")
    refused("not_open", checkin.close_checkin, event=held.past, actor=held.trainer)


def test_a_person_not_registered_to_the_seance_is_refused():
    held = live_session()
    _window, code = opened(held)
    for outsider in (UserFactory(), held.trainer):
        message = refused(
            "not_registered", checkin.check_in, event=held.past, user=outsider, code=code, typed_name="A B"
        )
        assert message == "You are not a registered learner of this séance."
    assert not Signature.objects.exists()


def test_a_learner_signs_only_for_themself_and_once():
    """The service takes the requesting user: signing twice is refused, the other learner is untouched."""
    held = live_session()
    _window, code = opened(held)
    checkin.check_in(event=held.past, user=held.learners[0], code=code, typed_name="A B")
    refused("already_signed", checkin.check_in, event=held.past, user=held.learners[0], code=code, typed_name="A B")
    assert list(Signature.objects.values_list("user", flat=True)) == [held.learners[0].pk]


@pytest.mark.parametrize(
    ("image", "code"),
    [
        ("data:image/svg+xml;base64,PHN2Zz48L3N2Zz4=", "bad_signature"),
        ("data:image/png;base64," + base64.b64encode(b"GIF89a not a png").decode(), "bad_signature"),
        ("data:image/png;base64,@@@", "bad_signature"),
        ("data:image/png;base64," + base64.b64encode(b"\x89PNG\r\n\x1a\n" + b"\0" * 200_000).decode(), "bad_signature"),
        (signature_png(ink=False), "empty_signature"),
        (signature_png(size=(3000, 100)), "bad_signature"),
    ],
    ids=["svg", "not-png", "not-base64", "too-big", "blank", "too-wide"],
)
def test_a_bad_signature_is_refused_and_nothing_changes(image, code):
    held = live_session()
    _window, day_code = opened(held)
    refused(code, checkin.check_in, event=held.past, user=held.learners[0], code=day_code, image=image)
    assert not Signature.objects.exists()
    assert not RegistrationHistory.objects.filter(action="checked_in").exists()


def test_no_signature_at_all_is_refused():
    held = live_session()
    _window, code = opened(held)
    message = refused("no_signature", checkin.check_in, event=held.past, user=held.learners[0], code=code)
    assert message == "Sign in the box, or type your full name."


@pytest.mark.parametrize("state", [Attendance.PRESENT, Attendance.ABSENT_JUSTIFIED, Attendance.ABSENT_UNJUSTIFIED])
def test_the_trainer_validates_or_corrects_through_the_roll_call(state):
    held = live_session()
    _window, code = opened(held)
    signature = checkin.check_in(event=held.past, user=held.learners[0], code=code, typed_name="A B")
    cell = held.cell(held.learners[0], held.past)

    attendance.attendance_mark_many(event=held.past, marks={cell.pk: state}, actor=held.trainer)

    signature.refresh_from_db()
    cell.refresh_from_db()
    assert (cell.attendance, cell.attendance_by) == (state, held.trainer)
    assert (signature.validated_by, signature.to_validate) == (held.trainer, False)
    entry = RegistrationHistory.objects.filter(action="attendance").get()
    assert (entry.actor, entry.new_value) == (held.trainer, state)


def test_a_reset_to_unknown_leaves_the_signature_to_validate():
    held = live_session()
    _window, code = opened(held)
    signature = checkin.check_in(event=held.past, user=held.learners[0], code=code, typed_name="A B")
    cell = held.cell(held.learners[0], held.past)
    attendance.attendance_mark(event_registration=cell, state=Attendance.UNKNOWN, actor=held.trainer)
    signature.refresh_from_db()
    assert signature.to_validate


def test_validate_all_check_ins_records_present_with_history():
    held = live_session(learners=3)
    _window, code = opened(held)
    for learner in held.learners[:2]:
        checkin.check_in(event=held.past, user=learner, code=code, typed_name="A B")

    assert checkin.validate_checkins(event=held.past, actor=held.trainer) == 2

    states = dict(EventRegistration.objects.filter(event=held.past).values_list("registration__user", "attendance"))
    assert [states[p.pk] for p in held.learners] == ["present", "present", "unknown"]
    assert not Signature.objects.filter(validated_at__isnull=True).exists()
    assert RegistrationHistory.objects.filter(action="attendance", actor=held.trainer).count() == 2
    assert checkin.validate_checkins(event=held.past, actor=held.trainer) == 0


def test_the_trainer_countersigns_once():
    held = live_session()
    signature = checkin.countersign(event=held.past, actor=held.trainer, image=signature_png())
    assert (signature.role, signature.user, signature.event_registration) == (SignatureRole.TRAINER, held.trainer, None)
    refused("already_signed", checkin.countersign, event=held.past, actor=held.trainer, typed_name="F D")
    refused("event_not_started", checkin.countersign, event=held.later, actor=held.trainer, typed_name="F D")
