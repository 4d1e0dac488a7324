from django.apps import AppConfig


class PdsaConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "pdsa"
    verbose_name = "Plan-Do-Study-Act cycles"

    def ready(self) -> None:
        from districts.roles import RUN_PDSA_CYCLES
        from support import records_changed
        from tiering import bands_changed, list_columns

        from .tasks import bands_changed as refresh_after_bands_change
        from .tasks import support_records_changed
        from .views import list_action_targets

        # "Add to a PDSA cycle" on a school's tiered list (issue 19: participants are chosen
        # from the tiered list).
        list_columns.register_action(
            list_columns.ListAction(
                key="cycle",
                label="Add to a PDSA cycle",
                verb="Add",
                url_name="pdsa:list_add",
                policy=RUN_PDSA_CYCLES,
                target_label="PDSA cycle (in Plan or Do)",
                targets=list_action_targets,
                no_target="No cycle of this school is in Plan or Do for you to add students to.",
                no_target_link="Start one on the PDSA cycles page",
                no_target_url_name="pdsa:create",
            )
        )
        # Study results and the chain's counts are recomputed after every import and
        # recompute of the district; the chain's counts after every change of reasons for
        # absence or interventions too.
        bands_changed.hooks.register(refresh_after_bands_change)
        records_changed.hooks.register(support_records_changed)
