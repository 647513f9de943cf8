"""Import sessions and their séances from a CSV or XLSX file: a dry run unless ``--apply``."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from ... import permissions
from ...services.imports import sessions as imports


class Command(BaseCommand):
    help = (
        "Create or update sessions and their séances from a CSV or XLSX file (course code, session code, name, "
        "séance, start, end, time zone, place, capacity, trainers)."
    )

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--apply", action="store_true", help="Write the sessions (default: dry run).")
        parser.add_argument(
            "--allow-errors", action="store_true", help="Apply the valid rows of a file that has errors."
        )
        parser.add_argument(
            "--actor",
            help="Username recorded as who registered the trainers;"
            " limits the import to the organizations they manage.",
        )

    def handle(self, *args, file, apply, allow_errors, actor, **options):
        if actor:
            User = get_user_model()
            try:
                actor = User._default_manager.get(username=actor)
            except User.DoesNotExist as exc:
                raise CommandError(f"No user {actor}.") from exc
            if not permissions.is_training_manager(actor):
                raise CommandError(f"{actor.get_username()} is not a training manager.")
        try:
            with open(file, "rb") as handle:
                rows = imports.parse(handle.read(), file)
            if apply:
                result = imports.apply(rows, actor=actor or None, allow_errors=allow_errors)
            else:
                result = imports.plan(rows, actor=actor or None)
        except OSError as exc:
            raise CommandError(str(exc)) from exc
        except (imports.ImportFileError, imports.ImportHasErrors) as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(imports.report_csv(result.rows).lstrip("\ufeff"))
        for label, number in result.counts():
            self.stdout.write(f"{label}: {number}")
        if not apply:
            self.stdout.write("Dry run: nothing was written.")
