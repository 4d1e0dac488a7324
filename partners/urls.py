from django.urls import path

from . import views

app_name = "partners"

urlpatterns = [
    path("", views.registry, name="registry"),
    path("new/", views.entry_create, name="entry_create"),
    path("<int:entry_id>/", views.entry_detail, name="entry"),
    path("<int:entry_id>/edit/", views.entry_edit, name="edit"),
    path("<int:entry_id>/confirm/", views.entry_confirm, name="confirm"),
    path("<int:entry_id>/delete/", views.entry_delete, name="delete"),
    path("<int:entry_id>/history/", views.entry_history, name="entry_history"),
    path("changes/", views.history, name="history"),
    path("organisations/", views.organizations, name="organizations"),
    path("organisations/<int:org_id>/edit/", views.organization_edit, name="organization_edit"),
    path("staff/invite/", views.staff_invite, name="staff_invite"),
    path("staff/<int:link_id>/remove/", views.staff_remove, name="staff_remove"),
    path("coverage/", views.coverage, name="coverage"),
    path("hsds/export/", views.hsds_export, name="hsds_export"),
    path("hsds/import/", views.hsds_import, name="hsds_import"),
]
