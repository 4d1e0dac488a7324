from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from districts import views as district_views
from districts.forms import SignInForm

accounts = [
    path(
        "login/",
        auth_views.LoginView.as_view(
            authentication_form=SignInForm, redirect_authenticated_user=True
        ),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("two-factor/", district_views.account_two_factor, name="two_factor"),
    path("two-factor/code/", district_views.two_factor_verify, name="two_factor_verify"),
    path("two-factor/set-up/", district_views.two_factor_setup, name="two_factor_setup"),
    path(
        "two-factor/backup-codes/",
        district_views.two_factor_backup_codes,
        name="two_factor_backup_codes",
    ),
    path(
        "two-factor/backup-codes/download/",
        district_views.two_factor_backup_codes_download,
        name="two_factor_backup_codes_download",
    ),
    path(
        "two-factor/backup-codes/new/",
        district_views.two_factor_backup_codes_new,
        name="two_factor_backup_codes_new",
    ),
    path("two-factor/turn-off/", district_views.two_factor_disable, name="two_factor_disable"),
    path("password/change/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path(
        "password/change/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path("password/reset/", auth_views.PasswordResetView.as_view(), name="password_reset"),
    path(
        "password/reset/sent/",
        auth_views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "password/reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "invitation/<uidb64>/<token>/",
        district_views.InvitationAcceptView.as_view(),
        name="invitation_accept",
    ),
    path(
        "password/reset/done/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
]

urlpatterns = [
    path("", district_views.home, name="home"),
    path("accounts/", include(accounts)),
    path("d/<slug:district_slug>/", include("districts.urls")),
    path("d/<slug:district_slug>/attendance/", include("tiering.urls")),
    path("d/<slug:district_slug>/partners/", include("partners.urls")),
    path("d/<slug:district_slug>/self-assessment/", include("selfassessment.urls")),
    path("d/<slug:district_slug>/support/", include("support.urls")),
    path("d/<slug:district_slug>/pdsa/", include("pdsa.urls")),
    path("d/<slug:district_slug>/workshops/", include("workshops.district_urls")),
    path("workshops/", include("workshops.urls")),
    path("api/v1/", include("attendance_platform.api_urls")),
    path("operators/", admin.site.urls),
]
