"""What the picker shows of a session, as plain data for its page and its script."""

from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from ...models import SessionStatus
from ...models import seats_left as free_seats
from ...services import registration as registration_service
from ...services.outcomes import Refusal
from ...utils.dates import date_range


def session_item(session, *, role, already_count, people, now, waiting=False):
    """What the list and the selection panel show of a session (plain data); ``people``: how many are
    registered; ``waiting``: the one person is on its waiting list (« already registered » would be untrue)."""
    left = free_seats(session.capacity, session.seats_taken)
    full = left == 0
    already = bool(people) and already_count >= people
    badges = []
    # Whether registration is possible is the service's rule; only its short label is ours.
    refusal = registration_service.session_refusal(session, now)
    unavailable = {
        Refusal.CANCELLED: SessionStatus.CANCELLED.label,
        Refusal.CLOSED: SessionStatus.CLOSED.label,
        Refusal.ENDED: _("Ended"),
    }.get(refusal, "")
    if unavailable:
        badges.append({"label": unavailable, "tone": "error"})
    elif session.has_started(now):
        badges.append({"label": _("In progress"), "tone": "info"})
    if already:
        label = _("On the waiting list") if waiting else _("Already registered")
        badges.append({"label": label, "tone": "quiet"})
        unavailable = unavailable or label
    elif already_count:
        badges.append(
            {
                "label": ngettext(
                    "%(count)d member already registered",
                    "%(count)d members already registered",
                    already_count,
                )
                % {"count": already_count},
                "tone": "quiet",
            }
        )
    if left is None:
        seats_label = _("Unlimited seats")
    elif full and session.waiting_list_enabled:
        seats_label = _("Full — waiting list")
    elif full:
        seats_label = _("Full")
        if not registration_service.has_room(session, role, session.seats_taken):
            unavailable = unavailable or _("Full")
    else:
        seats_label = ngettext("%(count)d seat left", "%(count)d seats left", left) % {"count": left}
    course = session.course
    return {
        "id": session.pk,
        "name": session.name,
        "code": session.code,
        "course": f"{course.title} [{course.code}]",
        "course_id": course.pk,
        "dates": date_range(session.start, session.end, session.tzinfo),
        "place": session.place,
        "seats_left": left,
        "full": full,
        "waiting_list": session.waiting_list_enabled,
        "seats_label": seats_label,
        "status": session.status,
        "status_label": SessionStatus(session.status).label,
        "started": session.has_started(now),
        "ended": session.has_ended(now),
        "already": already,
        "already_count": already_count,
        "badges": badges,
        "pickable": not unavailable,
        "unavailable": unavailable,
    }
