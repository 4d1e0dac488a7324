from django.urls import path

from . import views

app_name = "workshops"

urlpatterns = [
    path("", views.workshop_list, name="list"),
    path("new/", views.workshop_create, name="create"),
    path("<int:workshop_id>/", views.workshop_detail, name="detail"),
    path("<int:workshop_id>/edit/", views.workshop_edit, name="edit"),
    path("<int:workshop_id>/invite/", views.invitation_create, name="invite"),
    path("<int:workshop_id>/cohort/", views.cohort, name="cohort"),
]
