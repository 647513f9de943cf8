"""``manage.py lms cursus_sync_workspaces``: give confirmed registrations the workspace roles they lack.

For data that existed before the workspace backend was switched on (see docs/operators.md, Upgrading
notes). The report is CSV on standard output, one line per (user, workspace, workspace role)
that differs — every one looked at with ``--verbosity 2`` — and a summary on standard error.
"""

import csv

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ...models import Session
from ...services import workspace_sync

HEADER = ("user", "workspace", "role", "found", "action", "message")


class Command(BaseCommand):
    help = gettext_lazy(
        "Compare confirmed registrations with the workspaces' roles (in Open edX: enrollments and course "
        "roles) and grant what is missing. Roles left over from cancelled registrations are only reported, "
        "unless --revoke-orphans."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run", action="store_true", help=gettext_lazy("Report the differences; change nothing.")
        )
        parser.add_argument(
            "--session",
            type=int,
            action="append",
            default=[],
            metavar="ID",
            help=gettext_lazy("Only this session's registrations (repeatable)."),
        )
        parser.add_argument(
            "--workspace",
            action="append",
            default=[],
            metavar="KEY",
            help=gettext_lazy("Only registrations in sessions of this workspace (repeatable)."),
        )
        parser.add_argument(
            "--revoke-orphans",
            action="store_true",
            help=gettext_lazy(
                "Also take away a role someone holds from a cancelled registration when no confirmed one "
                "grants it any more. They may hold it by other means: check the report of a dry run first."
            ),
        )

    def handle(self, *args, dry_run, session, workspace, revoke_orphans, verbosity, **options):
        unknown = sorted(set(session) - set(Session.objects.filter(pk__in=session).values_list("pk", flat=True)))
        if unknown:
            raise CommandError(_("Unknown sessions: %(ids)s.") % {"ids": ", ".join(map(str, unknown))})
        rows = workspace_sync.sync(
            dry_run=dry_run, sessions=session, workspaces=workspace, revoke_orphans=revoke_orphans
        )
        writer = csv.writer(self.stdout, lineterminator="\n")
        writer.writerow(HEADER)
        for row in rows:
            if verbosity >= 2 or row.found != workspace_sync.HELD:
                username = row.user.get_username()
                writer.writerow((username, row.workspace_key, row.role, row.found, row.action, row.message))
        counts = {}
        for row in rows:
            counts[row.action] = counts.get(row.action, 0) + 1
        summary = _(
            "%(looked)s looked at: %(missing)s missing, %(orphans)s held without registration, "
            "%(unknown)s unknown; %(granted)s granted, %(refused)s refused, %(revoked)s revoked."
        ) % {
            "looked": len(rows),
            "missing": sum(row.found == workspace_sync.MISSING for row in rows),
            "orphans": sum(row.found == workspace_sync.HELD_WITHOUT_REGISTRATION for row in rows),
            "unknown": sum(row.found == workspace_sync.UNKNOWN for row in rows),
            "granted": counts.get(workspace_sync.GRANTED, 0),
            "refused": counts.get(workspace_sync.REFUSED, 0) + counts.get(workspace_sync.WOULD_BE_REFUSED, 0),
            "revoked": counts.get(workspace_sync.REVOKED, 0),
        }
        if dry_run:
            summary = _("Dry run, nothing changed. %(summary)s") % {"summary": summary}
        self.stderr.write(summary)
