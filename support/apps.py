from django.apps import AppConfig


class SupportConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "support"
    verbose_name = "Student support"

    def ready(self) -> None:
        from . import where_it_shows

        where_it_shows.register()
