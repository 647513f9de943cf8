"""Import registrations from a CSV or XLSX file: a dry run unless ``--apply``."""

from ...services.imports import registrations
from ..imports import ImportCommand


class Command(ImportCommand):
    help = "Register people in sessions from a CSV or XLSX file (person, session code, role, reason)."
    imports = registrations
    written = "the registrations"
    actor_help = "Username recorded as who registered; limits the import to the organizations they manage."
