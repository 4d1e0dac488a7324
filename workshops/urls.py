from django.urls import path

from . import checkin_views, views

app_name = "workshops"

urlpatterns = [
    path("", views.workshop_list, name="list"),
    path("new/", views.workshop_create, name="create"),
    path("<int:workshop_id>/", views.workshop_detail, name="detail"),
    path("<int:workshop_id>/edit/", views.workshop_edit, name="edit"),
    path("<int:workshop_id>/invite/", views.invitation_create, name="invite"),
    path("<int:workshop_id>/cohort/", views.cohort, name="cohort"),
    path("<int:workshop_id>/cohort/pdf/", views.cohort_pdfs, name="cohort_pdfs"),
    path("<int:workshop_id>/cohort/pdf/<int:pdf_id>/", views.cohort_pdf, name="cohort_pdf"),
    path(
        "<int:workshop_id>/cohort/pdf/<int:pdf_id>/download/",
        views.cohort_pdf_download,
        name="cohort_pdf_download",
    ),
    path(
        "<int:workshop_id>/packets/<int:invitation_id>/",
        views.facilitator_packet,
        name="packet",
    ),
    path(
        "<int:workshop_id>/packets/<int:invitation_id>/pdf/",
        views.facilitator_packet_pdf,
        name="packet_pdf",
    ),
    path("<int:workshop_id>/plans/", views.team_plans, name="plans"),
    path(
        "<int:workshop_id>/plans/<int:invitation_id>/pdf/",
        views.team_plan_pdf,
        name="plan_pdf",
    ),
    path("<int:workshop_id>/check-ins/", checkin_views.schedule, name="check_ins"),
    path("<int:workshop_id>/progress/", checkin_views.progress, name="progress"),
]
