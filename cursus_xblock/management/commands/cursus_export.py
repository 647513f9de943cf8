"""Export registrations, session rosters (with waiting lists) or issued documents as CSV or XLSX."""

import datetime
import shutil
import sys

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

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
    help = "Export registrations, rosters (with waiting lists in order) or issued documents (CSV or XLSX)."

    def add_arguments(self, parser):
        parser.add_argument("what", choices=["registrations", "roster", "documents"])
        parser.add_argument("--format", choices=["csv", "xlsx"], default="csv")
        parser.add_argument("--output", "-o", help="File to write (default: standard output, CSV only).")
        parser.add_argument("--actor", help="Only what this training manager manages (their organizations).")
        parser.add_argument("--course", help="Course code.")
        parser.add_argument("--session", help="Session code.")
        parser.add_argument("--status", choices=[s.value for s in RegistrationStatus], help="Registration status.")
        parser.add_argument("--start-from", type=_day, help="Sessions starting on or after this day (YYYY-MM-DD).")
        parser.add_argument("--start-until", type=_day, help="Sessions starting on or before this day (YYYY-MM-DD).")

    def handle(self, *args, what, format, output, actor, **filters):
        if format == "xlsx" and not output:
            raise CommandError("XLSX needs --output FILE.")
        header, rows = self._rows(what, self._actor(actor), filters)
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
        prefix = {"registrations": "session__", "roster": "", "documents": "session__"}[what]
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
        if what == "roster":
            queryset = Session.objects.filter(**lookups)
            if actor is not None:
                queryset = permissions.sessions_managed_by(actor, queryset)
            return exports.roster_rows(queryset)
        queryset = IssuedDocument.objects.filter(**lookups)
        if actor is not None:
            queryset = permissions.documents_managed_by(actor, queryset)
        return exports.document_rows(queryset)


def _start_of(day):
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time()))
