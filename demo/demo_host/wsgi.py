"""WSGI entry of the demo host."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "demo_host.settings")
application = get_wsgi_application()
