"""/api/v1/: the REST API (districts/api_access.py), its OpenAPI schema and its docs. Each
operation lives in its app's api.py."""

from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from districts import api as districts_api
from partners import api as partners_api
from pdsa import api as pdsa_api
from selfassessment import api as selfassessment_api
from support import api as support_api
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
    path(f"{district}rule-sets/", tiering_api.RuleSetListApi.as_view(), name="rule_sets"),
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
    path(
        f"{district}students/<int:student_id>/attendance/",
        tiering_api.StudentAttendanceApi.as_view(),
        name="student_attendance",
    ),
    path(f"{district}aggregates/", tiering_api.AggregateApi.as_view(), name="aggregates"),
    path(
        f"{district}students/<int:student_id>/support/",
        support_api.StudentSupportApi.as_view(),
        name="student_support",
    ),
    path(
        f"{district}students/<int:student_id>/support/conversations/",
        support_api.ConversationCreateApi.as_view(),
        name="student_conversations",
    ),
    path(
        f"{district}students/<int:student_id>/support/interventions/",
        support_api.InterventionCreateApi.as_view(),
        name="student_interventions",
    ),
    path(
        f"{district}self-assessments/",
        selfassessment_api.SelfAssessmentListApi.as_view(),
        name="self_assessments",
    ),
    path(
        f"{district}self-assessments/<int:assessment_id>/",
        selfassessment_api.SelfAssessmentApi.as_view(),
        name="self_assessment",
    ),
    path(f"{district}partners/", partners_api.PartnerEntryListApi.as_view(), name="partners"),
    path(
        f"{district}partners/<int:entry_id>/",
        partners_api.PartnerEntryApi.as_view(),
        name="partner",
    ),
    path(
        f"{district}partners/hsds/",
        partners_api.PartnerRegistryHsdsApi.as_view(),
        name="partners_hsds",
    ),
    path(f"{district}pdsa-cycles/", pdsa_api.CycleListApi.as_view(), name="pdsa_cycles"),
    path(f"{district}pdsa-cycles/<int:cycle_id>/", pdsa_api.CycleApi.as_view(), name="pdsa_cycle"),
    path(
        f"{district}pdsa-cycles/<int:cycle_id>/advance/",
        pdsa_api.CycleAdvanceApi.as_view(),
        name="pdsa_cycle_advance",
    ),
]
