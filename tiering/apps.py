from django.apps import AppConfig


class TieringConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "tiering"
    verbose_name = "Tiering"
