from django.apps import AppConfig


class SupportConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "support"
    verbose_name = "Student support"

    def ready(self) -> None:
        from tiering import student_sections

        from . import list_columns
        from .views import support_section

        # What has been done for the student, on the student's page beside the band's guidance.
        student_sections.register(support_section)
        # The tiered list's support columns and filters.
        list_columns.register()
