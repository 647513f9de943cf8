"""Export registrations, session rosters (with waiting lists), issued documents or a session's attendance grid
as CSV or XLSX."""

import datetime
import shutil
import sys

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils import translation

from ... import permissions
from ...models import RegistrationStatus
from ...selectors import exports
from ...utils.spreadsheets import csv_chunks, xlsx_file


def _day(text):
    try:
        return datetime.date.fromisoformat(text)
    except ValueError as exc:
        raise CommandError(f"Not a date (YYYY-MM-DD): {text}") from exc


class Command(BaseCommand):
    help = (
        "Export registrations, rosters (with waiting lists in order), issued documents or the attendance grid of "
        "one session (--session) as CSV or XLSX."
    )

    def add_arguments(self, parser):
        parser.add_argument("what", choices=["registrations", "roster", "documents", "attendance"])
        parser.add_argument("--format", choices=["csv", "xlsx"], default="csv")
        parser.add_argument("--output", "-o", help="File to write (default: standard output, CSV only).")
        parser.add_argument("--actor", help="Only what this training manager manages (their organizations).")
        parser.add_argument("--course", help="Course code.")
        parser.add_argument("--session", help="Session code.")
        parser.add_argument("--status", choices=[s.value for s in RegistrationStatus], help="Registration status.")
        parser.add_argument("--start-from", type=_day, help="Sessions starting on or after this day (YYYY-MM-DD).")
        parser.add_argument("--start-until", type=_day, help="Sessions starting on or before this day (YYYY-MM-DD).")
        parser.add_argument("--language", help="Language of the column names and statuses (en, fr).")

    def handle(
        self, *args, what, format, output, actor, language, course, session, status, start_from, start_until, **options
    ):
        filters = {
            "course": course,
            "session": session,
            "status": status,
            "start_from": start_from,
            "start_until": start_until,
        }
        if format == "xlsx" and not output:
            raise CommandError("XLSX needs --output FILE.")
        with translation.override(language or translation.get_language()):
            header, rows = self._rows(what, self._actor(actor), filters)
            self._write(what, format, output, header, rows)

    def _write(self, what, format, output, header, rows):
        if format == "xlsx":
            with xlsx_file(header, rows, title=what) as workbook, open(output, "wb") as target:
                shutil.copyfileobj(workbook, target)
            return
        target = open(output, "wb") if output else sys.stdout.buffer  # noqa: SIM115
        try:
            for chunk in csv_chunks(header, rows):
                target.write(chunk)
        finally:
            if output:
                target.close()
            else:
                target.flush()

    def _actor(self, username):
        if not username:
            return None
        User = get_user_model()
        try:
            user = User._default_manager.get(username=username)
        except User.DoesNotExist as exc:
            raise CommandError(f"No user {username}.") from exc
        if not permissions.is_training_manager(user):
            raise CommandError(f"{username} is not a training manager.")
        return user

    def _rows(self, what, actor, filters):
        try:
            return exports.export_rows(what, actor=actor, **filters)
        except exports.ExportRefused as exc:
            raise CommandError(str(exc.message)) from exc
