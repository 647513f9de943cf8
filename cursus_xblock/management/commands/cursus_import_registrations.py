"""Import registrations from a CSV or XLSX file: a dry run unless ``--apply``."""

from ...conf import settings
from ...services.imports import registrations
from ..imports import ImportCommand


class Command(ImportCommand):
    max_rows = property(lambda self: settings.IMPORT_JOB_MAX_ROWS)
    help = "Register people in sessions from a CSV or XLSX file (person, session code, role, reason)."
    imports = registrations
    written = "the registrations"
    actor_help = "Username recorded as who registered; limits the import to the organizations they manage."
