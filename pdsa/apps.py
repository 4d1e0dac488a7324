from django.apps import AppConfig


class PdsaConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "pdsa"
    verbose_name = "Plan-Do-Study-Act cycles"

    def ready(self) -> None:
        from tiering import bands_changed

        from .tasks import bands_changed as refresh_after_bands_change

        # Study results are recomputed after every import and recompute of the district.
        bands_changed.register(refresh_after_bands_change)
