"""``celery -A tests.celery_worker worker``: a worker on the test's database, media and broker.

The test that starts it passes them in the environment: ``CURSUS_WORKER_DATABASE`` (Django's
``DATABASES['default']`` of the test database, as JSON: the SQLite file or the server's test
database), ``CURSUS_WORKER_MEDIA_ROOT``, ``CURSUS_WORKER_BROKER`` and ``CURSUS_WORKER_SETTINGS``
(JSON of more settings, e.g. ``CURSUS_BATCH_STALE_MINUTES``).
"""

import os

os.environ["CURSUS_TEST_DB"] = "sqlite"  # tests.settings must not start a database server of its own
os.environ["DJANGO_SETTINGS_MODULE"] = "tests.worker_settings"

import django  # noqa: E402

django.setup()

from tests.celery_app import make_app  # noqa: E402

app = make_app(os.environ["CURSUS_WORKER_BROKER"])
