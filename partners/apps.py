from django.apps import AppConfig


class PartnersConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "partners"
    verbose_name = "Partner registry"

    def ready(self) -> None:
        from districts import affiliations
        from districts.roles import Role

        from . import selectors, services
        from .models import PartnerOrganization

        # The People page invites partner staff for one of the district's organisations.
        affiliations.register(
            Role.PARTNER_STAFF,
            affiliations.Affiliation(
                label="Partner organisation",
                choices=lambda user: PartnerOrganization.objects.for_user(user),
                link=lambda membership, organization, invited_by: (
                    services.partner_staff_link_create(
                        membership=membership, organization=organization, invited_by=invited_by
                    )
                ),
                names=selectors.staff_organization_names,
            ),
        )
