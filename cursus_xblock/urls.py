"""URLs of the plugin, mounted under ``cursus/`` (namespace ``cursus_xblock``) by the host."""

from django.urls import include, path

from .web import checkin, evidence, views

app_name = "cursus_xblock"

urlpatterns = [
    path("health/", views.health, name="health"),
    path("verify/<str:code>/", views.verify, name="verify"),
    path("checkin/<int:pk>/", checkin.checkin, name="checkin"),
    path("justification/<int:pk>/", evidence.evidence, name="evidence"),
    path("justification/file/<int:pk>/", evidence.evidence_file, name="evidence_file"),
    path("api/v1/", include("cursus_xblock.api.urls")),
]
