"""The Celery app of the tests that publish to a real broker, and of the worker they start.

``make_app`` has no side effect, so a test can build one (``set_current()``) to publish; the
worker process loads ``tests/celery_worker.py``, which configures Django first.
"""

#: Redis gives an unacknowledged message back after ``visibility_timeout`` (one hour by default):
#: short here so that the message of a killed worker comes back within the test.
TRANSPORT_OPTIONS = {"visibility_timeout": 2, "unacked_restore_interval": 1, "unacked_restore_throttle": 1}


def make_app(broker_url):
    from celery import Celery

    app = Celery("cursus_tests", set_as_current=False)
    app.conf.update(
        broker_url=broker_url,
        broker_transport_options=TRANSPORT_OPTIONS,
        broker_connection_retry_on_startup=True,
        worker_prefetch_multiplier=1,
        worker_hijack_root_logger=False,
        imports=["cursus_xblock.tasks"],
    )
    return app
