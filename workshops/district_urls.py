from django.urls import path

from . import checkin_views, views

app_name = "district_workshops"

urlpatterns = [
    path("", views.district_invitations, name="list"),
    path("<int:invitation_id>/", views.invitation_detail, name="invitation"),
    path("<int:invitation_id>/respond/", views.invitation_respond, name="respond"),
    path("<int:invitation_id>/consent/", views.invitation_consent, name="consent"),
    path("<int:invitation_id>/team/", views.team_add, name="team_add"),
    path(
        "<int:invitation_id>/team/<int:member_id>/remove/",
        views.team_remove,
        name="team_remove",
    ),
    path("<int:invitation_id>/packet/", views.packet, name="packet"),
    path("<int:invitation_id>/packet/pdf/", views.packet_pdf, name="packet_pdf"),
    path("<int:invitation_id>/cohort/", views.team_cohort, name="cohort"),
    path("<int:invitation_id>/plan/", views.plan, name="plan"),
    path("<int:invitation_id>/plan/add/", views.plan_add, name="plan_add"),
    path("<int:invitation_id>/plan/pdf/", views.plan_pdf, name="plan_pdf"),
    path(
        "<int:invitation_id>/plan/<int:action_id>/remove/",
        views.plan_remove,
        name="plan_remove",
    ),
    path(
        "<int:invitation_id>/plan/<int:action_id>/<slug:field>/",
        views.plan_field,
        name="plan_field",
    ),
    path("<int:invitation_id>/check-ins/", checkin_views.team_check_ins, name="check_ins"),
    path("<int:invitation_id>/check-ins/goal/", checkin_views.goal_set, name="goal"),
    path(
        "<int:invitation_id>/check-ins/<int:check_in_id>/",
        checkin_views.report,
        name="check_in",
    ),
]
