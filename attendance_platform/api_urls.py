"""/api/v1/: the REST API (districts/api_access.py), its OpenAPI schema and its docs. Each
operation lives in its app's api.py."""

from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from districts import api as districts_api
from tiering import api as tiering_api

app_name = "api"

district = "districts/<slug:district_slug>/"

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves its start-up script as a file of its own (?script): the
    # Content-Security-Policy allows no inline script.
    path(
        "docs/",
        SpectacularSwaggerSplitView.as_view(
            url_name="api:schema", template_name="api/swagger_ui.html"
        ),
        name="docs",
    ),
    path(f"{district}schools/", districts_api.SchoolListApi.as_view(), name="schools"),
    path(
        f"{district}school-years/", districts_api.SchoolYearListApi.as_view(), name="school_years"
    ),
    path(f"{district}snapshots/", tiering_api.SnapshotListApi.as_view(), name="snapshots"),
    path(f"{district}standings/", tiering_api.StandingListApi.as_view(), name="standings"),
    path(
        f"{district}students/<int:student_id>/",
        tiering_api.StudentDetailApi.as_view(),
        name="student",
    ),
    path(f"{district}imports/", tiering_api.ImportCreateApi.as_view(), name="imports"),
    path(
        f"{district}imports/<int:import_id>/", tiering_api.ImportDetailApi.as_view(), name="import"
    ),
    path(
        f"{district}imports/<int:import_id>/confirm/",
        tiering_api.ImportConfirmApi.as_view(),
        name="import_confirm",
    ),
    path(
        f"{district}attendance-events/",
        tiering_api.AttendanceEventsApi.as_view(),
        name="attendance_events",
    ),
]
