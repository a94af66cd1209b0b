"""Flat plans (a deliverable's objective, and so its period states' priority, may be
blank), saved import mappings, and pending uploads of a plan's earlier quarters.

The guard that a deliverable's objective is of its plan now lets a blank objective
through: it is replaced here (SQLite rebuilds the table anyway, and the guards are
installed again after every migrate)."""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


def replace_guards(apps, schema_editor):
    from deliverables import guards

    guards.remove(schema_editor.connection)
    guards.install(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [
        ("deliverables", "0001_initial_squashed_0013_states_stamp"),
        ("plans", "0011_indicator_values_withheld_and_noted"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="ImportMapping",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True,
                        primary_key=True,
                        serialize=False,
                        verbose_name="ID",
                    ),
                ),
                (
                    "signature",
                    models.CharField(
                        help_text="A digest of the file's header row, as normalised.",
                        max_length=64,
                    ),
                ),
                ("columns", models.JSONField(default=dict)),
                (
                    "headings",
                    models.CharField(
                        blank=True,
                        help_text="What a row with one cell filled names for the rows under it: strand, priority, or blank for nothing.",
                        max_length=20,
                    ),
                ),
                ("saved_at", models.DateTimeField(default=django.utils.timezone.now)),
            ],
            options={
                "ordering": ["organisation", "-saved_at"],
            },
        ),
        migrations.RemoveConstraint(
            model_name="pendingupload",
            name="pending_upload_purpose_valid",
        ),
        migrations.AlterField(
            model_name="deliverable",
            name="objective",
            field=models.ForeignKey(
                blank=True,
                help_text="Blank in a flat plan: a list of projects, by strand or not grouped.",
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="deliverables",
                to="plans.objective",
            ),
        ),
        migrations.AlterField(
            model_name="historicaldeliverable",
            name="objective",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                help_text="Blank in a flat plan: a list of projects, by strand or not grouped.",
                null=True,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                to="plans.objective",
            ),
        ),
        migrations.AlterField(
            model_name="pendingupload",
            name="purpose",
            field=models.CharField(
                choices=[
                    ("return", "Quarterly return"),
                    ("plan-import", "Plan import"),
                    ("plan-history", "Earlier quarters of a plan"),
                ],
                max_length=20,
            ),
        ),
        migrations.AlterField(
            model_name="periodstate",
            name="priority",
            field=models.ForeignKey(
                blank=True,
                help_text="The top-level priority the deliverable's work is under; blank in a flat plan.",
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="plans.priority",
            ),
        ),
        migrations.AddConstraint(
            model_name="pendingupload",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("purpose__in", ["return", "plan-import", "plan-history"])
                ),
                name="pending_upload_purpose_valid",
            ),
        ),
        migrations.AddField(
            model_name="importmapping",
            name="organisation",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="import_mappings",
                to="plans.organisation",
            ),
        ),
        migrations.AddField(
            model_name="importmapping",
            name="saved_by",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AddConstraint(
            model_name="importmapping",
            constraint=models.UniqueConstraint(
                fields=("organisation", "signature"),
                name="import_mapping_unique_per_layout",
            ),
        ),
        migrations.RunPython(replace_guards, replace_guards),
    ]
