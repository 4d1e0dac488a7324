from django.urls import path

from . import views

app_name = "support"

urlpatterns = [
    path("my-students/", views.caseload, name="caseload"),
    path("summary/", views.summary, name="summary"),
    path("summary/schools/<int:school_id>/", views.school_summary, name="school_summary"),
    path("referrals/", views.referrals, name="referrals"),
]
