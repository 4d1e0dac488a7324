from django.urls import path

from . import views

app_name = "support"

STUDENT = "students/<int:student_id>/"
CONVERSATION = STUDENT + "conversations/<int:conversation_id>/"
INTERVENTION = STUDENT + "interventions/<int:intervention_id>/"

urlpatterns = [
    path(STUDENT + "conversations/new/", views.conversation_form, name="conversation_create"),
    path(CONVERSATION, views.conversation_form, name="conversation_edit"),
    path(CONVERSATION + "delete/", views.conversation_delete, name="conversation_delete"),
    path(STUDENT + "plan/", views.plan_edit, name="plan_edit"),
    path(STUDENT + "plan.pdf", views.plan_pdf, name="plan_pdf"),
    path(STUDENT + "interventions/new/", views.intervention_form, name="intervention_create"),
    path(INTERVENTION, views.intervention_form, name="intervention_edit"),
    path(INTERVENTION + "status/", views.intervention_status, name="intervention_status"),
    path(INTERVENTION + "delete/", views.intervention_delete, name="intervention_delete"),
    path("my-students/", views.caseload, name="caseload"),
    path("summary/", views.summary, name="summary"),
    path("summary/schools/<int:school_id>/", views.school_summary, name="school_summary"),
    path("referrals/", views.referrals, name="referrals"),
]
