"""`migrate` signed in with DATABASE_URL's account and switched into the owner role, so the
tables belong to the owner and the app's own login never holds DDL rights."""

from django.core.management.commands.migrate import Command as DjangoMigrate

from districts import db_walls


class Command(DjangoMigrate):
    def handle(self, *args, **options):
        with db_walls.owner_connection(options["database"]):
            return super().handle(*args, **options)
