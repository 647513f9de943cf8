"""The demo host's URLs: the admin, every plugin's URLs as the LMS mounts them, and the XBlock workbench.

``/accounts/login/`` is for learners (the admin's login refuses whoever is not staff): the admin's
login page, then the workbench, where the Cursus block acts for whoever signed in.
"""

from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView
from edx_django_utils.plugins import get_plugin_url_patterns

from .settings import PROJECT_TYPE

urlpatterns = [
    path("", RedirectView.as_view(url="/admin/", permanent=False)),
    path("admin/", admin.site.urls),
    path("", include("demo_host.learner_urls")),
    *get_plugin_url_patterns(PROJECT_TYPE),
]
