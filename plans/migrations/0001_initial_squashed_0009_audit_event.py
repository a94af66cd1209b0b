# plans 0001 to 0009 squashed, for new databases (manage.py squashmigrations, then the
# schema written as makemigrations writes it today: one CreateModel per model with its
# indexes and constraints, rather than the 89 steps that led there). A database that
# has applied any of 0001-0009 carries on with those (`replaces`).
#
# The data a new database needs comes last, copied from the originals: the kinds of
# organisation (0002), the national measures (0007) and the triggers that keep the
# audit log append-only (0009). 0006's fill_return_dates is left out: it fills in
# periods already stored, and a new database has none.
#
# 0010 and 0011 stay as they are: 0010 follows core 0001 (the audit log's move to
# core), which follows 0009, so a squash taking 0010 in would depend on itself.

import django.db.models.deletion
import django.utils.timezone
import simple_history.models
from django.conf import settings
from django.db import migrations, models


# From 0002_seed_organisation_kinds.

KINDS = [
    ("policing-body", "Policing body", "A PCC or OPCC, police authority or mayor's office."),
    ("force", "Force", "A police force, or an area under one."),
    ("partner", "Partner", "A partner agency: Honorary Police, fire service, council."),
    ("scrutiny-body", "Scrutiny body", "A police and crime panel or delivery board."),
]


def seed(apps, schema_editor):
    OrganisationKind = apps.get_model("plans", "OrganisationKind")
    for slug, name, description in KINDS:
        OrganisationKind.objects.get_or_create(
            slug=slug, defaults={"name": name, "description": description}
        )


# From 0007_national_measures.

MEASURES = [
    {
        "slug": "reduce-murder-and-other-homicide",
        "title": "Reduce murder and other homicide",
        "description": "Homicides (murder, manslaughter and infanticide) in the area in "
        "the period, counted once each, whatever the number of suspects.",
        "unit": "homicides",
        "direction": "lower",
        "source": "recorded",
        "source_note": 'Home Office, "National Crime and Policing Measures" (2021): '
        "reduce murder and other homicide. Usually counted from police "
        "recorded crime and the Home Office Homicide Index, which holds "
        "one record for each homicide the police have recorded.",
    },
    {
        "slug": "reduce-serious-violence",
        "title": "Reduce serious violence",
        "description": "Serious violence in the area, such as offences involving a knife "
        "or sharp instrument and firearms offences.",
        "unit": "offences",
        "direction": "lower",
        "source": "recorded",
        "source_note": 'Home Office, "National Crime and Policing Measures" (2021): '
        "reduce serious violence. Usually measured by police recorded "
        "offences involving a knife or sharp instrument, and by NHS "
        "hospital admissions for assault with a sharp object.",
    },
    {
        "slug": "disrupt-drugs-supply-and-county-lines",
        "title": "Disrupt drugs supply and county lines",
        "description": "County lines (phone lines used to sell drugs into the area from "
        "elsewhere) closed in the period.",
        "unit": "county lines closed",
        "direction": "higher",
        "source": "recorded",
        "source_note": 'Home Office, "National Crime and Policing Measures" (2021): '
        "disrupt drugs supply and county lines. Usually tracked by county "
        "lines closed and drug-related homicides, from police records and "
        "the Home Office Homicide Index.",
    },
    {
        "slug": "reduce-neighbourhood-crime",
        "title": "Reduce neighbourhood crime",
        "description": "Neighbourhood crime: domestic burglary, personal robbery, theft "
        "of or from a vehicle, and theft from the person.",
        "unit": "offences",
        "direction": "lower",
        "source": "recorded",
        "source_note": 'Home Office, "National Crime and Policing Measures" (2021): '
        "reduce neighbourhood crime. Usually counted from police recorded "
        "crime for the area; the Crime Survey for England and Wales gives "
        "the national trend, including crime not reported to the police.",
    },
    {
        "slug": "tackle-cyber-crime",
        "title": "Tackle cyber crime",
        "description": "Computer misuse and cyber-enabled fraud against people and "
        "businesses in the area, reported in the period.",
        "unit": "offences",
        "direction": "lower",
        "source": "recorded",
        "source_note": 'Home Office, "National Crime and Policing Measures" (2021): '
        "tackle cyber crime. Usually followed through reports of fraud "
        "and computer misuse to Action Fraud, and nationally through the "
        "Crime Survey for England and Wales and surveys of businesses "
        "experiencing a cyber breach or attack.",
    },
    {
        "slug": "improve-victim-satisfaction",
        "title": "Improve satisfaction among victims, with particular focus on victims "
        "of domestic abuse",
        "description": "The share of victims satisfied with the service they received "
        "from the police, reported for all victims and for victims of "
        "domestic abuse.",
        "unit": "%",
        "direction": "higher",
        "source": "survey",
        "source_note": 'Home Office, "National Crime and Policing Measures" (2021): '
        "improve satisfaction among victims, with particular focus on "
        "victims of domestic abuse. Usually measured by victim "
        "satisfaction surveys; the Crime Survey for England and Wales "
        "gives satisfaction with how the police handled a crime.",
    },
]


def load(apps, schema_editor):
    IndicatorDefinition = apps.get_model("plans", "IndicatorDefinition")
    for measure in MEASURES:
        fields = {k: v for k, v in measure.items() if k != "slug"}
        IndicatorDefinition.objects.update_or_create(
            owner=None, slug=measure["slug"], defaults=fields
        )


def unload(apps, schema_editor):
    IndicatorDefinition = apps.get_model("plans", "IndicatorDefinition")
    IndicatorDefinition.objects.filter(
        owner=None, slug__in=[m["slug"] for m in MEASURES]
    ).delete()


# From 0009_audit_event.

def install_guards(apps, schema_editor):
    """Triggers that refuse to change or delete an audit event (plans/audit_guards)."""
    from core import audit_guards

    audit_guards.install(schema_editor.connection)


def remove_guards(apps, schema_editor):
    from core import audit_guards

    audit_guards.remove(schema_editor.connection)


class Migration(migrations.Migration):

    replaces = [('plans', '0001_initial'), ('plans', '0002_seed_organisation_kinds'), ('plans', '0003_api_clients_and_review_setting'), ('plans', '0004_names_in_public'), ('plans', '0005_idempotency_replays_headers'), ('plans', '0006_reporting_cycle'), ('plans', '0007_national_measures'), ('plans', '0008_definition_history'), ('plans', '0009_audit_event')]

    initial = True

    dependencies = [
        # The OAuth toolkit's migrations run first, while the state holds few models:
        # each of their steps re-renders every model related to the one it changes,
        # which once ours are in is nearly all of them (seconds of `migrate`).
        ('oauth2_provider', '0022_refreshtoken_token_family_index'),
        migrations.swappable_dependency(settings.OAUTH2_PROVIDER_APPLICATION_MODEL),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='OrganisationKind',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('slug', models.SlugField(unique=True)),
                ('name', models.CharField(max_length=100, unique=True)),
                ('description', models.TextField(blank=True)),
            ],
            options={
                'ordering': ['name'],
            },
        ),
        migrations.CreateModel(
            name='Organisation',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('name', models.CharField(max_length=200, unique=True)),
                ('short_name', models.CharField(blank=True, help_text='An abbreviation such as SOJP or JPA.', max_length=50)),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('names_in_public', models.BooleanField(default=False, help_text="On this organisation's public plans and published reports, show who recorded each update. Off: names are left out.", verbose_name='show names in public')),
                ('parent', models.ForeignKey(blank=True, help_text='The organisation this one sits under, e.g. a force for a local area.', null=True, on_delete=django.db.models.deletion.PROTECT, related_name='children', to='plans.organisation')),
                ('successor', models.ForeignKey(blank=True, help_text="The body that took over this organisation's functions.", null=True, on_delete=django.db.models.deletion.PROTECT, related_name='predecessors', to='plans.organisation')),
                ('kind', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='organisations', to='plans.organisationkind')),
            ],
            options={
                'ordering': ['name'],
                'constraints': [models.CheckConstraint(condition=models.Q(('parent', models.F('id')), _negated=True), name='organisation_not_own_parent'), models.CheckConstraint(condition=models.Q(('successor', models.F('id')), _negated=True), name='organisation_not_own_successor')],
            },
        ),
        migrations.CreateModel(
            name='IndicatorDefinition',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('slug', models.SlugField(max_length=100)),
                ('title', models.CharField(max_length=300)),
                ('description', models.TextField(blank=True)),
                ('unit', models.CharField(max_length=50)),
                ('direction', models.CharField(choices=[('higher', 'Higher is better'), ('lower', 'Lower is better')], max_length=10)),
                ('source', models.CharField(choices=[('recorded', 'Recorded data'), ('survey', 'Survey'), ('other', 'Other')], default='recorded', max_length=10)),
                ('source_note', models.TextField(blank=True, help_text='Where the measure comes from and how it is counted.')),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('created_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('owner', models.ForeignKey(blank=True, help_text='Blank for a national definition.', null=True, on_delete=django.db.models.deletion.CASCADE, related_name='indicator_definitions', to='plans.organisation')),
            ],
            options={
                'ordering': ['owner_id', 'title'],
                'constraints': [models.UniqueConstraint(condition=models.Q(('owner__isnull', True)), fields=('slug',), name='national_definition_slug_unique'), models.UniqueConstraint(fields=('owner', 'slug'), name='definition_slug_unique_per_owner'), models.CheckConstraint(condition=models.Q(('direction__in', ['higher', 'lower'])), name='definition_direction_valid')],
            },
        ),
        migrations.CreateModel(
            name='HistoricalPlan',
            fields=[
                ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                ('reference', models.CharField(help_text="The plan's own reference, such as R.4/2017.", max_length=100)),
                ('title', models.CharField(max_length=300)),
                ('summary', models.TextField(blank=True)),
                ('state', models.CharField(choices=[('draft', 'Draft'), ('published', 'Published'), ('refreshed', 'Refreshed'), ('superseded', 'Superseded')], default='draft', max_length=20)),
                ('starts_on', models.DateField()),
                ('ends_on', models.DateField()),
                ('is_public', models.BooleanField(default=False, help_text='Published reports of a public plan can be read without signing in.')),
                ('created_at', models.DateTimeField(blank=True, editable=False)),
                ('updated_at', models.DateTimeField(blank=True, editable=False)),
                ('history_id', models.AutoField(primary_key=True, serialize=False)),
                ('history_date', models.DateTimeField(db_index=True)),
                ('history_change_reason', models.CharField(max_length=100, null=True)),
                ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
                ('review_contributor_updates', models.BooleanField(default=False, help_text='Progress updates from contributors (forces, partners, API clients) wait for an editor to accept them before they change a deliverable.')),
                ('grace_days', models.PositiveSmallIntegerField(default=14, help_text='Late updates are still taken until the grace period ends.', verbose_name='Grace period (days after the due date)')),
                ('remind_days_after_due', models.PositiveSmallIntegerField(default=7, help_text='0 sends no chaser; it is only sent within the grace period.', verbose_name='Chaser (days after the due date)')),
                ('remind_days_before_due', models.PositiveSmallIntegerField(default=7, help_text='0 sends no reminder before the due date.', verbose_name='First reminder (days before the due date)')),
                ('reminders_enabled', models.BooleanField(default=True, help_text='E-mail owners whose deliverables need an update, and the editors.', verbose_name='Send reminder e-mails')),
                ('return_due_days', models.PositiveSmallIntegerField(default=14, help_text='Updates for a quarter are written in the first weeks of the next.', verbose_name='Updates due (days after the quarter ends)')),
                ('year_starts_month', models.PositiveSmallIntegerField(choices=[(1, 'January'), (4, 'April')], default=1, help_text='Quarters follow the calendar year, or a financial year from April.', verbose_name='Reporting year starts in')),
                ('history_user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('owner', models.ForeignKey(blank=True, db_constraint=False, help_text='The policing body that owns the plan.', null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='plans.organisation')),
            ],
            options={
                'verbose_name': 'historical plan',
                'verbose_name_plural': 'historical plans',
                'ordering': ('-history_date', '-history_id'),
                'get_latest_by': ('history_date', 'history_id'),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name='HistoricalMembership',
            fields=[
                ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                ('role', models.CharField(choices=[('admin', 'Administrator'), ('editor', 'Editor'), ('contributor', 'Contributor'), ('reader', 'Reader')], default='reader', max_length=20)),
                ('created_at', models.DateTimeField(blank=True, editable=False)),
                ('history_id', models.AutoField(primary_key=True, serialize=False)),
                ('history_date', models.DateTimeField(db_index=True)),
                ('history_change_reason', models.CharField(max_length=100, null=True)),
                ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
                ('history_user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('user', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('organisation', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='plans.organisation')),
            ],
            options={
                'verbose_name': 'historical membership',
                'verbose_name_plural': 'historical memberships',
                'ordering': ('-history_date', '-history_id'),
                'get_latest_by': ('history_date', 'history_id'),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name='HistoricalIndicatorDefinition',
            fields=[
                ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                ('slug', models.SlugField(max_length=100)),
                ('title', models.CharField(max_length=300)),
                ('description', models.TextField(blank=True)),
                ('unit', models.CharField(max_length=50)),
                ('direction', models.CharField(choices=[('higher', 'Higher is better'), ('lower', 'Lower is better')], max_length=10)),
                ('source', models.CharField(choices=[('recorded', 'Recorded data'), ('survey', 'Survey'), ('other', 'Other')], default='recorded', max_length=10)),
                ('source_note', models.TextField(blank=True, help_text='Where the measure comes from and how it is counted.')),
                ('created_at', models.DateTimeField(blank=True, editable=False)),
                ('history_id', models.AutoField(primary_key=True, serialize=False)),
                ('history_date', models.DateTimeField(db_index=True)),
                ('history_change_reason', models.CharField(max_length=100, null=True)),
                ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
                ('created_by', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('history_user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('owner', models.ForeignKey(blank=True, db_constraint=False, help_text='Blank for a national definition.', null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='plans.organisation')),
            ],
            options={
                'verbose_name': 'historical indicator definition',
                'verbose_name_plural': 'historical indicator definitions',
                'ordering': ('-history_date', '-history_id'),
                'get_latest_by': ('history_date', 'history_id'),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name='HistoricalApiClient',
            fields=[
                ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                ('name', models.CharField(help_text='What it is, such as "SOJP performance system".', max_length=100)),
                ('scopes', models.JSONField(default=list, help_text='The scopes it may ask for.')),
                ('created_at', models.DateTimeField(blank=True, editable=False)),
                ('revoked_at', models.DateTimeField(blank=True, null=True)),
                ('history_id', models.AutoField(primary_key=True, serialize=False)),
                ('history_date', models.DateTimeField(db_index=True)),
                ('history_change_reason', models.CharField(max_length=100, null=True)),
                ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
                ('application', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to=settings.OAUTH2_PROVIDER_APPLICATION_MODEL)),
                ('created_by', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('history_user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('revoked_by', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('service_user', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('organisation', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='plans.organisation')),
            ],
            options={
                'verbose_name': 'historical API client',
                'verbose_name_plural': 'historical API clients',
                'ordering': ('-history_date', '-history_id'),
                'get_latest_by': ('history_date', 'history_id'),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name='ApiClient',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('name', models.CharField(help_text='What it is, such as "SOJP performance system".', max_length=100)),
                ('scopes', models.JSONField(default=list, help_text='The scopes it may ask for.')),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('revoked_at', models.DateTimeField(blank=True, null=True)),
                ('application', models.OneToOneField(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='api_client', to=settings.OAUTH2_PROVIDER_APPLICATION_MODEL)),
                ('created_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('revoked_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('service_user', models.OneToOneField(on_delete=django.db.models.deletion.PROTECT, related_name='api_client', to=settings.AUTH_USER_MODEL)),
                ('organisation', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='api_clients', to='plans.organisation')),
            ],
            options={
                'verbose_name': 'API client',
                'ordering': ['organisation__name', 'name'],
                'constraints': [models.UniqueConstraint(fields=('organisation', 'name'), name='api_client_name_unique_per_org')],
            },
        ),
        migrations.CreateModel(
            name='HistoricalOrganisation',
            fields=[
                ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                ('name', models.CharField(db_index=True, max_length=200)),
                ('short_name', models.CharField(blank=True, help_text='An abbreviation such as SOJP or JPA.', max_length=50)),
                ('created_at', models.DateTimeField(blank=True, editable=False)),
                ('history_id', models.AutoField(primary_key=True, serialize=False)),
                ('history_date', models.DateTimeField(db_index=True)),
                ('history_change_reason', models.CharField(max_length=100, null=True)),
                ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
                ('names_in_public', models.BooleanField(default=False, help_text="On this organisation's public plans and published reports, show who recorded each update. Off: names are left out.", verbose_name='show names in public')),
                ('history_user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('parent', models.ForeignKey(blank=True, db_constraint=False, help_text='The organisation this one sits under, e.g. a force for a local area.', null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='plans.organisation')),
                ('successor', models.ForeignKey(blank=True, db_constraint=False, help_text="The body that took over this organisation's functions.", null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='plans.organisation')),
                ('kind', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='plans.organisationkind')),
            ],
            options={
                'verbose_name': 'historical organisation',
                'verbose_name_plural': 'historical organisations',
                'ordering': ('-history_date', '-history_id'),
                'get_latest_by': ('history_date', 'history_id'),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name='Plan',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('reference', models.CharField(help_text="The plan's own reference, such as R.4/2017.", max_length=100)),
                ('title', models.CharField(max_length=300)),
                ('summary', models.TextField(blank=True)),
                ('state', models.CharField(choices=[('draft', 'Draft'), ('published', 'Published'), ('refreshed', 'Refreshed'), ('superseded', 'Superseded')], default='draft', max_length=20)),
                ('starts_on', models.DateField()),
                ('ends_on', models.DateField()),
                ('is_public', models.BooleanField(default=False, help_text='Published reports of a public plan can be read without signing in.')),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('updated_at', models.DateTimeField(auto_now=True)),
                ('review_contributor_updates', models.BooleanField(default=False, help_text='Progress updates from contributors (forces, partners, API clients) wait for an editor to accept them before they change a deliverable.')),
                ('grace_days', models.PositiveSmallIntegerField(default=14, help_text='Late updates are still taken until the grace period ends.', verbose_name='Grace period (days after the due date)')),
                ('remind_days_after_due', models.PositiveSmallIntegerField(default=7, help_text='0 sends no chaser; it is only sent within the grace period.', verbose_name='Chaser (days after the due date)')),
                ('remind_days_before_due', models.PositiveSmallIntegerField(default=7, help_text='0 sends no reminder before the due date.', verbose_name='First reminder (days before the due date)')),
                ('reminders_enabled', models.BooleanField(default=True, help_text='E-mail owners whose deliverables need an update, and the editors.', verbose_name='Send reminder e-mails')),
                ('return_due_days', models.PositiveSmallIntegerField(default=14, help_text='Updates for a quarter are written in the first weeks of the next.', verbose_name='Updates due (days after the quarter ends)')),
                ('year_starts_month', models.PositiveSmallIntegerField(choices=[(1, 'January'), (4, 'April')], default=1, help_text='Quarters follow the calendar year, or a financial year from April.', verbose_name='Reporting year starts in')),
                ('owner', models.ForeignKey(help_text='The policing body that owns the plan.', on_delete=django.db.models.deletion.PROTECT, related_name='plans', to='plans.organisation')),
            ],
            options={
                'ordering': ['-starts_on', 'title'],
                'constraints': [models.UniqueConstraint(fields=('owner', 'reference'), name='plan_reference_unique_per_owner'), models.CheckConstraint(condition=models.Q(('ends_on__gte', models.F('starts_on'))), name='plan_ends_after_start'), models.CheckConstraint(condition=models.Q(('state__in', ['draft', 'published', 'refreshed', 'superseded'])), name='plan_state_valid')],
            },
        ),
        migrations.CreateModel(
            name='HistoricalStrand',
            fields=[
                ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                ('name', models.CharField(max_length=200)),
                ('history_id', models.AutoField(primary_key=True, serialize=False)),
                ('history_date', models.DateTimeField(db_index=True)),
                ('history_change_reason', models.CharField(max_length=100, null=True)),
                ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
                ('history_user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('plan', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='plans.plan')),
            ],
            options={
                'verbose_name': 'historical strand',
                'verbose_name_plural': 'historical strands',
                'ordering': ('-history_date', '-history_id'),
                'get_latest_by': ('history_date', 'history_id'),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
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
                ('api_client', models.ForeignKey(blank=True, help_text='The API client whose token made the request, if any.', null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='plans.apiclient')),
                ('actor_organisation', models.ForeignKey(blank=True, db_constraint=False, help_text='The organisation the actor acted for.', null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='plans.organisation')),
                ('organisation', models.ForeignKey(blank=True, db_constraint=False, help_text='The organisation the record belongs to or is led by.', null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='plans.organisation')),
                ('plan', models.ForeignKey(blank=True, db_constraint=False, help_text='The plan the record belongs to.', null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='plans.plan')),
            ],
            options={
                'ordering': ['-at', '-id'],
                'indexes': [models.Index(fields=['object_type', 'object_id'], name='plans_audit_object__e02370_idx')],
            },
        ),
        migrations.CreateModel(
            name='Priority',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('reference', models.CharField(max_length=50)),
                ('title', models.CharField(max_length=300)),
                ('overview', models.TextField(blank=True)),
                ('success_statement', models.TextField(blank=True, help_text='What success looks like: "So that communities ...".')),
                ('position', models.PositiveIntegerField(default=0)),
                ('parent', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='children', to='plans.priority')),
                ('plan', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='priorities', to='plans.plan')),
            ],
            options={
                'verbose_name_plural': 'priorities',
                'ordering': ['plan', 'position', 'reference'],
                'constraints': [models.UniqueConstraint(fields=('plan', 'reference'), name='priority_reference_unique_in_plan'), models.CheckConstraint(condition=models.Q(('parent', models.F('id')), _negated=True), name='priority_not_own_parent')],
            },
        ),
        migrations.CreateModel(
            name='Objective',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('reference', models.CharField(max_length=50)),
                ('title', models.CharField(max_length=500)),
                ('description', models.TextField(blank=True)),
                ('position', models.PositiveIntegerField(default=0)),
                ('plan', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='objectives', to='plans.plan')),
                ('priority', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='objectives', to='plans.priority')),
            ],
            options={
                'ordering': ['plan', 'position', 'reference'],
                'constraints': [models.UniqueConstraint(fields=('plan', 'reference'), name='objective_reference_unique_in_plan')],
            },
        ),
        migrations.CreateModel(
            name='Indicator',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('reference', models.CharField(blank=True, max_length=50)),
                ('title', models.CharField(max_length=300)),
                ('unit', models.CharField(help_text='What a value counts, such as "incidents" or "%".', max_length=50)),
                ('direction', models.CharField(choices=[('higher', 'Higher is better'), ('lower', 'Lower is better')], max_length=10)),
                ('source', models.CharField(choices=[('recorded', 'Recorded data'), ('survey', 'Survey'), ('other', 'Other')], default='recorded', max_length=10)),
                ('baseline_value', models.DecimalField(blank=True, decimal_places=2, max_digits=14, null=True)),
                ('baseline_label', models.CharField(blank=True, help_text='What the baseline is, such as "2016".', max_length=50)),
                ('target_value', models.DecimalField(blank=True, decimal_places=2, max_digits=14, null=True)),
                ('position', models.PositiveIntegerField(default=0)),
                ('definition', models.ForeignKey(blank=True, help_text='The library definition it was added from, if any.', null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='indicators', to='plans.indicatordefinition')),
                ('plan', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='indicators', to='plans.plan')),
                ('priority', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='indicators', to='plans.priority')),
            ],
            options={
                'ordering': ['plan', 'position', 'title'],
                'constraints': [models.UniqueConstraint(fields=('plan', 'title'), name='indicator_title_unique_in_plan'), models.CheckConstraint(condition=models.Q(('direction__in', ['higher', 'lower'])), name='indicator_direction_valid'), models.CheckConstraint(condition=models.Q(('source__in', ['recorded', 'survey', 'other'])), name='indicator_source_valid')],
            },
        ),
        migrations.CreateModel(
            name='HistoricalPriority',
            fields=[
                ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                ('reference', models.CharField(max_length=50)),
                ('title', models.CharField(max_length=300)),
                ('overview', models.TextField(blank=True)),
                ('success_statement', models.TextField(blank=True, help_text='What success looks like: "So that communities ...".')),
                ('position', models.PositiveIntegerField(default=0)),
                ('history_id', models.AutoField(primary_key=True, serialize=False)),
                ('history_date', models.DateTimeField(db_index=True)),
                ('history_change_reason', models.CharField(max_length=100, null=True)),
                ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
                ('history_user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('plan', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='plans.plan')),
                ('parent', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='plans.priority')),
            ],
            options={
                'verbose_name': 'historical priority',
                'verbose_name_plural': 'historical priorities',
                'ordering': ('-history_date', '-history_id'),
                'get_latest_by': ('history_date', 'history_id'),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name='HistoricalObjective',
            fields=[
                ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                ('reference', models.CharField(max_length=50)),
                ('title', models.CharField(max_length=500)),
                ('description', models.TextField(blank=True)),
                ('position', models.PositiveIntegerField(default=0)),
                ('history_id', models.AutoField(primary_key=True, serialize=False)),
                ('history_date', models.DateTimeField(db_index=True)),
                ('history_change_reason', models.CharField(max_length=100, null=True)),
                ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
                ('history_user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('plan', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='plans.plan')),
                ('priority', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='plans.priority')),
            ],
            options={
                'verbose_name': 'historical objective',
                'verbose_name_plural': 'historical objectives',
                'ordering': ('-history_date', '-history_id'),
                'get_latest_by': ('history_date', 'history_id'),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name='HistoricalIndicator',
            fields=[
                ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                ('reference', models.CharField(blank=True, max_length=50)),
                ('title', models.CharField(max_length=300)),
                ('unit', models.CharField(help_text='What a value counts, such as "incidents" or "%".', max_length=50)),
                ('direction', models.CharField(choices=[('higher', 'Higher is better'), ('lower', 'Lower is better')], max_length=10)),
                ('source', models.CharField(choices=[('recorded', 'Recorded data'), ('survey', 'Survey'), ('other', 'Other')], default='recorded', max_length=10)),
                ('baseline_value', models.DecimalField(blank=True, decimal_places=2, max_digits=14, null=True)),
                ('baseline_label', models.CharField(blank=True, help_text='What the baseline is, such as "2016".', max_length=50)),
                ('target_value', models.DecimalField(blank=True, decimal_places=2, max_digits=14, null=True)),
                ('position', models.PositiveIntegerField(default=0)),
                ('history_id', models.AutoField(primary_key=True, serialize=False)),
                ('history_date', models.DateTimeField(db_index=True)),
                ('history_change_reason', models.CharField(max_length=100, null=True)),
                ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
                ('history_user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('definition', models.ForeignKey(blank=True, db_constraint=False, help_text='The library definition it was added from, if any.', null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='plans.indicatordefinition')),
                ('plan', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='plans.plan')),
                ('priority', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='plans.priority')),
            ],
            options={
                'verbose_name': 'historical indicator',
                'verbose_name_plural': 'historical indicators',
                'ordering': ('-history_date', '-history_id'),
                'get_latest_by': ('history_date', 'history_id'),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name='ReportingPeriod',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('label', models.CharField(help_text='For example "Q1 2017".', max_length=50)),
                ('starts_on', models.DateField()),
                ('ends_on', models.DateField()),
                ('closes_on', models.DateField(help_text='The last day of the grace period after the due date.', verbose_name='Closes on')),
                ('due_on', models.DateField(verbose_name='Updates due on')),
                ('locked_at', models.DateTimeField(blank=True, editable=False, null=True)),
                ('opens_on', models.DateField(help_text='Usually the first day of the quarter.', verbose_name='Opens for updates on')),
                ('locked_by', models.ForeignKey(blank=True, editable=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('plan', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='reporting_periods', to='plans.plan')),
            ],
            options={
                'ordering': ['plan', 'starts_on'],
                'constraints': [models.UniqueConstraint(fields=('plan', 'starts_on'), name='period_start_unique_in_plan'), models.UniqueConstraint(fields=('plan', 'label'), name='period_label_unique_in_plan'), models.CheckConstraint(condition=models.Q(('ends_on__gte', models.F('starts_on'))), name='period_ends_after_start'), models.CheckConstraint(condition=models.Q(('due_on__gte', models.F('opens_on'))), name='period_due_after_opening'), models.CheckConstraint(condition=models.Q(('closes_on__gte', models.F('due_on'))), name='period_closes_after_due'), models.CheckConstraint(condition=models.Q(('locked_at__isnull', True), ('locked_by__isnull', False), _connector='OR'), name='period_lock_names_who')],
            },
        ),
        migrations.CreateModel(
            name='PeriodEvent',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('kind', models.CharField(choices=[('locked', 'Locked'), ('reopened', 'Reopened'), ('redated', 'Dates changed')], max_length=10)),
                ('reason', models.TextField()),
                ('at', models.DateTimeField()),
                ('closes_on', models.DateField(blank=True, help_text='The closing date after a reopening.', null=True)),
                ('by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('period', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='events', to='plans.reportingperiod')),
            ],
            options={
                'ordering': ['period', 'at', 'pk'],
                'constraints': [models.CheckConstraint(condition=models.Q(('kind__in', ['locked', 'reopened', 'redated'])), name='period_event_kind_valid'), models.CheckConstraint(condition=models.Q(('reason', ''), _negated=True), name='period_event_has_reason')],
            },
        ),
        migrations.CreateModel(
            name='IndicatorValue',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('value', models.DecimalField(decimal_places=2, max_digits=14)),
                ('note', models.TextField(blank=True)),
                ('recorded_at', models.DateTimeField(auto_now_add=True)),
                ('indicator', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='values', to='plans.indicator')),
                ('recorded_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('period', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='indicator_values', to='plans.reportingperiod')),
            ],
            options={
                'ordering': ['indicator', 'period__starts_on'],
                'constraints': [models.UniqueConstraint(fields=('indicator', 'period'), name='indicator_value_once_per_period')],
            },
        ),
        migrations.CreateModel(
            name='IndicatorChange',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('changes', models.JSONField(help_text='What changed: {"field": [old, new]}, values as text.')),
                ('reason', models.TextField()),
                ('changed_at', models.DateTimeField()),
                ('changed_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('indicator', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='changes', to='plans.indicator')),
                ('from_period', models.ForeignKey(blank=True, help_text='The first period measured the new way.', null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='plans.reportingperiod')),
            ],
            options={
                'ordering': ['indicator', 'changed_at', 'pk'],
                'constraints': [models.CheckConstraint(condition=models.Q(('reason', ''), _negated=True), name='indicator_change_has_reason')],
            },
        ),
        migrations.CreateModel(
            name='HistoricalIndicatorValue',
            fields=[
                ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                ('value', models.DecimalField(decimal_places=2, max_digits=14)),
                ('note', models.TextField(blank=True)),
                ('recorded_at', models.DateTimeField(blank=True, editable=False)),
                ('history_id', models.AutoField(primary_key=True, serialize=False)),
                ('history_date', models.DateTimeField(db_index=True)),
                ('history_change_reason', models.CharField(max_length=100, null=True)),
                ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
                ('history_user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('recorded_by', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('indicator', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='plans.indicator')),
                ('period', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='plans.reportingperiod')),
            ],
            options={
                'verbose_name': 'historical indicator value',
                'verbose_name_plural': 'historical indicator values',
                'ordering': ('-history_date', '-history_id'),
                'get_latest_by': ('history_date', 'history_id'),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name='Strand',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('name', models.CharField(max_length=200)),
                ('plan', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='strands', to='plans.plan')),
            ],
            options={
                'ordering': ['plan', 'name'],
                'constraints': [models.UniqueConstraint(fields=('plan', 'name'), name='strand_name_unique_in_plan')],
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
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('headers', models.JSONField(default=dict, help_text='Headers of the first answer a retry gets again (ETag).')),
                ('user', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'constraints': [models.UniqueConstraint(fields=('user', 'key'), name='idempotency_key_unique_per_user')],
            },
        ),
        migrations.CreateModel(
            name='Membership',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('role', models.CharField(choices=[('admin', 'Administrator'), ('editor', 'Editor'), ('contributor', 'Contributor'), ('reader', 'Reader')], default='reader', max_length=20)),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('user', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='memberships', to=settings.AUTH_USER_MODEL)),
                ('organisation', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='memberships', to='plans.organisation')),
            ],
            options={
                'ordering': ['organisation__name', 'user__username'],
                'constraints': [models.UniqueConstraint(fields=('user', 'organisation'), name='membership_unique_per_user'), models.CheckConstraint(condition=models.Q(('role__in', ['admin', 'editor', 'contributor', 'reader'])), name='membership_role_valid')],
            },
        ),
        migrations.RunPython(
            code=seed,
            reverse_code=migrations.RunPython.noop,
        ),
        migrations.RunPython(
            code=load,
            reverse_code=unload,
        ),
        migrations.RunPython(
            code=install_guards,
            reverse_code=remove_guards,
        ),
    ]
