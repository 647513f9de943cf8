"""The demo host's URLs: the admin, and every plugin's URLs as the LMS mounts them."""

from django.contrib import admin
from django.urls import path
from django.views.generic import RedirectView
from edx_django_utils.plugins import get_plugin_url_patterns

from .settings import PROJECT_TYPE

urlpatterns = [
    path("", RedirectView.as_view(url="/admin/", permanent=False)),
    path("admin/", admin.site.urls),
    *get_plugin_url_patterns(PROJECT_TYPE),
]
