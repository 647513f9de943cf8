"""Import a session's attendance from a CSV or XLSX file (the grid's export, or one row per mark): a dry run
unless ``--apply``."""

from django.core.management.base import CommandError

from ... import permissions
from ...models import Session
from ...services.imports import attendance
from ..imports import ImportCommand


class Command(ImportCommand):
    help = (
        "Record a session's attendance from a CSV or XLSX file: the attendance grid as exported (one column per "
        "séance) or one row per mark (person, séance, status). Prints the report of every cell."
    )
    imports = attendance
    written = "the attendance"
    actor_help = "Username recorded in the history: a training manager or a trainer of the session."

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("--session", required=True, help="Code of the session.")

    def scope(self, *, session, **options):
        found = Session.objects.filter(code=session).first()
        if found is None:
            raise CommandError(f"No session {session}.")
        return {"session": found}

    def refusal(self, actor, *, session):
        if not permissions.takes_attendance(actor, session):
            return f"{actor.get_username()} neither manages nor trains session {session.code}."
        return None
