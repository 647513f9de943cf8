"""Import sessions and their séances from a CSV or XLSX file: a dry run unless ``--apply``."""

from ...conf import settings
from ...services.imports import sessions
from ..imports import ImportCommand


class Command(ImportCommand):
    max_rows = property(lambda self: settings.IMPORT_JOB_MAX_ROWS)
    help = (
        "Create or update sessions and their séances from a CSV or XLSX file (course code, session code, name, "
        "séance, start, end, time zone, place, capacity, trainers)."
    )
    imports = sessions
    written = "the sessions"
    actor_help = "Username recorded as who registered the trainers; limits the import to the organizations they manage."
