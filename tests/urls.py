from django.contrib import admin
from django.urls import include, path
from edx_django_utils.plugins import get_plugin_url_patterns

urlpatterns = [
    path("admin/", admin.site.urls),
    # As in the demo (demo/demo_host/urls.py): learners sign in here, the workbench is the demo's.
    path("", include("demo.demo_host.learner_urls")),
    *get_plugin_url_patterns("lms.djangoapp"),
]
