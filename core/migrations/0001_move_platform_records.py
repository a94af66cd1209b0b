# The audit log and the idempotency records move from the plans app to the platform.
# Only Django's idea of which app owns them changes: the tables, their index and
# constraint keep their names and rows (SeparateDatabaseAndState, no database work).

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


def move_content_types(apps, schema_editor):
    """Keep each model's content type (and the permissions that point at it) under
    its new app, rather than leave it stale and make another."""
    content_type = apps.get_model("contenttypes", "ContentType")
    for model in ("auditevent", "idempotencyrecord"):
        if not content_type.objects.filter(app_label="core", model=model).exists():
            content_type.objects.filter(app_label="plans", model=model).update(
                app_label="core"
            )


def content_types_back(apps, schema_editor):
    content_type = apps.get_model("contenttypes", "ContentType")
    content_type.objects.filter(
        app_label="core", model__in=["auditevent", "idempotencyrecord"]
    ).update(app_label="plans")



class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('contenttypes', '0002_remove_content_type_name'),
        ('plans', '0009_audit_event'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='AuditEvent',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('at', models.DateTimeField(db_index=True, default=django.utils.timezone.now)),
                        ('actor_name', models.CharField(blank=True, help_text='The username as it was, or the name tried at a failed sign-in.', max_length=150)),
                        ('via', models.CharField(choices=[('browser', 'Browser'), ('api', 'API'), ('admin', 'Admin'), ('command', 'Command'), ('task', 'Background task'), ('system', 'System')], max_length=10)),
                        ('action', models.CharField(choices=[('created', 'Created'), ('changed', 'Changed'), ('deleted', 'Deleted'), ('signed-in', 'Signed in'), ('signed-out', 'Signed out'), ('sign-in-failed', 'Sign-in failed')], max_length=20)),
                        ('object_type', models.CharField(help_text='The model, such as "deliverables.ProgressUpdate".', max_length=100)),
                        ('object_id', models.CharField(blank=True, max_length=64)),
                        ('object_text', models.CharField(blank=True, max_length=300)),
                        ('changes', models.JSONField(blank=True, default=dict, help_text='What changed: {"field": [old, new]}; secrets are never stored.')),
                        ('address', models.CharField(blank=True, max_length=64)),
                        ('request', models.CharField(blank=True, help_text='Method and path, such as "POST /..."', max_length=300)),
                        ('user_agent', models.CharField(blank=True, max_length=200)),
                        ('actor', models.ForeignKey(blank=True, help_text="The person (or API client's service account) who acted.", null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('actor_organisation', models.ForeignKey(blank=True, db_constraint=False, help_text='The organisation the actor acted for.', null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='plans.organisation')),
                        ('api_client', models.ForeignKey(blank=True, help_text='The API client whose token made the request, if any.', null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='plans.apiclient')),
                        ('organisation', models.ForeignKey(blank=True, db_constraint=False, help_text='The organisation the record belongs to or is led by.', null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='plans.organisation')),
                        ('plan', models.ForeignKey(blank=True, db_constraint=False, help_text='The plan the record belongs to.', null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='plans.plan')),
                    ],
                    options={
                        'db_table': 'plans_auditevent',
                        'ordering': ['-at', '-id'],
                        'indexes': [models.Index(fields=['object_type', 'object_id'], name='plans_audit_object__e02370_idx')],
                    },
                ),
                migrations.CreateModel(
                    name='IdempotencyRecord',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('key', models.CharField(max_length=255)),
                        ('request_hash', models.CharField(max_length=64)),
                        ('status_code', models.PositiveSmallIntegerField()),
                        ('response', models.JSONField(null=True)),
                        ('headers', models.JSONField(default=dict, help_text='Headers of the first answer a retry gets again (ETag).')),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('user', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'db_table': 'plans_idempotencyrecord',
                        'constraints': [models.UniqueConstraint(fields=('user', 'key'), name='idempotency_key_unique_per_user')],
                    },
                ),
                ],
            database_operations=[],
        ),
        migrations.RunPython(move_content_types, content_types_back),
    ]
