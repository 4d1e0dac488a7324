from django.apps import AppConfig


class WorkshopsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "workshops"
    verbose_name = "Strategy workshops"

    def ready(self) -> None:
        from districts import home_panels
        from tiering import bands_changed

        from .tasks import on_bands_changed
        from .views import facilitator_home_panel, invitation_home_panel, plan_home_panel

        bands_changed.hooks.register(on_bands_changed)
        # A district administrator's pending invitations, on the district's home page.
        home_panels.register(invitation_home_panel)
        # The workshop plans a team member, an administrator or the cabinet works on.
        home_panels.register(plan_home_panel)
        # A facilitator's workshops, on the page signing in lands on.
        home_panels.register_account_panel(facilitator_home_panel)
