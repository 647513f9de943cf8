"""Import a session's attendance from a CSV or XLSX file (the grid's export, or one row per mark): a dry run
unless ``--apply``."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils import translation

from ... import permissions
from ...models import Session
from ...services.imports import attendance as imports


class Command(BaseCommand):
    help = (
        "Record a session's attendance from a CSV or XLSX file: the attendance grid as exported (one column per "
        "séance) or one row per mark (person, séance, status). Prints the report of every cell."
    )

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--session", required=True, help="Code of the session.")
        parser.add_argument("--apply", action="store_true", help="Write the attendance (default: dry run).")
        parser.add_argument(
            "--allow-errors", action="store_true", help="Apply the valid cells of a file that has errors."
        )
        parser.add_argument(
            "--actor", help="Username recorded in the history: a training manager or a trainer of the session."
        )
        parser.add_argument("--language", help="Language of the report (en, fr); default: the site's.")

    def handle(self, *args, file, session, apply, allow_errors, actor, language, **options):
        with translation.override(language or translation.get_language()):
            self._import(file, session, apply, allow_errors, actor)

    def _import(self, file, code, apply, allow_errors, actor):
        session = Session.objects.filter(code=code).first()
        if session is None:
            raise CommandError(f"No session {code}.")
        if actor:
            User = get_user_model()
            try:
                actor = User._default_manager.get(username=actor)
            except User.DoesNotExist as exc:
                raise CommandError(f"No user {actor}.") from exc
            if not permissions.takes_attendance(actor, session):
                raise CommandError(f"{actor.get_username()} neither manages nor trains session {code}.")
        try:
            with open(file, "rb") as handle:
                cells = imports.parse(handle.read(), file)
            if apply:
                result = imports.apply(cells, session=session, actor=actor or None, allow_errors=allow_errors)
            else:
                result = imports.plan(cells, session=session, actor=actor or None)
        except OSError as exc:
            raise CommandError(str(exc)) from exc
        except (imports.ImportFileError, imports.ImportHasErrors) as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(imports.report_csv(result.rows).lstrip("\ufeff"))
        for label, number in result.counts():
            self.stdout.write(f"{label}: {number}")
        if not apply:
            self.stdout.write("Dry run: nothing was written.")
