import secrets

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from districts.models import School, User
from districts.roles import Role
from districts.services import membership_grant, user_create
from districts.tenancy import operator_context, system_context

from ._common import describe, district_or_error


class Command(BaseCommand):
    help = (
        "Adds a person (or gives an existing one a role) in a district. School roles name their "
        "schools with --school SIS_CODE, repeated. Prints a generated password for new people."
    )

    def add_arguments(self, parser):
        parser.add_argument("email")
        parser.add_argument("--name", default="", help="Full name")
        parser.add_argument("--district", help="District slug")
        parser.add_argument("--role", choices=[r.value for r in Role])
        parser.add_argument("--school", action="append", default=[], metavar="SIS_CODE")
        parser.add_argument(
            "--facilitator",
            action="store_true",
            help="Workshop facilitator: a role across districts",
        )
        parser.add_argument("--password", help="Initial password (default: a generated one)")

    @transaction.atomic
    def handle(self, *args, **options):
        if bool(options["district"]) != bool(options["role"]):
            raise CommandError("--district and --role go together.")
        if not options["district"] and not options["facilitator"]:
            raise CommandError("Give a --district and --role, or --facilitator, or both.")
        email = options["email"].strip().lower()
        user = User.objects.filter(email__iexact=email).first()
        password = None
        try:
            if user is None:
                password = options["password"] or secrets.token_urlsafe(12)
                # Accounts span districts: creating one is operators' work.
                with operator_context(reason="command:add_user"):
                    user = user_create(
                        email=email,
                        password=password,
                        full_name=options["name"],
                        is_facilitator=options["facilitator"],
                    )
            elif options["facilitator"] and not user.is_facilitator:
                user.is_facilitator = True
                user.save(update_fields=["is_facilitator"])
            if options["district"]:
                self._grant(user, options)
        except ValidationError as error:
            raise CommandError(describe(error)) from None
        self.stdout.write(self.style.SUCCESS(f"{user.email} is set up."))
        if password and not options["password"]:
            self.stdout.write(f"Initial password: {password}  (ask them to change it)")

    def _grant(self, user: User, options) -> None:
        district = district_or_error(options["district"])
        with system_context(district, reason="command:add_user"):
            schools = list(
                School.objects.for_district(district).filter(sis_code__in=options["school"])
            )
            missing = set(options["school"]) - {s.sis_code for s in schools}
            if missing:
                raise CommandError(
                    f"{district.name} has no school with SIS code {', '.join(sorted(missing))}."
                )
            membership_grant(
                district=district, user=user, role=Role(options["role"]), schools=schools
            )
