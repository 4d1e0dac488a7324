"""Two-factor sign-in: a district may require it of its administrators, and django-otp's
tables (authenticator apps, backup codes) stand behind the database's walls. They hold
secrets, not district data: each row is reachable only by its own user's requests, through
the app's login role, and operators may list and delete them to reset a lost phone."""

from django.db import migrations, models

from districts import db_walls

TOTP_DEVICES = "otp_totp_totpdevice"
BACKUP_CODE_SETS = "otp_static_staticdevice"
BACKUP_CODES = "otp_static_statictoken"


def forward_sql() -> list[str]:
    return [
        *db_walls.account_table_sql(TOTP_DEVICES),
        *db_walls.account_table_sql(BACKUP_CODE_SETS),
        *db_walls.account_table_sql(BACKUP_CODES, through=("device_id", BACKUP_CODE_SETS)),
        *db_walls.sequences_sql(),
    ]


def backward_sql() -> list[str]:
    return [
        *db_walls.drop_account_table_sql(TOTP_DEVICES),
        *db_walls.drop_account_table_sql(BACKUP_CODE_SETS),
        *db_walls.drop_account_table_sql(BACKUP_CODES),
    ]


class Migration(migrations.Migration):
    dependencies = [
        ("districts", "0008_user_session_generation"),
        ("otp_totp", "0003_add_timestamps"),
        ("otp_static", "0003_add_timestamps"),
    ]

    operations = [
        migrations.AddField(
            model_name="district",
            name="require_admin_two_factor",
            field=models.BooleanField(
                default=False,
                help_text="District administrators must sign in with an authenticator app code too.",
                verbose_name="require two-factor sign-in for district administrators",
            ),
        ),
        migrations.RunSQL(forward_sql(), backward_sql()),
    ]
