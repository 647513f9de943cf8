"""What the import commands share: a dry run unless ``--apply``, an actor who limits the import to
what they manage, the per-row report on standard output in the language asked for, errors as
``CommandError``."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils import translation

from .. import permissions


class ImportCommand(BaseCommand):
    #: The import service module (``parse``, ``plan``, ``apply``, ``report_csv`` and the errors).
    imports = None
    #: What ``--apply`` writes, for its help ("the registrations").
    written = ""
    #: Most rows read: a command is not bound by a request's time (``IMPORT_JOB_MAX_ROWS``); None: ``IMPORT_MAX_ROWS``.
    max_rows = None
    #: What ``--actor`` is recorded as.
    actor_help = "Username recorded as who made the changes; limits the import to the organizations they manage."

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--apply", action="store_true", help=f"Write {self.written} (default: dry run).")
        parser.add_argument(
            "--allow-errors", action="store_true", help="Apply the valid rows of a file that has errors."
        )
        parser.add_argument("--actor", help=self.actor_help)
        parser.add_argument("--language", help="Language of the report (en, fr); default: the site's.")

    def scope(self, **options):
        """Keyword arguments ``plan`` and ``apply`` take besides the rows (an attendance import's session)."""
        return {}

    def refusal(self, actor, **scope):
        """Why ``actor`` may not make this import, or None."""
        if not permissions.is_training_manager(actor):
            return f"{actor.get_username()} is not a training manager."
        return None

    def handle(self, *args, file, apply, allow_errors, actor, language, **options):
        with translation.override(language or translation.get_language()):
            scope = self.scope(**options)
            actor = self.actor(actor, scope) if actor else None
            self.run(file, apply=apply, allow_errors=allow_errors, actor=actor, scope=scope)

    def run(self, file, *, apply, allow_errors, actor, scope):
        imports = self.imports
        try:
            with open(file, "rb") as handle:
                content = handle.read()
                rows = (
                    imports.parse(content, file, max_rows=self.max_rows)
                    if self.max_rows
                    else imports.parse(content, file)
                )
            if apply:
                result = imports.apply(rows, actor=actor, allow_errors=allow_errors, **scope)
            else:
                result = imports.plan(rows, actor=actor, **scope)
        except OSError as exc:
            raise CommandError(str(exc)) from exc
        except (imports.ImportFileError, imports.ImportHasErrors) as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(imports.report_csv(result.rows).lstrip("\ufeff"))
        for label, number in result.counts():
            self.stdout.write(f"{label}: {number}")
        if not apply:
            self.stdout.write("Dry run: nothing was written.")

    def actor(self, username, scope):
        User = get_user_model()
        try:
            actor = User._default_manager.get(username=username)
        except User.DoesNotExist as exc:
            raise CommandError(f"No user {username}.") from exc
        refusal = self.refusal(actor, **scope)
        if refusal:
            raise CommandError(refusal)
        return actor
