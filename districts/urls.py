from django.urls import path

from . import views

app_name = "districts"

urlpatterns = [
    path("", views.district_home, name="home"),
    path("people/", views.district_people, name="people"),
    path("audit/", views.audit_log, name="audit"),
    path("sign-in-security/", views.district_security, name="security"),
    path("notifications/", views.notifications, name="notifications"),
    path("notifications/read/", views.notifications_read, name="notifications_read"),
]
