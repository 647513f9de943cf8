from django.contrib import admin
from django.contrib.auth.views import LoginView
from django.urls import include, path
from django.utils.translation import gettext_lazy as _
from edx_django_utils.plugins import get_plugin_url_patterns

urlpatterns = [
    path("admin/", admin.site.urls),
    # As in the demo (demo/demo_host/urls.py): learners sign in here, the workbench is the demo's.
    path(
        "accounts/login/",
        LoginView.as_view(
            template_name="admin/login.html", redirect_authenticated_user=True, extra_context={"title": _("Log in")}
        ),
        name="login",
    ),
    path("accounts/", include("django.contrib.auth.urls")),
    path("workbench/", include("demo.demo_host.workbench_urls")),
    *get_plugin_url_patterns("lms.djangoapp"),
]
