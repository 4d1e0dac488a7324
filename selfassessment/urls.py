from django.urls import path

from . import views

app_name = "selfassessment"

urlpatterns = [
    path("", views.assessment_list, name="list"),
    path("<int:assessment_id>/", views.assessment_overview, name="overview"),
    path(
        "<int:assessment_id>/ingredients/<int:position>/",
        views.assessment_ingredient,
        name="ingredient",
    ),
    path("<int:assessment_id>/reflections/", views.assessment_reflections, name="reflections"),
    path("<int:assessment_id>/results/", views.assessment_results, name="results"),
    path(
        "<int:assessment_id>/fields/<slug:kind>/<int:record_id>/<slug:field>/",
        views.field_edit,
        name="field",
    ),
    path("<int:assessment_id>/items/<int:item_id>/rating/", views.member_rate, name="rate"),
    path("<int:assessment_id>/priorities/", views.priority_add, name="priority_add"),
    path(
        "<int:assessment_id>/priorities/<int:priority_id>/remove/",
        views.priority_remove,
        name="priority_remove",
    ),
    path("<int:assessment_id>/finalise/", views.assessment_finalise, name="finalise"),
    path("<int:assessment_id>/next-year/", views.assessment_next_year, name="next_year"),
    path("<int:assessment_id>/action-plan.pdf", views.action_plan_pdf, name="action_plan_pdf"),
    path("<int:assessment_id>/action-plan.xlsx", views.action_plan_xlsx, name="action_plan_xlsx"),
]
