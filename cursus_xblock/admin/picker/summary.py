"""The summary after OK: the outcomes kept as plain data in the user's session, and their words.

The POST keeps a summary under a random token and redirects to it (POST-redirect-GET): one block
per session, one line per person (at most ``SUMMARY_PEOPLE_LIMIT`` of them, all counted).
"""

import datetime
import secrets
import zoneinfo

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from ...services.outcomes import Refusal, Result
from ...utils.dates import after_colon, date_range, interpolate
from ..registrations import person_name

#: Summaries kept in the user's session (the oldest go first).
KEPT_SUMMARIES = 10
#: Per session, at most this many people listed one by one in a group's summary (all are counted).
SUMMARY_PEOPLE_LIMIT = 500
SESSION_KEY = "cursus_register_summaries"

# (result → css modifier) for the summary's status colour
_TONES = {
    Result.REGISTERED.value: "success",
    Result.WAITING.value: "warning",
    Result.PENDING.value: "info",
    Result.ALREADY_REGISTERED.value: "quiet",
    Result.REFUSED.value: "error",
}


def store(request, *, kind, target, role, results):
    """Keep the outcomes of an OK as plain data in the user's session; the token that finds them again."""
    summary = {
        "kind": kind,
        "object_id": str(target.pk),
        "role": role,
        "created": timezone.now().isoformat(),
        "blocks": [
            {
                "session": {
                    "id": session.pk,
                    "name": session.name,
                    "code": session.code,
                    "course": f"{session.course.title} [{session.course.code}]",
                    "start": session.start.isoformat(),
                    "end": session.end.isoformat(),
                    "time_zone": session.time_zone,
                },
                "counts": _count_results(outcomes),
                "people": [_outcome_data(o) for o in outcomes[:SUMMARY_PEOPLE_LIMIT]],
                "more": max(len(outcomes) - SUMMARY_PEOPLE_LIMIT, 0),
            }
            for session, outcomes in results
        ],
    }
    stored = dict(request.session.get(SESSION_KEY, {}))
    token = secrets.token_urlsafe(16)
    stored[token] = summary
    request.session[SESSION_KEY] = dict(list(stored.items())[-KEPT_SUMMARIES:])
    return token


def load(request, token, *, kind, object_id):
    """The summary kept under ``token`` for this target, or None (unknown, expired, another's)."""
    summary = request.session.get(SESSION_KEY, {}).get(token)
    if not summary or summary.get("kind") != kind or summary.get("object_id") != str(object_id):
        return None
    return summary


def present(summary):
    """(blocks, totals) in the reader's words."""
    blocks = [_present_block(block) for block in summary["blocks"]]
    totals = {}
    for block in summary["blocks"]:
        for result, count in block["counts"].items():
            totals[result] = totals.get(result, 0) + count
    return blocks, _totals_sentence(totals)


def _outcome_data(outcome):
    return {
        "person": person_name(outcome.user),
        "user_id": outcome.user.pk,
        "result": Result(outcome.result).value,
        "position": outcome.position,
        "refusal": str(outcome.refusal or ""),
        "message": str(outcome.message or ""),
    }


def _count_results(outcomes):
    counts = {}
    for outcome in outcomes:
        result = Result(outcome.result).value
        counts[result] = counts.get(result, 0) + 1
    return counts


def outcome_label(data):
    """« Registered », « On the waiting list (position 2) », « Refused: The session is full. »…"""
    result = data["result"]
    if result == Result.WAITING:
        if data.get("position"):
            return _("On the waiting list (position %(position)d)") % {"position": data["position"]}
        return Result.WAITING.label
    if result == Result.REFUSED:
        refusal = data.get("refusal")
        # Our own reasons are shown in the reader's language; a workspace's message as it came.
        if refusal in Refusal.values and refusal != Refusal.WORKSPACE:
            message = Refusal(refusal).label
        else:
            message = data.get("message") or Refusal.WORKSPACE.label
        return interpolate(_("Refused: %(reason)s"), reason=after_colon(message))
    if result == Result.ALREADY_REGISTERED and data.get("position"):
        return _("Already registered (waiting list, position %(position)d)") % {"position": data["position"]}
    return Result(result).label


_COUNT_SENTENCES = {
    Result.REGISTERED.value: lambda n: ngettext("%(count)d registered", "%(count)d registered", n),
    Result.WAITING.value: lambda n: ngettext("%(count)d on the waiting list", "%(count)d on the waiting list", n),
    Result.PENDING.value: lambda n: ngettext("%(count)d pending validation", "%(count)d pending validation", n),
    Result.ALREADY_REGISTERED.value: lambda n: ngettext(
        "%(count)d already registered", "%(count)d already registered", n
    ),
    Result.REFUSED.value: lambda n: ngettext("%(count)d refused", "%(count)d refused", n),
}


def _totals_sentence(counts):
    return [
        {"label": _COUNT_SENTENCES[result](counts[result]) % {"count": counts[result]}, "tone": _TONES[result]}
        for result in Result.values
        if counts.get(result)
    ]


def _present_block(block):
    session = block["session"]
    try:
        tz = zoneinfo.ZoneInfo(session["time_zone"])
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):  # a zone removed from the system since
        tz = zoneinfo.ZoneInfo("UTC")
    dates = date_range(
        datetime.datetime.fromisoformat(session["start"]), datetime.datetime.fromisoformat(session["end"]), tz
    )
    return {
        **session,
        "dates": dates,
        "counts": _totals_sentence(block["counts"]),
        "people": [
            {**person, "label": outcome_label(person), "tone": _TONES[person["result"]]} for person in block["people"]
        ],
        "more": block.get("more", 0),
    }
