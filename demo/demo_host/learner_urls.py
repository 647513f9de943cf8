"""The learners' side of the demo (and of the browser tests): sign-in, then the XBlock workbench.

``/accounts/login/`` is the admin's login page for anyone (the admin's own refuses whoever is not
staff); ``/workbench/`` is where the Cursus block acts for whoever signed in.
"""

from django.contrib.auth.views import LoginView
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from . import workbench_urls

urlpatterns = [
    path(
        "accounts/login/",
        LoginView.as_view(
            template_name="admin/login.html", redirect_authenticated_user=True, extra_context={"title": _("Log in")}
        ),
        name="login",
    ),
    path("accounts/", include("django.contrib.auth.urls")),
    path("workbench/", include(workbench_urls)),
]
