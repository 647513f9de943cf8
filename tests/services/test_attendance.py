"""The roll call on the service: every transition and every refusal (issue 16 item 1)."""

import pytest

from cursus_xblock.models import Attendance, EventRegistration, RegistrationHistory, RegistrationStatus
from cursus_xblock.services import attendance
from cursus_xblock.services import registration as registration_service
from cursus_xblock.services.outcomes import RegistrationError

from ..attendance import held_session

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("state", [s for s in Attendance if s != Attendance.UNKNOWN])
def test_roll_call_sets_each_state_with_history(state, admin_user):
    held = held_session(learners=2)
    cells = [held.cell(person, held.past) for person in held.learners]

    outcome = attendance.attendance_mark_many(
        event=held.past, marks={cells[0].pk: state, cells[1].pk: Attendance.UNKNOWN}, actor=admin_user, reason="Appel"
    )

    assert outcome == attendance.RollCall(changed=1, unchanged=1)
    cells[0].refresh_from_db()
    assert (cells[0].attendance, cells[0].attendance_by) == (state, admin_user)
    assert cells[0].attendance_at is not None
    (entry,) = RegistrationHistory.objects.filter(action="attendance")
    assert (entry.event_registration, entry.old_value, entry.new_value) == (cells[0], "unknown", state)
    assert (entry.actor, entry.reason, entry.created_at) == (admin_user, "Appel", cells[0].attendance_at)


def test_roll_call_changes_a_state_and_resets_to_unknown(admin_user):
    held = held_session(learners=1)
    cell = held.cell(held.learners[0], held.past)
    for state in (Attendance.PRESENT, Attendance.ABSENT_UNJUSTIFIED, Attendance.UNKNOWN):
        attendance.attendance_mark_many(event=held.past, marks={cell.pk: state}, actor=held.trainer)

    cell.refresh_from_db()
    assert (cell.attendance, cell.attendance_by) == (Attendance.UNKNOWN, held.trainer)
    history = RegistrationHistory.objects.filter(action="attendance").order_by("pk")
    assert [(h.old_value, h.new_value) for h in history] == [
        ("unknown", "present"),
        ("present", "absent_unjustified"),
        ("absent_unjustified", "unknown"),
    ]


def test_roll_call_of_a_future_seance_is_refused_but_unknown_is_accepted():
    held = held_session(learners=2)
    cells = [held.cell(person, held.later) for person in held.learners]

    with pytest.raises(RegistrationError) as refused:
        attendance.attendance_mark_many(event=held.later, marks={cells[0].pk: "unknown", cells[1].pk: "present"})

    assert refused.value.code == "event_not_started"
    assert set(EventRegistration.objects.filter(event=held.later).values_list("attendance", flat=True)) == {"unknown"}
    assert attendance.attendance_mark_many(event=held.later, marks={c.pk: "unknown" for c in cells}).changed == 0


def test_roll_call_refuses_a_cancelled_registration_and_changes_nothing():
    held = held_session(learners=2)
    cells = [held.cell(person, held.past) for person in held.learners]
    registration_service.unregister(registration=cells[1].registration)

    with pytest.raises(RegistrationError) as refused:
        attendance.attendance_mark_many(event=held.past, marks={cells[0].pk: "present", cells[1].pk: "present"})

    assert (refused.value.code, str(refused.value.message)) == (
        "not_registered",
        f"{cells[1].pk}: not a confirmed learner of this event.",
    )
    assert not RegistrationHistory.objects.filter(action="attendance").exists()
    cells[0].refresh_from_db()
    assert cells[0].attendance == Attendance.UNKNOWN


def test_roll_call_refuses_another_seance_s_row_and_a_trainer():
    held = held_session(learners=1)
    other_seance = held.cell(held.learners[0], held.later)
    trainer_row = held.cell(held.trainer, held.past)

    for pk in (other_seance.pk, trainer_row.pk, 10**9):
        with pytest.raises(RegistrationError) as refused:
            attendance.attendance_mark_many(event=held.past, marks={pk: "present"})
        assert refused.value.code == "not_registered"
    assert not RegistrationHistory.objects.filter(action="attendance").exists()


def test_roll_call_refuses_an_unknown_state():
    held = held_session(learners=1)
    cell = held.cell(held.learners[0], held.past)

    with pytest.raises(RegistrationError) as refused:
        attendance.attendance_mark_many(event=held.past, marks={cell.pk: "late"})

    assert (refused.value.code, str(refused.value.message)) == ("bad_state", "Unknown attendance state: late.")


def test_single_mark_refuses_a_cancelled_registration_whose_event_row_stayed_confirmed():
    held = held_session(learners=1)
    cell = held.cell(held.learners[0], held.past)
    type(cell.registration).objects.filter(pk=cell.registration_id).update(status=RegistrationStatus.CANCELLED)

    with pytest.raises(RegistrationError) as refused:
        attendance.attendance_mark(event_registration=cell, state="present")

    assert refused.value.code == "not_confirmed"
