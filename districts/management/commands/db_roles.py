from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError

from districts import db_walls


class Command(BaseCommand):
    help = (
        "Creates or updates the database roles (owner, app login, personas) and hands the "
        "schema to the owner. Idempotent; run with DATABASE_URL naming an account that may "
        "create roles, before migrate."
    )

    def handle(self, *args, **options):
        with db_walls.owner_connection(as_owner=False) as connection:
            try:
                with connection.cursor() as cursor:
                    db_walls.ensure_roles(cursor, app_password=db_walls.app_password())
                    db_walls.prepare_database(cursor)
            except DatabaseError as error:
                raise CommandError(
                    f"Could not set up the database roles ({error}). DATABASE_URL must name a "
                    "superuser, or a role with CREATEROLE that owns the database."
                ) from None
        self.stdout.write(
            f"Roles ready: {db_walls.OWNER} owns the schema, the app signs in as {db_walls.APP}."
        )
