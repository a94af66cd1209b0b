"""The four kinds of organisation every plan seen so far needs; more can be added as data."""

from django.db import migrations

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


class Migration(migrations.Migration):
    dependencies = [("plans", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
