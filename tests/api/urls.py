"""The test host's URLs with the API mounted as ``cursus_xblock/urls.py`` is to mount it.

Until ``cursus_xblock.urls`` includes ``api/v1/`` itself, this adds it under the same path and
namespace; once it does, this is the plain test urlconf.
"""

from django.contrib import admin
from django.urls import include, path

from cursus_xblock import urls as cursus_urls

API_ROUTE = "api/v1/"

_mounted = any(str(getattr(p, "pattern", "")) == API_ROUTE for p in cursus_urls.urlpatterns)
_cursus = [*cursus_urls.urlpatterns]
if not _mounted:
    _cursus.append(path(API_ROUTE, include("cursus_xblock.api.urls")))

urlpatterns = [
    path("admin/", admin.site.urls),
    path("cursus/", include((_cursus, "cursus_xblock"), namespace="cursus_xblock")),
]
