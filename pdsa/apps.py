from django.apps import AppConfig


class PdsaConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "pdsa"
    verbose_name = "Plan-Do-Study-Act cycles"
