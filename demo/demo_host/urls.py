"""The demo host's URLs: the admin, every plugin's URLs as the LMS mounts them, and the XBlock workbench.

``/accounts/login/`` is for learners (the admin's login refuses whoever is not staff): the admin's
login page, then the workbench, where the Cursus block acts for whoever signed in.
"""

from django.contrib import admin
from django.contrib.auth.views import LoginView
from django.urls import include, path
from django.utils.translation import gettext_lazy as _
from django.views.generic import RedirectView
from edx_django_utils.plugins import get_plugin_url_patterns

from .settings import PROJECT_TYPE

urlpatterns = [
    path("", RedirectView.as_view(url="/admin/", permanent=False)),
    path("admin/", admin.site.urls),
    path(
        "accounts/login/",
        LoginView.as_view(
            template_name="admin/login.html", redirect_authenticated_user=True, extra_context={"title": _("Log in")}
        ),
        name="login",
    ),
    path("accounts/", include("django.contrib.auth.urls")),
    path("workbench/", include("demo_host.workbench_urls")),
    *get_plugin_url_patterns(PROJECT_TYPE),
]
