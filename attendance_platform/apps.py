from django.apps import AppConfig


class AttendancePlatformConfig(AppConfig):
    name = "attendance_platform"
    verbose_name = "Attendance Platform"
