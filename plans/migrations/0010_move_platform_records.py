# The audit log and idempotency records now belong to the platform (core); their
# tables stay as they are.

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('plans', '0009_audit_event'),
        ('core', '0001_move_platform_records'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveIndex(
                    model_name='auditevent',
                    name='plans_audit_object__e02370_idx',
                ),
                migrations.RemoveConstraint(
                    model_name='idempotencyrecord',
                    name='idempotency_key_unique_per_user',
                ),
                migrations.RemoveField(
                    model_name='idempotencyrecord',
                    name='user',
                ),
                migrations.DeleteModel(
                    name='AuditEvent',
                ),
                migrations.DeleteModel(
                    name='IdempotencyRecord',
                ),
                ],
            database_operations=[],
        ),
    ]
