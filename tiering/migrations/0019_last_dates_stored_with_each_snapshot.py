"""Each school's last date with attendance data stored with each snapshot, on the district's
band tally (issue 22: pages at scale): the dashboard's data freshness counted it over every
summary and daily record of the district on its first request after each import (~130 ms of
its cold request at 500,000 students, seconds with daily records). The table's walls are
unchanged (0017): the district's row is the district roles'. Tallies stored before this have
none, and their dashboards count the dates as they are read."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("tiering", "0018_partitioned_by_school_year"),
    ]

    operations = [
        migrations.AddField(
            model_name="bandtally",
            name="last_dates",
            field=models.JSONField(blank=True, default=dict),
        ),
        migrations.AddField(
            model_name="bandtally",
            name="last_dates_as_of_import",
            field=models.CharField(blank=True, max_length=64),
        ),
    ]
