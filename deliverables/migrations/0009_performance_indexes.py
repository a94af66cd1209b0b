"""An index for "has this deliverable an update for this period?", the rule of what
needs an update, which dashboards and lists ask of every deliverable they show."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("deliverables", "0008_cache_table"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="progressupdate",
            index=models.Index(
                fields=["deliverable", "period"], name="update_deliverable_period"
            ),
        ),
    ]
