from django.urls import path

from . import views

app_name = "tiering"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("schools/", views.schools, name="schools"),
    path("schools/<int:school_id>/", views.school, name="school"),
    path("students/<int:student_id>/", views.student, name="student"),
    path("rules/", views.rules, name="rules"),
    path("rules/rule-sets/new/", views.rule_set_save, name="rule_set_add"),
    path("rules/rule-sets/<int:rule_set_id>/", views.rule_set_save, name="rule_set_save"),
    path("rules/codes/", views.attendance_code_save, name="attendance_code_save"),
    path(
        "rules/codes/<int:code_id>/delete/",
        views.attendance_code_delete,
        name="attendance_code_delete",
    ),
    path("recompute/", views.recompute_page, name="recompute"),
    path("recompute/run/", views.recompute_now, name="recompute_now"),
    path("recompute/digest/", views.digest_now, name="digest_now"),
    path("imports/", views.imports, name="imports"),
    path("imports/<int:import_id>/", views.import_detail, name="import"),
    path("imports/<int:import_id>/problems.csv", views.import_errors, name="import_errors"),
    path("imports/<int:import_id>/columns/", views.import_columns, name="import_columns"),
    path("imports/<int:import_id>/codes/", views.import_codes, name="import_codes"),
    path("imports/<int:import_id>/again/", views.import_again, name="import_again"),
    path("imports/<int:import_id>/confirm/", views.import_confirm, name="import_confirm"),
]
