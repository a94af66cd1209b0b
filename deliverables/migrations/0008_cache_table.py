"""The shared cache's table (settings.CACHES, the API's throttle counts), made by
``migrate`` so that no deployment can forget ``createcachetable``. It does nothing when
the cache is Redis or any other non-database cache, and nothing if the table exists."""

from django.core.management import call_command
from django.db import migrations


def create_cache_tables(apps, schema_editor):
    call_command(
        "createcachetable", database=schema_editor.connection.alias, verbosity=0
    )


class Migration(migrations.Migration):

    dependencies = [
        ("deliverables", "0007_pending_upload"),
    ]

    operations = [
        migrations.RunPython(create_cache_tables, migrations.RunPython.noop),
    ]
