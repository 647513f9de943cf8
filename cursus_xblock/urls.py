"""URLs of the plugin, mounted under ``cursus/`` (namespace ``cursus_xblock``) by the host."""

from django.urls import path

from . import views

app_name = "cursus_xblock"

urlpatterns = [
    path("health/", views.health, name="health"),
    path("verify/<str:code>/", views.verify, name="verify"),
]
