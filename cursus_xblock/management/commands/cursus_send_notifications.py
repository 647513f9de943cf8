"""``manage.py lms cursus_send_notifications``: queue the reminders now due, send the notifications that are due.

Safe to run every minute (cron, a Kubernetes CronJob, Tutor): each message is claimed before it
is sent, so overlapping runs, or a run beside the Celery workers, send it once. Failed messages
are tried again once their delay (1, 2, 4 … minutes) has passed. Reminders have no change to queue
them: each run first queues those that have fallen due (``services.reminders``).
"""

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ...models import NotificationStatus
from ...services import notifications, reminders


class Command(BaseCommand):
    help = gettext_lazy("Send the notifications that are due, and retry the failed ones whose delay has passed.")

    def add_arguments(self, parser):
        parser.add_argument("--limit", type=int, default=None, help=gettext_lazy("Send at most this many messages."))

    def handle(self, *args, limit=None, **options):
        reminders.queue_due()
        counts = notifications.send_due(limit=limit)
        self.stdout.write(
            _("Notifications: %(sent)d sent, %(failed)d failed, %(skipped)d not sent.")
            % {
                "sent": counts.get(NotificationStatus.SENT, 0),
                "failed": counts.get(NotificationStatus.FAILED, 0),
                "skipped": counts.get(NotificationStatus.SKIPPED, 0),
            }
        )
