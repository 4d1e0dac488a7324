from django.urls import path

from . import views

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
]
