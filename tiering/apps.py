from django.apps import AppConfig


class TieringConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "tiering"
    verbose_name = "Tiering"

    def ready(self) -> None:
        from districts import audit, home_panels

        from .models import Student
        from .views import attendance_home_panel

        home_panels.register(attendance_home_panel)
        audit.register_student_records(Student)
