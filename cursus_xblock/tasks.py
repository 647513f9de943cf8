"""Celery tasks, when the host runs Celery (Open edX does); the package works without Celery.

Whether a batch goes to Celery is the documents service's decision (``celery_enabled``); it
publishes this task by its name, so this module only calls the service, never the reverse.
``apps.ready`` imports it, so the name resolves to the task in every process.
"""

try:
    from celery import shared_task
except ImportError:  # a host without Celery builds batches synchronously
    shared_task = None


if shared_task is not None:
    # Acknowledged after it ran, and given back to the broker when its worker dies: a worker lost
    # mid-batch means another one gets the message. The run is idempotent (``batch_run``).
    # The name is the one queued messages carry: never change it.
    @shared_task(
        bind=True,
        name="cursus_xblock.build_document_batch",
        ignore_result=True,
        acks_late=True,
        reject_on_worker_lost=True,
        max_retries=None,
    )
    def build_document_batch(self, batch_id):
        from .services.documents import batches

        batch = batches.batch_run(batch_id=batch_id)
        if getattr(batch, "busy", False):
            # Another run holds it and made progress lately (a duplicate delivery, or a redelivery
            # while it still works): look again once it would count as stale, and take over then.
            raise self.retry(countdown=batches.stale_after().total_seconds() + 1)

    # One message: sent once, whoever else delivers it (``notifications.deliver`` claims its row);
    # a failure is tried again at the time the log set. The name is the one queued messages carry.
    @shared_task(
        bind=True, name="cursus_xblock.send_notification", ignore_result=True, acks_late=True, max_retries=None
    )
    def send_notification(self, notification_id):
        from django.utils import timezone

        from .models import NotificationStatus
        from .services import notifications, reminders

        reminders.drop_outdated(ids=[notification_id])  # a retried reminder whose date has moved
        row = notifications.deliver(notification_id)
        if row is not None and row.status == NotificationStatus.FAILED and row.next_attempt_at is not None:
            raise self.retry(countdown=max((row.next_attempt_at - timezone.now()).total_seconds(), 1))

    # One import job (``services.imports.jobs``): its chunks already run are skipped, so a
    # redelivered message is harmless. The name is the one queued messages carry.
    @shared_task(bind=True, name="cursus_xblock.run_import_job", ignore_result=True, acks_late=True, max_retries=None)
    def run_import_job(self, job_id):
        from .services.imports import jobs

        job = jobs.run(job_id)
        if getattr(job, "busy", False):  # a duplicate while another run works: look again once it would be stale
            raise self.retry(countdown=jobs.stale_after().total_seconds() + 1)
