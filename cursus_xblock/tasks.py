"""Celery tasks, when the host runs Celery (Open edX does); the package works without Celery."""

from django.conf import settings as django_settings

from .conf import settings

try:
    from celery import shared_task
except ImportError:  # a host without Celery builds batches synchronously
    shared_task = None


def celery_enabled():
    if shared_task is None:
        return False
    if settings.USE_CELERY is not None:
        return bool(settings.USE_CELERY)
    return bool(getattr(django_settings, "CELERY_BROKER_URL", None) or getattr(django_settings, "BROKER_URL", None))


if shared_task is not None:
    # Acknowledged after it ran, and given back to the broker when its worker dies: a worker lost
    # mid-batch means another one gets the message. The run is idempotent (``batch_run``).
    @shared_task(
        bind=True,
        name="cursus_xblock.build_document_batch",
        ignore_result=True,
        acks_late=True,
        reject_on_worker_lost=True,
        max_retries=None,
    )
    def build_document_batch(self, batch_id):
        from .services import documents

        batch = documents.batch_run(batch_id=batch_id)
        if getattr(batch, "busy", False):
            # Another run holds it and made progress lately (a duplicate delivery, or a redelivery
            # while it still works): look again once it would count as stale, and take over then.
            raise self.retry(countdown=documents.stale_after().total_seconds() + 1)
