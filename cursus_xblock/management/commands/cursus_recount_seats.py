"""Check each session's seats taken and people waiting against its registrations, and repair them.

The registrations keep these counters themselves; a write that went around the ORM (raw SQL, a
restored table) is what this finds. A dry run by default: ``--fix`` stores the counted values.
"""

from django.core.management.base import BaseCommand

from ...models import Session, recount_seats


class Command(BaseCommand):
    help = "Compare each session's seats taken and waiting count with its registrations; --fix repairs them."

    def add_arguments(self, parser):
        parser.add_argument("--fix", action="store_true", help="Store the counted values (default: only report).")
        parser.add_argument("--session", action="append", default=[], help="Session code (repeatable; default: all).")

    def handle(self, *args, fix, session, **options):
        ids = None
        if session:
            ids = list(Session.objects.filter(code__in=session).values_list("pk", flat=True))
        wrong = recount_seats(ids, fix=fix)
        codes = dict(Session.objects.filter(pk__in=wrong).values_list("pk", "code"))
        for pk, ((taken, waiting), (real_taken, real_waiting)) in sorted(wrong.items()):
            self.stdout.write(
                f"{codes.get(pk, pk)}: seats taken {taken} (counted {real_taken}), "
                f"waiting {waiting} (counted {real_waiting})"
            )
        checked = "all sessions" if ids is None else f"{len(ids)} session(s)"
        verb = "fixed" if fix else "wrong"
        self.stdout.write(f"{len(wrong)} {verb} of {checked}.")
        if wrong and not fix:
            self.stdout.write("Run again with --fix to store the counted values.")
