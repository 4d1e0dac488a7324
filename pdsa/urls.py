from django.urls import path

from . import views

app_name = "pdsa"

urlpatterns = [
    path("", views.cycle_list, name="list"),
    path("new/", views.cycle_create, name="create"),
    path("<int:cycle_id>/", views.cycle_detail, name="cycle"),
    path("<int:cycle_id>/cycle.pdf", views.cycle_pdf, name="pdf"),
    path("<int:cycle_id>/edit/", views.cycle_edit, name="edit"),
    path("<int:cycle_id>/questions/", views.question_add, name="question_add"),
    path("<int:cycle_id>/questions/<int:question_id>/", views.question_save, name="question"),
    path("<int:cycle_id>/steps/", views.step_add, name="step_add"),
    path("<int:cycle_id>/steps/<int:step_id>/", views.step_save, name="step"),
    path("<int:cycle_id>/status/", views.cycle_advance, name="advance"),
    path("<int:cycle_id>/act/", views.cycle_decide, name="decide"),
    path("<int:cycle_id>/next/", views.cycle_next, name="next"),
    path("<int:cycle_id>/study/", views.study_refresh, name="study_refresh"),
    path("<int:cycle_id>/participants/", views.participants, name="participants"),
    path("<int:cycle_id>/participants/add/", views.participants_add, name="participants_add"),
    path(
        "<int:cycle_id>/participants/<int:participant_id>/remove/",
        views.participant_remove,
        name="participant_remove",
    ),
    path("<int:cycle_id>/participants/grid/", views.grid_save, name="grid"),
    path("ideas/<int:idea_id>/", views.ramp, name="ramp"),
    path("from-list/schools/<int:school_id>/", views.list_add, name="list_add"),
    path("chain/", views.chain, name="chain"),
    path("chain/schools/<int:school_id>/", views.school_chain, name="school_chain"),
]
