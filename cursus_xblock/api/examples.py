"""The OpenAPI examples of every operation, in one place, apart from the views' logic.

Each example is checked against its schema (``tests/api/test_schema.py``) and sent to the live API
by Schemathesis, so they stay true. Error examples are ``{status: [(code, message)]}`` for
``schema.errors``; the messages are the ones the API answers (``None``: the standard one).
"""

from drf_spectacular.utils import OpenApiExample

from ..services.outcomes import NO_SELF_REGISTRATION, NO_SELF_UNREGISTRATION, SESSION_STARTED
from .exceptions import ALREADY_REGISTERED


def page_example(name, item):
    """A page of one ``item``, as ``Pagination`` answers it."""
    return OpenApiExample(
        name,
        value={"count": 1, "next": None, "previous": None, "results": [item]},
        response_only=True,
        status_codes=["200"],
    )


# --- catalogue --------------------------------------------------------------------------------------

SESSION_ID = OpenApiExample("A session", value=12)
EVENT_ID = OpenApiExample("A séance", value=40)

COURSE = {
    "id": 3,
    "code": "SST-01",
    "title": "Sauveteur secouriste du travail",
    "description": "Deux jours pour apprendre les gestes qui sauvent.",
}
SESSION = {
    "id": 12,
    "code": "SST-2026-06-LYON",
    "name": "SST — Lyon, juin 2026",
    "description": "",
    "course": {"id": 3, "code": "SST-01", "title": "Sauveteur secouriste du travail"},
    "start": "2026-06-08T07:00:00Z",
    "end": "2026-06-09T15:30:00Z",
    "time_zone": "Europe/Paris",
    "place": "Lyon, salle Molière",
    "status": "open",
    "workspace_key": "course-v1:Org+SST+2026_06",
    "capacity": 12,
    "seats_taken": 9,
    "seats_left": 3,
    "registration": {
        "open": True,
        "refusal": None,
        "self_registration": True,
        "self_unregistration": True,
        "validation_required": False,
        "waiting_list_enabled": True,
    },
}
EVENT = {
    "id": 40,
    "name": "Jour 1 — les gestes",
    "description": "",
    "start": "2026-06-08T07:00:00Z",
    "end": "2026-06-08T15:30:00Z",
    "place": "Lyon, salle Molière",
    "registration_type": "auto",
    "capacity": None,
    "seats_left": None,
}

COURSES_LIST = [page_example("A page of courses", COURSE)]
SESSIONS_LIST = [page_example("Upcoming sessions with seats", SESSION)]
SESSION_RETRIEVE = [OpenApiExample("A session", value=SESSION, response_only=True)]
SESSION_EVENTS_LIST = [page_example("The first day of a session", EVENT)]


# --- registrations ----------------------------------------------------------------------------------

USERNAME = OpenApiExample("A learner", value="eloise.lefevre")

REGISTRATION = {
    "id": 731,
    "role": "learner",
    "status": "confirmed",
    "position": None,
    "registered_at": "2026-05-02T08:14:03Z",
    "session": {
        "id": 12,
        "code": "SST-2026-06-LYON",
        "name": "SST — Lyon, juin 2026",
        "course": {"id": 3, "code": "SST-01", "title": "Sauveteur secouriste du travail"},
        "start": "2026-06-08T07:00:00Z",
        "end": "2026-06-09T15:30:00Z",
        "time_zone": "Europe/Paris",
        "place": "Lyon, salle Molière",
        "status": "open",
        "self_unregistration": True,
    },
    "events": [
        {
            "id": 40,
            "name": "Jour 1 — les gestes",
            "start": "2026-06-08T07:00:00Z",
            "end": "2026-06-08T15:30:00Z",
            "place": "Lyon, salle Molière",
            "registration_type": "auto",
            "status": "confirmed",
            "attendance": "unknown",
        }
    ],
    "documents": [
        {
            "id": 88,
            "kind": "session_invitation",
            "event": None,
            "issued_at": "2026-05-02T08:15:40Z",
            "filename": "lefevre_eloise_session_invitation.pdf",
            "download_url": "https://lms.example.org/cursus/api/v1/documents/88/download/",
        }
    ],
}
WAITING = {**REGISTRATION, "status": "waiting", "position": 2, "events": [], "documents": []}
CANCELLED = {**REGISTRATION, "status": "cancelled", "events": [], "documents": []}

REGISTRATIONS_LIST = [page_example("One confirmed registration", REGISTRATION)]

BULK_REGISTRATION = [
    OpenApiExample(
        "Three sessions",
        value={"sessions": [12, 15, 19], "role": "learner", "reason": "Plan de formation 2026"},
        request_only=True,
    ),
    OpenApiExample(
        "Registered, waiting, refused",
        value={
            "user": "eloise.lefevre",
            "outcomes": [
                {
                    "session": 12,
                    "session_code": "SST-2026-06-LYON",
                    "result": "registered",
                    "refusal": None,
                    "message": "Éloïse Lefèvre is registered for SST — Lyon, juin 2026 [SST-2026-06-LYON].",
                    "position": None,
                    "registration": 731,
                },
                {
                    "session": 15,
                    "session_code": "SST-2026-09-PARIS",
                    "result": "waiting",
                    "refusal": None,
                    "message": "Éloïse Lefèvre is on the waiting list of SST — Paris [SST-2026-09-PARIS] (position 2).",
                    "position": 2,
                    "registration": 732,
                },
                {
                    "session": 19,
                    "session_code": "SST-2026-03-NICE",
                    "result": "refused",
                    "refusal": "session_ended",
                    "message": "Éloïse Lefèvre could not be registered in SST — Nice [SST-2026-03-NICE]: "
                    "This session has ended.",
                    "position": None,
                    "registration": None,
                },
            ],
        },
        response_only=True,
    ),
]

USER_UNREGISTRATION = [
    OpenApiExample(
        "Unregistered; the first on the waiting list took the seat",
        value={
            "changed": True,
            "previous_status": "confirmed",
            "registration": CANCELLED,
            "promoted": [{"registration": 745, "username": "hugo.moreau", "status": "confirmed"}],
        },
        response_only=True,
    )
]

SELF_REGISTRATION = [
    OpenApiExample("Session 12", value={"session": 12}, request_only=True),
    OpenApiExample("On the waiting list", value=WAITING, response_only=True, status_codes=["201"]),
]
SELF_REGISTRATION_ERRORS = {
    403: [("not_allowed", NO_SELF_REGISTRATION), ("not_authenticated", None)],
    409: [
        ("session_full", "The session is full."),
        ("session_closed", "Registration for this session is closed."),
        ("already_registered", ALREADY_REGISTERED),
    ],
}

SELF_UNREGISTRATION = [
    OpenApiExample(
        "Unregistered",
        value={"changed": True, "previous_status": "confirmed", "registration": CANCELLED},
        response_only=True,
    )
]
SELF_UNREGISTRATION_ERRORS = {
    403: [("not_allowed", NO_SELF_UNREGISTRATION), ("not_authenticated", None)],
    409: [("session_started", SESSION_STARTED)],
}


# --- documents ----------------------------------------------------------------------------------------

ISSUED = {
    "id": 88,
    "kind": "session_certificate",
    "registration": 731,
    "event": None,
    "holder": "Éloïse Lefèvre",
    "filename": "lefevre_eloise_session_certificate.pdf",
    "media_type": "application/pdf",
    "size": 48213,
    "sha256": "3f1c0a5b8d2e4f6a7b9c1d3e5f7a9b1c3d5e7f9a1b3c5d7e9f1a3b5c7d9e1f3a",
    "issued_at": "2026-06-09T16:02:11Z",
    "emailed_at": None,
    "verification_code": "K7M2Q9XW4T8RHP3N",
    "verification_url": "https://lms.example.org/cursus/verify/K7M2Q9XW4T8RHP3N/",
    "download_url": "https://lms.example.org/cursus/api/v1/documents/88/download/",
}

DOCUMENT_ISSUE = [
    OpenApiExample("A session certificate", value={"kind": "session_certificate"}, request_only=True),
    OpenApiExample(
        "An event invitation, e-mailed",
        value={"kind": "event_invitation", "event": 40, "send_email": True},
        request_only=True,
    ),
    OpenApiExample("Issued", value=ISSUED, response_only=True, status_codes=["201"]),
]
DOCUMENT_ISSUE_ERRORS = {
    400: [
        ("invalid", "The request is invalid: kind: “diploma” is not a valid choice."),
        ("event_required", "Choose the event this document is about."),
    ],
    409: [
        ("not_started", "A certificate of attendance can only be issued once the session or event has started."),
        ("no_template", "There is no template for this kind of document yet: create one in the admin."),
    ],
}

DOCUMENT_DOWNLOAD_ERRORS = {403: [("permission_denied", "This belongs to someone else.")]}

VERIFICATION = [
    OpenApiExample(
        "A certificate",
        value={
            "code": "K7M2Q9XW4T8RHP3N",
            "holder": "Éloïse Lefèvre",
            "kind": "session_certificate",
            "kind_label": "Session certificate of attendance",
            "details": {
                "course": "Sauveteur secouriste du travail [SST-01]",
                "session": "SST — Lyon, juin 2026 [SST-2026-06-LYON]",
                "start": "2026-06-08T09:00:00+02:00",
                "end": "2026-06-09T17:30:00+02:00",
                "time_zone": "Europe/Paris",
            },
            "dates": "06/08/2026 09:00 – 06/09/2026 17:30 (Europe/Paris)",
            "issued_at": "2026-06-09T16:02:11Z",
        },
        response_only=True,
    )
]


# --- attendance ----------------------------------------------------------------------------------

LEARNER_ATTENDANCE = {
    "registration": 57,
    "username": "eloise.lefevre",
    "full_name": "Éloïse Lefèvre",
    "state": "present",
    "recorded_by": "formatrice",
    "recorded_at": "2026-06-08T07:12:00Z",
}
ROLL = {
    "event": {
        "id": 40,
        "name": "Jour 1 — les gestes",
        "start": "2026-06-08T07:00:00Z",
        "end": "2026-06-08T10:30:00Z",
        "session": 12,
    },
    "started": True,
    "learners": [
        LEARNER_ATTENDANCE,
        {
            **LEARNER_ATTENDANCE,
            "registration": 58,
            "username": "hugo.moreau",
            "full_name": "Hugo Moreau",
            "state": "unknown",
            "recorded_by": None,
            "recorded_at": None,
        },
    ],
}
ATTENDANCE_ROLL = [OpenApiExample("Two learners, one marked present", value=ROLL, response_only=True)]
ATTENDANCE_ROLL_CALL = [
    OpenApiExample(
        "Everyone present",
        value={
            "marks": [{"registration": 57, "state": "present"}, {"username": "hugo.moreau", "state": "present"}],
            "reason": "Appel de 9 h",
        },
        request_only=True,
    ),
    OpenApiExample(
        "One changed, one already present",
        value={
            **ROLL,
            "learners": [
                LEARNER_ATTENDANCE,
                {
                    **ROLL["learners"][1],
                    "state": "present",
                    "recorded_by": "formatrice",
                    "recorded_at": "2026-06-08T07:13:00Z",
                },
            ],
            "changed": 1,
            "unchanged": 1,
        },
        response_only=True,
        status_codes=["200"],
    ),
]
ATTENDANCE_ERRORS = {
    403: [("permission_denied", "Only the trainers of this session and its training managers take its attendance.")],
    409: [
        ("event_not_started", "Attendance can only be recorded once the event has started."),
        ("not_registered", "Not confirmed learners of this event: hugo.moreau."),
    ],
}


# --- imports ----------------------------------------------------------------------------------------

_IMPORT_HEADER = ["line", "person", "session", "role", "result", "position", "message"]
IMPORT_REPORT = {
    "dry_run": True,
    "applied": False,
    "rows_total": 2,
    "errors": 1,
    "counts": [{"label": "Registered", "count": 1}, {"label": "Unknown person", "count": 1}],
    "header": _IMPORT_HEADER,
    "rows": [
        {
            "line": 2,
            "result": "registered",
            "ok": True,
            "cells": ["2", "eloise.lefevre", "SST-2026-06", "apprenant", "Registered", "", ""],
        },
        {
            "line": 3,
            "result": "unknown_person",
            "ok": False,
            "cells": [
                "3",
                "nobody@example.org",
                "SST-2026-06",
                "learner",
                "Unknown person",
                "",
                "No person has this username or e-mail address.",
            ],
        },
    ],
}
IMPORT_JOB_VALUE = {
    "id": 7,
    "kind": "registrations",
    "status": "running",
    "url": "/cursus/api/v1/imports/7/",
    "file_name": "rh-septembre.csv",
    "dry_run": False,
    "allow_errors": True,
    "rows_total": 2000,
    "rows_done": 500,
    "percent": 25,
    "errors": 0,
    "error": "",
    "counts": [],
    "created_at": "2026-09-01T08:00:00Z",
    "finished_at": None,
    "header": [],
    "report": [],
}
_IMPORT_REQUEST = OpenApiExample(
    "A dry run",
    value={"file": "registrations.csv", "dry_run": True, "allow_errors": False},
    request_only=True,
    media_type="multipart/form-data",
)
IMPORT_REGISTRATIONS = [
    _IMPORT_REQUEST,
    OpenApiExample("The report of every row", value=IMPORT_REPORT, response_only=True, status_codes=["200"]),
    OpenApiExample("A large file: a job", value=IMPORT_JOB_VALUE, response_only=True, status_codes=["202"]),
]
IMPORT_SESSIONS = [
    _IMPORT_REQUEST,
    OpenApiExample(
        "The report of every row",
        value={
            **IMPORT_REPORT,
            "errors": 0,
            "rows_total": 1,
            "counts": [{"label": "Would create the session", "count": 1}],
            "header": ["line", "course", "session", "séance", "start", "end", "result", "message"],
            "rows": [
                {
                    "line": 2,
                    "result": "create",
                    "ok": True,
                    "cells": [
                        "2",
                        "SST-01",
                        "SST-2026-09",
                        "",
                        "2026-09-14 09:00",
                        "2026-09-15 17:00",
                        "Would create the session",
                        "",
                    ],
                }
            ],
        },
        response_only=True,
        status_codes=["200"],
    ),
    OpenApiExample(
        "A large file: a job",
        value={**IMPORT_JOB_VALUE, "kind": "sessions"},
        response_only=True,
        status_codes=["202"],
    ),
]
IMPORT_JOB = [
    OpenApiExample(
        "Done",
        value={
            **IMPORT_JOB_VALUE,
            "status": "done",
            "rows_total": 1,
            "rows_done": 1,
            "percent": 100,
            "counts": [{"label": "Registered", "count": 1}],
            "finished_at": "2026-09-01T08:03:00Z",
            "header": _IMPORT_HEADER,
            "report": [["2", "eloise.lefevre", "SST-2026-06", "apprenant", "Registered", "", ""]],
        },
        response_only=True,
        status_codes=["200"],
    ),
]
IMPORT_ERRORS = {
    400: [
        ("invalid_file", "The file needs a column for the person (username or e-mail), the session code and the role.")
    ],
    409: [("import_has_errors", "1 rows have errors: correct the file, or apply its valid rows only.")],
}
