"""Export registrations, session rosters (with waiting lists), issued documents or a session's attendance grid
as CSV or XLSX."""

import datetime
import shutil
import sys

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone, translation

from ... import permissions
from ...models import IssuedDocument, Registration, RegistrationStatus, Session
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

    def handle(self, *args, what, format, output, actor, language, **filters):
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
        prefix = {"registrations": "session__", "roster": "", "documents": "session__", "attendance": ""}[what]
        lookups = {}
        if filters["course"]:
            lookups[f"{prefix}course__code"] = filters["course"]
        if filters["session"]:
            lookups[f"{prefix}code"] = filters["session"]
        if filters["start_from"]:
            lookups[f"{prefix}start__gte"] = _start_of(filters["start_from"])
        if filters["start_until"]:
            lookups[f"{prefix}start__lt"] = _start_of(filters["start_until"] + datetime.timedelta(days=1))
        if what == "registrations":
            queryset = Registration.objects.filter(**lookups)
            if filters["status"]:
                queryset = queryset.filter(status=filters["status"])
            if actor is not None:
                queryset = permissions.registrations_managed_by(actor, queryset)
            return exports.registration_rows(queryset)
        if what == "attendance":
            return self._attendance(actor, lookups)
        if what == "roster":
            queryset = Session.objects.filter(**lookups)
            if actor is not None:
                queryset = permissions.sessions_managed_by(actor, queryset)
            return exports.roster_rows(queryset)
        queryset = IssuedDocument.objects.filter(**lookups)
        if actor is not None:
            queryset = permissions.documents_managed_by(actor, queryset)
        return exports.document_rows(queryset)

    def _attendance(self, actor, lookups):
        """One session's grid: its séances are its columns, so the filters must name one session."""
        queryset = Session.objects.filter(**lookups)
        if actor is not None:
            queryset = permissions.sessions_managed_by(actor, queryset)
        sessions = list(queryset[:2])
        if len(sessions) != 1:
            raise CommandError("The attendance export is per session: name one with --session CODE.")
        return exports.attendance_rows(sessions[0])


def _start_of(day):
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time()))
