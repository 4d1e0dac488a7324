"""Each snapshot's students per band, stored as it is taken (issue 22: pages at scale): the
district dashboard counted them from every standing of the district on its first request
after each import (3.8 s at 493,407 students), and its breakdowns and trends from those of
every review point. Behind the district walls like the standings they are counted from: no
partner or facilitator persona reaches them, and a school role reads only its schools' rows
(the district's row, school empty, stays the district roles'). Snapshots taken before this
have none and are counted from their standings as they are read."""

import django.db.models.deletion
from django.db import migrations, models

from districts import db_walls


class Migration(migrations.Migration):
    dependencies = [
        ("districts", "0012_api_tokens"),
        ("tiering", "0016_school_walls_read_their_sets_once"),
    ]

    operations = [
        migrations.CreateModel(
            name="BandTally",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("counts", models.JSONField(blank=True, default=dict)),
                ("groups", models.JSONField(blank=True, default=dict)),
                ("groups_as_of_import", models.CharField(blank=True, max_length=64)),
                (
                    "district",
                    models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="districts.district",
                    ),
                ),
                (
                    "school",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="districts.school",
                    ),
                ),
                (
                    "snapshot",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="tiering.snapshot",
                    ),
                ),
            ],
            options={
                "default_manager_name": "objects",
                "constraints": [
                    models.UniqueConstraint(
                        fields=("district", "snapshot", "school"),
                        name="band_tally_one_per_snapshot_and_school",
                        nulls_distinct=False,
                    )
                ],
            },
        ),
        db_walls.walls(
            db_walls.TenantTable("tiering_bandtally", student_data=True, school_scoped=True)
        ),
    ]
