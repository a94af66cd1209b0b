"""The National Crime and Policing Measures (Home Office, 2021) as national indicator
definitions, ready for any plan to add.

A frozen copy of ``plans/data/national_measures.json`` as it stood when this migration
was written; ``manage.py load_national_measures`` reloads the file later.
"""

from django.db import migrations

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


class Migration(migrations.Migration):
    dependencies = [("plans", "0006_reporting_cycle")]

    operations = [migrations.RunPython(load, unload)]
