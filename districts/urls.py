from django.urls import path

from . import views

app_name = "districts"

urlpatterns = [
    path("", views.district_home, name="home"),
    path("people/", views.district_people, name="people"),
    path("people/invite/", views.person_invite, name="person_invite"),
    path("people/<int:membership_id>/", views.person_change, name="person"),
    path(
        "people/<int:membership_id>/deactivate/",
        views.person_deactivate,
        name="person_deactivate",
    ),
    path(
        "people/<int:membership_id>/invitation/resend/",
        views.invitation_resend,
        name="invitation_resend",
    ),
    path(
        "people/<int:membership_id>/invitation/cancel/",
        views.invitation_cancel,
        name="invitation_cancel",
    ),
    path("audit/", views.audit_log, name="audit"),
    path("sign-in-security/", views.district_security, name="security"),
    path("api-tokens/", views.api_tokens, name="api_tokens"),
    path("api-tokens/<int:token_id>/revoke/", views.api_token_revoke, name="api_token_revoke"),
    path("notifications/", views.notifications, name="notifications"),
    path("notifications/read/", views.notifications_read, name="notifications_read"),
]
