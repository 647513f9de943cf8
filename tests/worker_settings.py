"""The tests' settings for a Celery worker process sharing the database of a running test."""

import json
import os

from tests.settings import *  # noqa: F403

DATABASES = {"default": json.loads(os.environ["CURSUS_WORKER_DATABASE"])}
MEDIA_ROOT = os.environ["CURSUS_WORKER_MEDIA_ROOT"]
CELERY_BROKER_URL = os.environ["CURSUS_WORKER_BROKER"]
CURSUS_USE_CELERY = True
globals().update(json.loads(os.environ.get("CURSUS_WORKER_SETTINGS", "{}")))
