from django.apps import AppConfig


class SelfassessmentConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "selfassessment"
    verbose_name = "Self-assessment"
