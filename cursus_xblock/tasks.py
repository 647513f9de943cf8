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

    @shared_task(name="cursus_xblock.build_document_batch", ignore_result=True)
    def build_document_batch(batch_id):
        from .services import documents

        documents.batch_run(batch_id=batch_id)
