"""URLs of the API, version 1: the host mounts them at ``cursus/api/v1/`` in the ``cursus_xblock`` namespace."""

from django.urls import path, re_path

from . import attendance, catalogue, documents, exports, imports, registrations
from .base import UnknownPathApi
from .schema import DOCS_ROUTE, SCHEMA_ROUTE, DocsView, SchemaView

user_registrations = "users/<str:username>/registrations/"
my_registrations = "me/registrations/"

operations = [
    path("courses/", catalogue.CourseListApi.as_view(), name="api-course-list"),
    path("sessions/", catalogue.SessionListApi.as_view(), name="api-session-list"),
    path("sessions/<int:session_id>/", catalogue.SessionDetailApi.as_view(), name="api-session-detail"),
    path("sessions/<int:session_id>/events/", catalogue.SessionEventListApi.as_view(), name="api-session-event-list"),
    path("events/<int:event_id>/attendance/", attendance.EventAttendanceApi.as_view(), name="api-event-attendance"),
    path(
        user_registrations,
        registrations.UserRegistrationListApi.as_view(),
        name="api-user-registration-list",
    ),
    path(
        user_registrations + "<int:registration_id>/",
        registrations.UserRegistrationDeleteApi.as_view(),
        name="api-user-registration-detail",
    ),
    path(
        user_registrations + "<int:registration_id>/documents/",
        documents.DocumentIssueApi.as_view(),
        name="api-user-registration-documents",
    ),
    path(
        my_registrations,
        registrations.MyRegistrationListApi.as_view(),
        name="api-me-registration-list",
    ),
    path(
        my_registrations + "<int:registration_id>/",
        registrations.MyRegistrationDeleteApi.as_view(),
        name="api-me-registration-detail",
    ),
    path(
        "documents/<int:document_id>/download/", documents.DocumentDownloadApi.as_view(), name="api-document-download"
    ),
    path("documents/verify/<str:code>/", documents.DocumentVerifyApi.as_view(), name="api-document-verify"),
    path("exports/<str:what>/", exports.ExportApi.as_view(), name="api-export"),
    path("imports/registrations/", imports.RegistrationImportApi.as_view(), name="api-import-registrations"),
    path("imports/sessions/", imports.SessionImportApi.as_view(), name="api-import-sessions"),
    path("imports/<int:job_id>/", imports.ImportJobApi.as_view(), name="api-import-job"),
]

urlpatterns = [
    *operations,
    path(SCHEMA_ROUTE, SchemaView.as_view(api_patterns=operations), name="api-schema"),
    path(DOCS_ROUTE, DocsView.as_view(), name="api-docs"),
    # Last: whatever else is asked under the API gets a JSON 404.
    re_path(r"", UnknownPathApi.as_view(), name="api-unknown"),
]
