# scrutiny 0001 to 0005 squashed, for new databases (manage.py squashmigrations, then
# the schema written as makemigrations writes it today: one CreateModel per model with
# its indexes and constraints). A database that has applied any of 0001-0005 carries
# on with those (`replaces`).

import django.db.models.deletion
import django.utils.timezone
import scrutiny.models
import simple_history.models
from django.conf import settings
from django.db import migrations, models





class Migration(migrations.Migration):

    replaces = [('scrutiny', '0001_initial'), ('scrutiny', '0002_reports_and_actions'), ('scrutiny', '0003_report_pdf'), ('scrutiny', '0004_commentary'), ('scrutiny', '0005_report_rows')]

    initial = True

    dependencies = [
        ('deliverables', '0001_initial'),
        ('plans', '0011_indicator_values_withheld_and_noted'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='HistoricalDecisionNotice',
            fields=[
                ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                ('reference', models.CharField(max_length=50)),
                ('title', models.CharField(max_length=300)),
                ('approved_on', models.DateField()),
                ('summary', models.TextField(blank=True)),
                ('url', models.URLField(blank=True, help_text='Where the notice is published.')),
                ('history_id', models.AutoField(primary_key=True, serialize=False)),
                ('history_date', models.DateTimeField(db_index=True)),
                ('history_change_reason', models.CharField(max_length=100, null=True)),
                ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
                ('decided_by', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='plans.organisation')),
                ('history_user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('plan', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='plans.plan')),
            ],
            options={
                'verbose_name': 'historical decision notice',
                'verbose_name_plural': 'historical decision notices',
                'ordering': ('-history_date', '-history_id'),
                'get_latest_by': ('history_date', 'history_id'),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name='PublishedReport',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('version', models.PositiveSmallIntegerField(default=1)),
                ('published_at', models.DateTimeField(default=django.utils.timezone.now)),
                ('change_note', models.TextField(blank=True, help_text='For a correction: what changed since the version before, and why.', verbose_name='what changed')),
                ('data', models.JSONField(help_text="The dashboard's figures, as published.")),
                ('html', models.TextField(help_text='The dashboard, rendered as published.')),
                ('rows', models.JSONField(blank=True, default=list, help_text="Every deliverable's row as published: what the report's drill-downs, timelines and spreadsheets show. Kept apart from the figures, so that the report's page never reads it.")),
                ('period', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='published_reports', to='plans.reportingperiod')),
                ('plan', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='published_reports', to='plans.plan')),
                ('published_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'ordering': ['plan', '-period__starts_on', '-version'],
                'get_latest_by': ['period__starts_on', 'version'],
                'constraints': [models.UniqueConstraint(fields=('plan', 'period', 'version'), name='report_version_unique'), models.CheckConstraint(condition=models.Q(('version__gte', 1)), name='report_version_positive'), models.CheckConstraint(condition=models.Q(('version', 1), models.Q(('change_note', ''), _negated=True), _connector='OR'), name='report_correction_says_what_changed')],
            },
        ),
        migrations.CreateModel(
            name='HistoricalScrutinyAction',
            fields=[
                ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                ('kind', models.CharField(choices=[('question', 'Question'), ('recommendation', 'Recommendation')], default='question', max_length=20)),
                ('text', models.TextField(verbose_name='question or recommendation')),
                ('raised_by', models.CharField(help_text='The panel, board or meeting, such as "Police and Crime Panel".', max_length=200)),
                ('raised_on', models.DateField(default=django.utils.timezone.localdate)),
                ('due_on', models.DateField(blank=True, null=True, verbose_name='response due')),
                ('response', models.TextField(blank=True)),
                ('state', models.CharField(choices=[('open', 'Open'), ('answered', 'Answered'), ('closed', 'Closed')], default='open', max_length=10)),
                ('answered_on', models.DateField(blank=True, null=True)),
                ('closed_on', models.DateField(blank=True, null=True)),
                ('created_at', models.DateTimeField(blank=True, editable=False)),
                ('history_id', models.AutoField(primary_key=True, serialize=False)),
                ('history_date', models.DateTimeField(db_index=True)),
                ('history_change_reason', models.CharField(max_length=100, null=True)),
                ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
                ('history_user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('owner', models.ForeignKey(blank=True, db_constraint=False, help_text='The organisation that must respond.', null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='plans.organisation')),
                ('plan', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='plans.plan')),
                ('report', models.ForeignKey(blank=True, db_constraint=False, help_text='The published report it arose from, if any.', null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='scrutiny.publishedreport')),
            ],
            options={
                'verbose_name': 'historical scrutiny action',
                'verbose_name_plural': 'historical scrutiny actions',
                'ordering': ('-history_date', '-history_id'),
                'get_latest_by': ('history_date', 'history_id'),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name='ReportPdf',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('file', models.FileField(max_length=255, upload_to=scrutiny.models.report_pdf_path)),
                ('size', models.PositiveIntegerField(help_text="The file's size in bytes.")),
                ('rendered_at', models.DateTimeField(default=django.utils.timezone.now)),
                ('report', models.OneToOneField(on_delete=django.db.models.deletion.PROTECT, related_name='pdf', to='scrutiny.publishedreport')),
            ],
            options={
                'verbose_name': 'report PDF',
                'verbose_name_plural': 'report PDFs',
                'constraints': [models.CheckConstraint(condition=models.Q(('size__gt', 0)), name='report_pdf_not_empty')],
            },
        ),
        migrations.CreateModel(
            name='ScrutinyAction',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('kind', models.CharField(choices=[('question', 'Question'), ('recommendation', 'Recommendation')], default='question', max_length=20)),
                ('text', models.TextField(verbose_name='question or recommendation')),
                ('raised_by', models.CharField(help_text='The panel, board or meeting, such as "Police and Crime Panel".', max_length=200)),
                ('raised_on', models.DateField(default=django.utils.timezone.localdate)),
                ('due_on', models.DateField(blank=True, null=True, verbose_name='response due')),
                ('response', models.TextField(blank=True)),
                ('state', models.CharField(choices=[('open', 'Open'), ('answered', 'Answered'), ('closed', 'Closed')], default='open', max_length=10)),
                ('answered_on', models.DateField(blank=True, null=True)),
                ('closed_on', models.DateField(blank=True, null=True)),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('owner', models.ForeignKey(help_text='The organisation that must respond.', on_delete=django.db.models.deletion.PROTECT, related_name='scrutiny_actions', to='plans.organisation')),
                ('plan', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='scrutiny_actions', to='plans.plan')),
                ('report', models.ForeignKey(blank=True, help_text='The published report it arose from, if any.', null=True, on_delete=django.db.models.deletion.PROTECT, related_name='actions', to='scrutiny.publishedreport')),
            ],
            options={
                'ordering': ['plan', '-raised_on', '-id'],
                'constraints': [models.CheckConstraint(condition=models.Q(('state__in', ['open', 'answered', 'closed'])), name='action_state_valid'), models.CheckConstraint(condition=models.Q(('kind__in', ['question', 'recommendation'])), name='action_kind_valid'), models.CheckConstraint(condition=models.Q(('state', 'open'), models.Q(models.Q(('response', ''), _negated=True), ('answered_on__isnull', False)), _connector='OR'), name='action_answered_has_response'), models.CheckConstraint(condition=models.Q(models.Q(('state', 'closed'), _negated=True), ('closed_on__isnull', False), _connector='OR'), name='action_closed_has_date')],
            },
        ),
        migrations.CreateModel(
            name='Commentary',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('kind', models.CharField(choices=[('summary', 'Executive summary'), ('forward_look', 'Looking ahead'), ('priority', 'Narrative for a priority')], max_length=20)),
                ('text', models.TextField()),
                ('updated_at', models.DateTimeField(default=django.utils.timezone.now)),
                ('period', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='commentary', to='plans.reportingperiod')),
                ('plan', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='plans.plan')),
                ('priority', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='commentary', to='plans.priority')),
                ('updated_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'verbose_name_plural': 'commentary',
                'ordering': ['plan', 'period', 'kind', 'priority'],
                'constraints': [models.UniqueConstraint(condition=models.Q(('priority__isnull', True)), fields=('period', 'kind'), name='commentary_one_per_kind'), models.UniqueConstraint(condition=models.Q(('priority__isnull', False)), fields=('period', 'priority'), name='commentary_one_per_priority'), models.CheckConstraint(condition=models.Q(models.Q(('kind', 'priority'), ('priority__isnull', False)), models.Q(('kind__in', ['summary', 'forward_look']), ('priority__isnull', True)), _connector='OR'), name='commentary_priority_only_for_its_kind'), models.CheckConstraint(condition=models.Q(('text', ''), _negated=True), name='commentary_not_empty')],
            },
        ),
        migrations.CreateModel(
            name='DecisionNotice',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('reference', models.CharField(max_length=50)),
                ('title', models.CharField(max_length=300)),
                ('approved_on', models.DateField()),
                ('summary', models.TextField(blank=True)),
                ('url', models.URLField(blank=True, help_text='Where the notice is published.')),
                ('decided_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='decision_notices', to='plans.organisation')),
                ('deliverables', models.ManyToManyField(blank=True, related_name='decision_notices', to='deliverables.deliverable')),
                ('plan', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='decision_notices', to='plans.plan')),
            ],
            options={
                'ordering': ['plan', '-approved_on', 'reference'],
                'constraints': [models.UniqueConstraint(fields=('decided_by', 'reference'), name='decision_reference_unique_per_body')],
            },
        ),
    ]
