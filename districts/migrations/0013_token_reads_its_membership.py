"""The API token a request presents reads its own membership and schools (and no other) in the
statement that reads the token (db_walls.token_membership_sql)."""

from django.db import migrations

from districts import db_walls


class Migration(migrations.Migration):
    dependencies = [
        ("districts", "0012_api_tokens"),
    ]

    operations = [
        migrations.RunSQL(db_walls.token_membership_sql(), db_walls.drop_token_membership_sql()),
    ]
