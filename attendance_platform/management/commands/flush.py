"""`flush` as the owner: TRUNCATE is not subject to row-level security, so the app's login
is never granted it (tests that commit use this between tests)."""

from django.core.management.commands.flush import Command as DjangoFlush

from districts import db_walls


class Command(DjangoFlush):
    def handle(self, *args, **options):
        with db_walls.owner_connection(options["database"]):
            return super().handle(*args, **options)
