# deliverables 0001 to 0013 squashed, for new databases (manage.py squashmigrations,
# then the schema written as makemigrations writes it today: one CreateModel per model
# with its indexes and constraints). A database that has applied any of 0001-0013
# carries on with those (`replaces`).
#
# What a new database needs besides its tables comes last, copied from the originals:
# the database guards (0002) and the shared cache's table (0008). 0011's
# work_out_states and 0013's stamp_every_plan are left out: they work on plans already
# stored, and a new database has none.

import deliverables.models
import django.db.models.deletion
import django.utils.timezone
import simple_history.models
import uuid
from django.conf import settings
from django.core.management import call_command
from django.db import migrations, models


# From 0002_database_guards.

def install(apps, schema_editor):
    from deliverables import guards

    guards.install(schema_editor.connection)


def remove(apps, schema_editor):
    from deliverables import guards

    guards.remove(schema_editor.connection)


# From 0008_cache_table.

def create_cache_tables(apps, schema_editor):
    call_command(
        "createcachetable", database=schema_editor.connection.alias, verbosity=0
    )


class Migration(migrations.Migration):

    replaces = [('deliverables', '0001_initial'), ('deliverables', '0002_database_guards'), ('deliverables', '0003_update_review_and_api_client'), ('deliverables', '0004_split_status'), ('deliverables', '0005_identified_on'), ('deliverables', '0006_evidence_and_reminders'), ('deliverables', '0007_pending_upload'), ('deliverables', '0008_cache_table'), ('deliverables', '0009_performance_indexes'), ('deliverables', '0010_redaction'), ('deliverables', '0011_period_state'), ('deliverables', '0012_milestone_due'), ('deliverables', '0013_states_stamp')]

    initial = True

    dependencies = [
        ('plans', '0011_indicator_values_withheld_and_noted'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='StatesStamp',
            fields=[
                ('plan', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, primary_key=True, related_name='+', serialize=False, to='plans.plan')),
                ('token', models.UUIDField(default=uuid.uuid4)),
            ],
        ),
        migrations.CreateModel(
            name='Deliverable',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('reference', models.CharField(max_length=50)),
                ('title', models.CharField(max_length=300)),
                ('description', models.TextField(blank=True)),
                ('delivering_unit', models.CharField(blank=True, help_text='Such as "Local Policing".', max_length=200)),
                ('expected_benefits', models.TextField(blank=True)),
                ('status', models.CharField(choices=[('future', 'Future'), ('not_yet_commenced', 'Not yet commenced'), ('in_progress', 'In progress'), ('completed', 'Completed'), ('on_hold', 'On hold'), ('will_not_proceed', 'Will not proceed'), ('merged', 'Merged'), ('split', 'Split')], default='future', max_length=20)),
                ('rag', models.CharField(blank=True, choices=[('green', 'Green: on track'), ('amber', 'Amber: at risk'), ('red', 'Red: off track')], max_length=10, verbose_name='RAG')),
                ('percent_complete', models.PositiveSmallIntegerField(blank=True, null=True)),
                ('baseline_date', models.CharField(blank=True, help_text="As the plan writes it: Q1, Q2/Q3, Q4 2017, 2017, March 2018, end of March 2018, 31/03/2018, 2018-03-31, or TBA when not known. A quarter without a year takes the plan's year.", max_length=100, verbose_name='baseline date')),
                ('baseline_date_start', models.DateField(blank=True, editable=False, null=True)),
                ('baseline_date_end', models.DateField(blank=True, editable=False, null=True)),
                ('forecast_date', models.CharField(blank=True, help_text="As the plan writes it: Q1, Q2/Q3, Q4 2017, 2017, March 2018, end of March 2018, 31/03/2018, 2018-03-31, or TBA when not known. A quarter without a year takes the plan's year.", max_length=100, verbose_name='forecast date')),
                ('forecast_date_start', models.DateField(blank=True, editable=False, null=True)),
                ('forecast_date_end', models.DateField(blank=True, editable=False, null=True)),
                ('completed_on', models.DateField(blank=True, null=True)),
                ('position', models.PositiveIntegerField(default=0)),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('updated_at', models.DateTimeField(auto_now=True)),
                ('identified_on', models.DateField(blank=True, help_text='When it joined the plan, if after the plan was written. Blank: part of the plan from its start.', null=True)),
                ('lead_organisation', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='led_deliverables', to='plans.organisation')),
                ('lead_user', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='led_deliverables', to=settings.AUTH_USER_MODEL, verbose_name='named lead')),
                ('merged_into', models.ForeignKey(blank=True, help_text='For a merged deliverable: the deliverable of the same plan it joined.', null=True, on_delete=django.db.models.deletion.PROTECT, related_name='merged_from', to='deliverables.deliverable')),
                ('objective', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='deliverables', to='plans.objective')),
                ('plan', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='deliverables', to='plans.plan')),
                ('split_from', models.ForeignKey(blank=True, help_text='For a part of a split deliverable: the deliverable it came from.', null=True, on_delete=django.db.models.deletion.PROTECT, related_name='split_into', to='deliverables.deliverable')),
                ('strands', models.ManyToManyField(blank=True, related_name='deliverables', to='plans.strand')),
            ],
            options={
                'ordering': ['plan', 'position', 'reference'],
                'constraints': [models.UniqueConstraint(fields=('plan', 'reference'), name='deliverable_reference_unique_in_plan'), models.CheckConstraint(condition=models.Q(('rag__in', ['', 'green', 'amber', 'red'])), name='deliverable_rag_valid'), models.CheckConstraint(condition=models.Q(('percent_complete__isnull', True), models.Q(('percent_complete__gte', 0), ('percent_complete__lte', 100)), _connector='OR'), name='deliverable_percent_0_to_100'), models.CheckConstraint(condition=models.Q(models.Q(('merged_into__isnull', False), ('status', 'merged')), models.Q(models.Q(('status', 'merged'), _negated=True), ('merged_into__isnull', True)), _connector='OR'), name='deliverable_merged_has_target'), models.CheckConstraint(condition=models.Q(('merged_into', models.F('id')), _negated=True), name='deliverable_not_merged_into_self'), models.CheckConstraint(condition=models.Q(models.Q(('baseline_date_end__isnull', True), ('baseline_date_start__isnull', True)), models.Q(('baseline_date_end__gte', models.F('baseline_date_start')), ('baseline_date_end__isnull', False), ('baseline_date_start__isnull', False)), _connector='OR'), name='deliverable_baseline_date_window_valid'), models.CheckConstraint(condition=models.Q(models.Q(('forecast_date_end__isnull', True), ('forecast_date_start__isnull', True)), models.Q(('forecast_date_end__gte', models.F('forecast_date_start')), ('forecast_date_end__isnull', False), ('forecast_date_start__isnull', False)), _connector='OR'), name='deliverable_forecast_date_window_valid'), models.CheckConstraint(condition=models.Q(('status__in', ['future', 'not_yet_commenced', 'in_progress', 'completed', 'on_hold', 'will_not_proceed', 'merged', 'split'])), name='deliverable_status_valid')],
            },
        ),
        migrations.CreateModel(
            name='DeliverableOwner',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('role', models.CharField(help_text='Such as "Ch. Insp Operations".', max_length=200)),
                ('position', models.PositiveSmallIntegerField(default=0)),
                ('deliverable', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='owners', to='deliverables.deliverable')),
                ('organisation', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='owned_deliverables', to='plans.organisation')),
            ],
            options={
                'ordering': ['deliverable', 'position', 'id'],
                'constraints': [models.UniqueConstraint(fields=('deliverable', 'role'), name='owner_role_unique_per_deliverable')],
            },
        ),
        migrations.CreateModel(
            name='HistoricalDeliverable',
            fields=[
                ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                ('reference', models.CharField(max_length=50)),
                ('title', models.CharField(max_length=300)),
                ('description', models.TextField(blank=True)),
                ('delivering_unit', models.CharField(blank=True, help_text='Such as "Local Policing".', max_length=200)),
                ('expected_benefits', models.TextField(blank=True)),
                ('status', models.CharField(choices=[('future', 'Future'), ('not_yet_commenced', 'Not yet commenced'), ('in_progress', 'In progress'), ('completed', 'Completed'), ('on_hold', 'On hold'), ('will_not_proceed', 'Will not proceed'), ('merged', 'Merged'), ('split', 'Split')], default='future', max_length=20)),
                ('rag', models.CharField(blank=True, choices=[('green', 'Green: on track'), ('amber', 'Amber: at risk'), ('red', 'Red: off track')], max_length=10, verbose_name='RAG')),
                ('percent_complete', models.PositiveSmallIntegerField(blank=True, null=True)),
                ('baseline_date', models.CharField(blank=True, help_text="As the plan writes it: Q1, Q2/Q3, Q4 2017, 2017, March 2018, end of March 2018, 31/03/2018, 2018-03-31, or TBA when not known. A quarter without a year takes the plan's year.", max_length=100, verbose_name='baseline date')),
                ('baseline_date_start', models.DateField(blank=True, editable=False, null=True)),
                ('baseline_date_end', models.DateField(blank=True, editable=False, null=True)),
                ('forecast_date', models.CharField(blank=True, help_text="As the plan writes it: Q1, Q2/Q3, Q4 2017, 2017, March 2018, end of March 2018, 31/03/2018, 2018-03-31, or TBA when not known. A quarter without a year takes the plan's year.", max_length=100, verbose_name='forecast date')),
                ('forecast_date_start', models.DateField(blank=True, editable=False, null=True)),
                ('forecast_date_end', models.DateField(blank=True, editable=False, null=True)),
                ('completed_on', models.DateField(blank=True, null=True)),
                ('position', models.PositiveIntegerField(default=0)),
                ('created_at', models.DateTimeField(blank=True, editable=False)),
                ('history_id', models.AutoField(primary_key=True, serialize=False)),
                ('history_date', models.DateTimeField(db_index=True)),
                ('history_change_reason', models.CharField(max_length=100, null=True)),
                ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
                ('identified_on', models.DateField(blank=True, help_text='When it joined the plan, if after the plan was written. Blank: part of the plan from its start.', null=True)),
                ('history_user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('lead_organisation', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='plans.organisation')),
                ('lead_user', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='named lead')),
                ('merged_into', models.ForeignKey(blank=True, db_constraint=False, help_text='For a merged deliverable: the deliverable of the same plan it joined.', null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='deliverables.deliverable')),
                ('objective', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='plans.objective')),
                ('plan', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='plans.plan')),
                ('split_from', models.ForeignKey(blank=True, db_constraint=False, help_text='For a part of a split deliverable: the deliverable it came from.', null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='deliverables.deliverable')),
            ],
            options={
                'verbose_name': 'historical deliverable',
                'verbose_name_plural': 'historical deliverables',
                'ordering': ('-history_date', '-history_id'),
                'get_latest_by': ('history_date', 'history_id'),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name='HistoricalDeliverableOwner',
            fields=[
                ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                ('role', models.CharField(help_text='Such as "Ch. Insp Operations".', max_length=200)),
                ('position', models.PositiveSmallIntegerField(default=0)),
                ('history_id', models.AutoField(primary_key=True, serialize=False)),
                ('history_date', models.DateTimeField(db_index=True)),
                ('history_change_reason', models.CharField(max_length=100, null=True)),
                ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
                ('deliverable', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='deliverables.deliverable')),
                ('history_user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('organisation', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='plans.organisation')),
            ],
            options={
                'verbose_name': 'historical deliverable owner',
                'verbose_name_plural': 'historical deliverable owners',
                'ordering': ('-history_date', '-history_id'),
                'get_latest_by': ('history_date', 'history_id'),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name='HistoricalMilestone',
            fields=[
                ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                ('title', models.CharField(max_length=300)),
                ('due_date', models.CharField(blank=True, help_text="As the plan writes it: Q1, Q2/Q3, Q4 2017, 2017, March 2018, end of March 2018, 31/03/2018, 2018-03-31, or TBA when not known. A quarter without a year takes the plan's year.", max_length=100, verbose_name='due date')),
                ('due_date_start', models.DateField(blank=True, editable=False, null=True)),
                ('due_date_end', models.DateField(blank=True, editable=False, null=True)),
                ('completed_on', models.DateField(blank=True, null=True)),
                ('position', models.PositiveSmallIntegerField(default=0)),
                ('history_id', models.AutoField(primary_key=True, serialize=False)),
                ('history_date', models.DateTimeField(db_index=True)),
                ('history_change_reason', models.CharField(max_length=100, null=True)),
                ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
                ('deliverable', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='deliverables.deliverable')),
                ('history_user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'verbose_name': 'historical milestone',
                'verbose_name_plural': 'historical milestones',
                'ordering': ('-history_date', '-history_id'),
                'get_latest_by': ('history_date', 'history_id'),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name='Milestone',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('title', models.CharField(max_length=300)),
                ('due_date', models.CharField(blank=True, help_text="As the plan writes it: Q1, Q2/Q3, Q4 2017, 2017, March 2018, end of March 2018, 31/03/2018, 2018-03-31, or TBA when not known. A quarter without a year takes the plan's year.", max_length=100, verbose_name='due date')),
                ('due_date_start', models.DateField(blank=True, editable=False, null=True)),
                ('due_date_end', models.DateField(blank=True, editable=False, null=True)),
                ('completed_on', models.DateField(blank=True, null=True)),
                ('position', models.PositiveSmallIntegerField(default=0)),
                ('deliverable', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='milestones', to='deliverables.deliverable')),
            ],
            options={
                'ordering': ['deliverable', 'position', 'due_date_end', 'id'],
                'indexes': [models.Index(fields=['due_date_end'], name='milestone_due')],
                'constraints': [models.CheckConstraint(condition=models.Q(models.Q(('due_date_end__isnull', True), ('due_date_start__isnull', True)), models.Q(('due_date_end__gte', models.F('due_date_start')), ('due_date_end__isnull', False), ('due_date_start__isnull', False)), _connector='OR'), name='milestone_due_date_window_valid')],
            },
        ),
        migrations.CreateModel(
            name='PendingUpload',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('token', models.CharField(help_text='The secret the preview page posts back.', max_length=32, unique=True)),
                ('purpose', models.CharField(choices=[('return', 'Quarterly return'), ('plan-import', 'Plan import')], max_length=20)),
                ('name', models.CharField(help_text="The file's name as uploaded.", max_length=200)),
                ('content', models.BinaryField()),
                ('created_at', models.DateTimeField(db_index=True, default=django.utils.timezone.now)),
                ('period', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='plans.reportingperiod')),
                ('plan', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='plans.plan')),
                ('uploaded_by', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'constraints': [models.CheckConstraint(condition=models.Q(('purpose__in', ['return', 'plan-import'])), name='pending_upload_purpose_valid')],
            },
        ),
        migrations.CreateModel(
            name='ProgressUpdate',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('recorded_at', models.DateTimeField(default=django.utils.timezone.now)),
                ('source', models.CharField(choices=[('browser', 'Browser'), ('api', 'API'), ('import', 'Import'), ('admin', 'Admin'), ('demo', 'Illustrative demonstration data')], default='browser', max_length=10)),
                ('status', models.CharField(choices=[('future', 'Future'), ('not_yet_commenced', 'Not yet commenced'), ('in_progress', 'In progress'), ('completed', 'Completed'), ('on_hold', 'On hold'), ('will_not_proceed', 'Will not proceed'), ('merged', 'Merged'), ('split', 'Split')], max_length=20)),
                ('rag', models.CharField(blank=True, choices=[('green', 'Green: on track'), ('amber', 'Amber: at risk'), ('red', 'Red: off track')], max_length=10, verbose_name='RAG')),
                ('percent_complete', models.PositiveSmallIntegerField(blank=True, null=True)),
                ('forecast_date', models.CharField(blank=True, help_text="As the plan writes it: Q1, Q2/Q3, Q4 2017, 2017, March 2018, end of March 2018, 31/03/2018, 2018-03-31, or TBA when not known. A quarter without a year takes the plan's year.", max_length=100, verbose_name='forecast date')),
                ('forecast_date_start', models.DateField(blank=True, editable=False, null=True)),
                ('forecast_date_end', models.DateField(blank=True, editable=False, null=True)),
                ('narrative', models.TextField()),
                ('reason', models.TextField(blank=True, help_text='Why the status or forecast date changed.')),
                ('previous_status', models.CharField(choices=[('future', 'Future'), ('not_yet_commenced', 'Not yet commenced'), ('in_progress', 'In progress'), ('completed', 'Completed'), ('on_hold', 'On hold'), ('will_not_proceed', 'Will not proceed'), ('merged', 'Merged'), ('split', 'Split')], max_length=20)),
                ('previous_forecast_date', models.CharField(blank=True, help_text="As the plan writes it: Q1, Q2/Q3, Q4 2017, 2017, March 2018, end of March 2018, 31/03/2018, 2018-03-31, or TBA when not known. A quarter without a year takes the plan's year.", max_length=100, verbose_name='previous forecast')),
                ('previous_forecast_date_start', models.DateField(blank=True, editable=False, null=True)),
                ('previous_forecast_date_end', models.DateField(blank=True, editable=False, null=True)),
                ('requires_review', models.BooleanField(default=False, help_text='Waits for an editor to accept it before it changes the deliverable.')),
                ('api_client', models.ForeignKey(blank=True, help_text='The API client that pushed this update, if one did.', null=True, on_delete=django.db.models.deletion.PROTECT, related_name='updates', to='plans.apiclient')),
                ('deliverable', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='updates', to='deliverables.deliverable')),
                ('merged_into', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='deliverables.deliverable')),
                ('period', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='updates', to='plans.reportingperiod')),
                ('recorded_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'ordering': ['deliverable', '-recorded_at', '-id'],
                'get_latest_by': ['recorded_at', 'id'],
                'indexes': [models.Index(fields=['deliverable', 'period'], name='update_deliverable_period')],
                'constraints': [models.CheckConstraint(condition=models.Q(('rag__in', ['', 'green', 'amber', 'red'])), name='update_rag_valid'), models.CheckConstraint(condition=models.Q(('percent_complete__isnull', True), models.Q(('percent_complete__gte', 0), ('percent_complete__lte', 100)), _connector='OR'), name='update_percent_0_to_100'), models.CheckConstraint(condition=models.Q(models.Q(('merged_into__isnull', False), ('status', 'merged')), models.Q(models.Q(('status', 'merged'), _negated=True), ('merged_into__isnull', True)), _connector='OR'), name='update_merged_has_target'), models.CheckConstraint(condition=models.Q(('narrative', ''), _negated=True), name='update_narrative_required'), models.CheckConstraint(condition=models.Q(models.Q(('reason', ''), _negated=True), models.Q(('forecast_date', models.F('previous_forecast_date')), ('status', models.F('previous_status'))), _connector='OR'), name='update_reason_when_status_or_forecast_changes'), models.CheckConstraint(condition=models.Q(models.Q(('forecast_date_end__isnull', True), ('forecast_date_start__isnull', True)), models.Q(('forecast_date_end__gte', models.F('forecast_date_start')), ('forecast_date_end__isnull', False), ('forecast_date_start__isnull', False)), _connector='OR'), name='update_forecast_date_window_valid'), models.CheckConstraint(condition=models.Q(('status__in', ['future', 'not_yet_commenced', 'in_progress', 'completed', 'on_hold', 'will_not_proceed', 'merged', 'split'])), name='update_status_valid'), models.CheckConstraint(condition=models.Q(('previous_status__in', ['future', 'not_yet_commenced', 'in_progress', 'completed', 'on_hold', 'will_not_proceed', 'merged', 'split'])), name='update_previous_status_valid')],
            },
        ),
        migrations.CreateModel(
            name='PeriodState',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('position', models.PositiveIntegerField(default=0)),
                ('reference', models.CharField(max_length=50)),
                ('status', models.CharField(choices=[('future', 'Future'), ('not_yet_commenced', 'Not yet commenced'), ('in_progress', 'In progress'), ('completed', 'Completed'), ('on_hold', 'On hold'), ('will_not_proceed', 'Will not proceed'), ('merged', 'Merged'), ('split', 'Split')], max_length=20)),
                ('rag', models.CharField(blank=True, choices=[('green', 'Green: on track'), ('amber', 'Amber: at risk'), ('red', 'Red: off track')], max_length=10, verbose_name='RAG')),
                ('percent_complete', models.PositiveSmallIntegerField(blank=True, null=True)),
                ('forecast_date', models.CharField(blank=True, max_length=100)),
                ('late', models.BooleanField(default=False)),
                ('forecast_after_milestone', models.BooleanField(default=False)),
                ('new', models.BooleanField(default=False, help_text='Newly identified in this period.')),
                ('completed', models.BooleanField(default=False, help_text='Completed in this period.')),
                ('started', models.BooleanField(default=False, help_text='Started in this period.')),
                ('change', models.CharField(blank=True, choices=[('', 'No change of status'), ('merged', 'Merged'), ('on_hold', 'Put on hold'), ('resumed', 'Resumed after a hold'), ('stopped', 'Stopped: will not proceed'), ('split', 'Split')], default='', max_length=10)),
                ('deliverable', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='period_states', to='deliverables.deliverable')),
                ('period', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='plans.reportingperiod')),
                ('priority', models.ForeignKey(help_text="The top-level priority the deliverable's work is under.", on_delete=django.db.models.deletion.CASCADE, related_name='+', to='plans.priority')),
                ('change_update', models.ForeignKey(blank=True, help_text='The update of this period that made the change of status.', null=True, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='deliverables.progressupdate')),
                ('latest', models.ForeignKey(blank=True, help_text='The counted update the state comes from; none before the first.', null=True, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='deliverables.progressupdate')),
                ('redated', models.ForeignKey(blank=True, help_text='The update of this period that moved its forecast date.', null=True, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='deliverables.progressupdate')),
            ],
            options={
                'indexes': [models.Index(fields=['period', 'status'], name='period_state_status'), models.Index(fields=['period', 'position', 'reference', 'deliverable'], name='period_state_in_order')],
                'constraints': [models.UniqueConstraint(fields=('period', 'deliverable'), name='period_state_unique')],
            },
        ),
        migrations.CreateModel(
            name='HistoricalAttachment',
            fields=[
                ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                ('title', models.CharField(max_length=200)),
                ('file', models.TextField(blank=True, max_length=255)),
                ('original_name', models.CharField(blank=True, max_length=255)),
                ('content_type', models.CharField(blank=True, max_length=100)),
                ('size', models.PositiveBigIntegerField(blank=True, null=True)),
                ('sha256', models.CharField(blank=True, max_length=64)),
                ('url', models.URLField(blank=True, max_length=1000, verbose_name='link')),
                ('is_public', models.BooleanField(default=False, help_text="Readers of a public plan's published report may open it.", verbose_name='Public with the published report')),
                ('added_at', models.DateTimeField(default=django.utils.timezone.now)),
                ('history_id', models.AutoField(primary_key=True, serialize=False)),
                ('history_date', models.DateTimeField(db_index=True)),
                ('history_change_reason', models.CharField(max_length=100, null=True)),
                ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
                ('added_by', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('history_user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('update', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='deliverables.progressupdate')),
            ],
            options={
                'verbose_name': 'historical attachment',
                'verbose_name_plural': 'historical attachments',
                'ordering': ('-history_date', '-history_id'),
                'get_latest_by': ('history_date', 'history_id'),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name='Attachment',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('title', models.CharField(max_length=200)),
                ('file', models.FileField(blank=True, max_length=255, storage=deliverables.models.evidence_storage, upload_to=deliverables.models.evidence_path)),
                ('original_name', models.CharField(blank=True, max_length=255)),
                ('content_type', models.CharField(blank=True, max_length=100)),
                ('size', models.PositiveBigIntegerField(blank=True, null=True)),
                ('sha256', models.CharField(blank=True, max_length=64)),
                ('url', models.URLField(blank=True, max_length=1000, verbose_name='link')),
                ('is_public', models.BooleanField(default=False, help_text="Readers of a public plan's published report may open it.", verbose_name='Public with the published report')),
                ('added_at', models.DateTimeField(default=django.utils.timezone.now)),
                ('added_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('update', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='attachments', to='deliverables.progressupdate')),
            ],
            options={
                'ordering': ['update', 'added_at', 'pk'],
                'constraints': [models.CheckConstraint(condition=models.Q(models.Q(('file', ''), models.Q(('url', ''), _negated=True)), models.Q(models.Q(('file', ''), _negated=True), ('url', '')), _connector='OR'), name='attachment_is_a_file_or_a_link')],
            },
        ),
        migrations.CreateModel(
            name='Redaction',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('fields', models.CharField(help_text='The texts changed: narrative, reason or both.', max_length=50)),
                ('replacements', models.PositiveIntegerField(help_text='How many times the words were found and replaced.')),
                ('reason', models.TextField(help_text='Why the words were taken out.')),
                ('redacted_at', models.DateTimeField(default=django.utils.timezone.now)),
                ('redacted_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('update', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='redactions', to='deliverables.progressupdate')),
            ],
            options={
                'ordering': ['update', 'redacted_at', 'pk'],
                'constraints': [models.CheckConstraint(condition=models.Q(('reason', ''), _negated=True), name='redaction_says_why')],
            },
        ),
        migrations.CreateModel(
            name='SentReminder',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('kind', models.CharField(choices=[('before', 'Before the due date'), ('due', 'On the due date'), ('after', 'After the due date'), ('digest', 'Digest of missing updates for editors')], max_length=10)),
                ('sent_at', models.DateTimeField(default=django.utils.timezone.now)),
                ('deliverables', models.ManyToManyField(blank=True, related_name='+', to='deliverables.deliverable')),
                ('period', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='reminders_sent', to='plans.reportingperiod')),
                ('recipient', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'ordering': ['period', 'sent_at', 'pk'],
                'constraints': [models.UniqueConstraint(fields=('period', 'recipient', 'kind'), name='reminder_sent_once'), models.CheckConstraint(condition=models.Q(('kind__in', ['before', 'due', 'after', 'digest'])), name='reminder_kind_valid')],
            },
        ),
        migrations.CreateModel(
            name='UpdateReview',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('decision', models.CharField(choices=[('accepted', 'Accepted'), ('returned', 'Returned')], max_length=10)),
                ('comment', models.TextField(blank=True)),
                ('reviewed_at', models.DateTimeField(default=django.utils.timezone.now)),
                ('reviewed_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('update', models.OneToOneField(on_delete=django.db.models.deletion.PROTECT, related_name='review', to='deliverables.progressupdate')),
            ],
            options={
                'constraints': [models.CheckConstraint(condition=models.Q(('decision__in', ['accepted', 'returned'])), name='review_decision_valid'), models.CheckConstraint(condition=models.Q(('decision', 'accepted'), models.Q(('comment', ''), _negated=True), _connector='OR'), name='review_return_has_comment')],
            },
        ),
        migrations.RunPython(
            code=install,
            reverse_code=remove,
        ),
        migrations.RunPython(
            code=create_cache_tables,
            reverse_code=migrations.RunPython.noop,
        ),
    ]
