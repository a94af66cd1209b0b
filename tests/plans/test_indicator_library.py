"""The indicator library: the national measures shipped as data, own definitions, and
adding a definition to a plan in one step."""

import importlib
import io

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from plans.measures import national_measures
from plans.models import Indicator, IndicatorDefinition
from plans.services import add_indicator_from_definition, refresh_national_measures
from tests.factories import (
    IndicatorDefinitionFactory,
    IndicatorFactory,
    OrganisationFactory,
)

NATIONAL_SLUGS = {
    "reduce-murder-and-other-homicide",
    "reduce-serious-violence",
    "disrupt-drugs-supply-and-county-lines",
    "reduce-neighbourhood-crime",
    "tackle-cyber-crime",
    "improve-victim-satisfaction",
}
FIELDS = ("slug", "title", "description", "unit", "direction", "source", "source_note")


@pytest.fixture(autouse=True)
def national_measures_loaded(request):
    """The migration loads the measures, but a live-server test run earlier empties
    every table when it ends; reload them (as ``load_national_measures`` would) so
    each test starts from a migrated database whatever ran before it."""
    if "db" in request.fixturenames or request.node.get_closest_marker("django_db"):
        request.getfixturevalue("db")
        refresh_national_measures()


def national(slug):
    return IndicatorDefinition.objects.get(owner=None, slug=slug)


def library_url(plan):
    return reverse("plans:indicator-library", args=[plan.pk])


def add_url(plan, definition):
    return reverse("plans:add-from-library", args=[plan.pk, definition.pk])


# The national measures ------------------------------------------------------------


@pytest.mark.django_db
def test_the_six_national_measures_are_loaded_with_their_sources():
    measures = IndicatorDefinition.objects.filter(owner=None)
    assert set(measures.values_list("slug", flat=True)) == NATIONAL_SLUGS
    for measure in measures:
        assert "National Crime and Policing Measures" in measure.source_note
        assert "Home Office" in measure.source_note
        assert "2021" in measure.source_note
        assert measure.description
        assert measure.unit
    assert national("reduce-murder-and-other-homicide").direction == "lower"
    assert "Homicide Index" in national("reduce-murder-and-other-homicide").source_note
    assert "sharp object" in national("reduce-serious-violence").source_note
    assert national("disrupt-drugs-supply-and-county-lines").direction == "higher"
    assert "Crime Survey" in national("reduce-neighbourhood-crime").source_note
    satisfaction = national("improve-victim-satisfaction")
    assert (satisfaction.unit, satisfaction.direction) == ("%", "higher")
    assert satisfaction.source == "survey"
    assert "domestic abuse" in satisfaction.title


def test_the_migration_ships_exactly_the_data_file():
    migration = importlib.import_module("plans.migrations.0007_national_measures")
    assert migration.MEASURES == national_measures()
    assert {m["slug"] for m in national_measures()} == NATIONAL_SLUGS


@pytest.mark.django_db
def test_stored_measures_match_the_data_file():
    stored = {
        d["slug"]: d
        for d in IndicatorDefinition.objects.filter(owner=None).values(*FIELDS)
    }
    assert stored == {m["slug"]: m for m in national_measures()}


@pytest.mark.django_db
def test_reloading_the_measures_is_idempotent_and_repairs_them():
    assert refresh_national_measures() == (0, 0)
    homicide = national("reduce-murder-and-other-homicide")
    homicide.title = "Edited by hand"
    homicide.save()
    national("tackle-cyber-crime").delete()

    out = io.StringIO()
    call_command("load_national_measures", stdout=out)

    assert "1 added, 1 updated" in out.getvalue()

    assert national("reduce-murder-and-other-homicide").title == (
        "Reduce murder and other homicide"
    )
    assert national("tackle-cyber-crime").unit == "offences"
    assert IndicatorDefinition.objects.filter(owner=None).count() == 6
    assert refresh_national_measures() == (0, 0)


# The library page -----------------------------------------------------------------


def test_editor_sees_national_and_own_definitions_only(client, editor, plan):
    IndicatorDefinitionFactory(owner=plan.owner, title="Hate crime repeat victims")
    IndicatorDefinitionFactory(owner=OrganisationFactory(), title="Someone else's")
    client.force_login(editor)

    page = client.get(library_url(plan)).content.decode()

    for slug in NATIONAL_SLUGS:
        assert national(slug).title in page
    assert "Hate crime repeat victims" in page
    assert "Someone else's" not in page
    assert page.count("Add to plan<span") == 7


def test_indicators_page_links_editors_to_the_library(client, editor, plan):
    client.force_login(editor)
    page = client.get(reverse("plans:indicators", args=[plan.pk])).content.decode()
    assert library_url(plan) in page


def test_editor_adds_a_national_measure_in_one_step(client, editor, plan):
    IndicatorFactory(plan=plan, title="Existing", position=4)
    homicide = national("reduce-murder-and-other-homicide")
    client.force_login(editor)

    response = client.post(add_url(plan, homicide), follow=True)

    assert response.redirect_chain[-1][0] == reverse("plans:indicators", args=[plan.pk])
    indicator = plan.indicators.get(definition=homicide)
    assert indicator.title == homicide.title
    assert (indicator.unit, indicator.direction, indicator.source) == (
        "homicides",
        "lower",
        "recorded",
    )
    assert indicator.position == 5
    assert indicator.history.first().history_user == editor
    assert "Added Reduce murder and other homicide" in response.content.decode()


def test_a_definition_is_added_once_and_then_shown_as_added(client, editor, plan):
    violence = national("reduce-serious-violence")
    client.force_login(editor)

    client.post(add_url(plan, violence))
    again = client.post(add_url(plan, violence), follow=True)

    assert plan.indicators.filter(definition=violence).count() == 1
    assert "already has the indicator Reduce serious violence" in (
        again.content.decode()
    )
    page = client.get(library_url(plan)).content.decode()
    assert page.count("Add to plan<span") == 5
    assert "Added</strong>" in page


def test_a_clashing_title_is_refused_with_a_message(client, editor, plan):
    IndicatorFactory(plan=plan, title="Tackle cyber crime")
    client.force_login(editor)

    response = client.post(add_url(plan, national("tackle-cyber-crime")), follow=True)

    assert plan.indicators.count() == 1
    assert "already has an indicator called Tackle cyber crime" in (
        response.content.decode()
    )


def test_the_service_refuses_another_organisations_definition(plan, editor):
    theirs = IndicatorDefinitionFactory(owner=OrganisationFactory())
    with pytest.raises(ValidationError) as refused:
        add_indicator_from_definition(plan=plan, definition=theirs, by=editor)
    assert "definition" in refused.value.message_dict
    assert not plan.indicators.exists()


def test_another_organisations_definition_cannot_be_added(client, editor, plan):
    theirs = IndicatorDefinitionFactory(owner=OrganisationFactory())
    client.force_login(editor)
    assert client.post(add_url(plan, theirs)).status_code == 404
    assert not plan.indicators.exists()


def test_adding_from_the_library_takes_post_only(client, editor, plan):
    client.force_login(editor)
    response = client.get(add_url(plan, national("tackle-cyber-crime")))
    assert response.status_code == 405
    assert not plan.indicators.exists()


def test_library_queries_do_not_grow_with_definitions(client, editor, plan):
    client.force_login(editor)

    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert client.get(library_url(plan)).status_code == 200
        return len(captured)

    IndicatorDefinitionFactory(owner=plan.owner)
    few = queries()
    for definition in IndicatorDefinitionFactory.create_batch(12, owner=plan.owner):
        add_indicator_from_definition(plan=plan, definition=definition, by=editor)
    assert queries() == few


# Own definitions ------------------------------------------------------------------


def test_editor_defines_their_own_definition(client, editor, plan):
    client.force_login(editor)
    response = client.post(
        reverse("plans:add-definition", args=[plan.pk]),
        {
            "title": "Repeat victims of hate crime",
            "description": "Victims reporting a second hate crime within a year.",
            "unit": "victims",
            "direction": "lower",
            "source": "recorded",
            "source_note": "Force crime system.",
        },
    )

    assert response.status_code == 302
    definition = IndicatorDefinition.objects.get(title="Repeat victims of hate crime")
    assert definition.owner == plan.owner
    assert definition.created_by == editor
    assert definition.slug == "repeat-victims-of-hate-crime"
    assert (
        "Repeat victims of hate crime" in client.get(library_url(plan)).content.decode()
    )


def test_an_incomplete_definition_shows_errors_and_saves_nothing(client, editor, plan):
    client.force_login(editor)
    response = client.post(
        reverse("plans:add-definition", args=[plan.pk]),
        {"title": "", "unit": "", "source": "recorded"},
    )

    assert response.status_code == 400
    page = response.content.decode()
    assert "There is a problem" in page
    assert 'href="#id_title"' in page
    assert 'id="id_title-error"' in page
    assert 'href="#id_direction_0"' in page
    assert not IndicatorDefinition.objects.exclude(owner=None).exists()


def test_editor_changes_their_own_definition(client, editor, plan):
    own = IndicatorDefinitionFactory(owner=plan.owner, title="Old title", slug="kept")
    client.force_login(editor)

    response = client.post(
        reverse("plans:edit-definition", args=[plan.pk, own.pk]),
        {
            "title": "New title",
            "unit": "incidents",
            "direction": "lower",
            "source": "survey",
        },
    )

    assert response.status_code == 302
    own.refresh_from_db()
    assert (own.title, own.source, own.slug) == ("New title", "survey", "kept")


def test_national_and_other_organisations_definitions_cannot_be_edited(
    client, editor, plan
):
    client.force_login(editor)
    theirs = IndicatorDefinitionFactory(owner=OrganisationFactory())
    for definition in (national("tackle-cyber-crime"), theirs):
        url = reverse("plans:edit-definition", args=[plan.pk, definition.pk])
        assert client.get(url).status_code == 404
        assert client.post(url, {"title": "Hijacked"}).status_code == 404
    assert not IndicatorDefinition.objects.filter(title="Hijacked").exists()


# Who may use the library ----------------------------------------------------------


@pytest.mark.parametrize(
    "who, refused",
    # The reader sees the plan (403); the others may not know it exists (404).
    [("outsider", 404), ("contributor", 404), ("reader", 403)],
)
def test_only_the_plans_editors_use_the_library(client, request, plan, who, refused):
    client.force_login(request.getfixturevalue(who))
    homicide = national("reduce-murder-and-other-homicide")
    own = IndicatorDefinitionFactory(owner=plan.owner)
    for url in (
        library_url(plan),
        reverse("plans:add-definition", args=[plan.pk]),
        reverse("plans:edit-definition", args=[plan.pk, own.pk]),
    ):
        assert client.get(url).status_code == refused
    assert client.post(add_url(plan, homicide)).status_code == refused
    assert (
        client.post(
            reverse("plans:add-definition", args=[plan.pk]),
            {"title": "X", "unit": "x", "direction": "lower", "source": "other"},
        ).status_code
        == refused
    )
    assert not Indicator.objects.exists()
    assert not IndicatorDefinition.objects.filter(title="X").exists()


def test_signed_out_visitors_are_sent_to_sign_in(client, plan):
    response = client.get(library_url(plan))
    assert response.status_code == 302
    assert response.url.startswith(reverse("sign-in"))
    client.post(add_url(plan, national("tackle-cyber-crime")))
    assert not Indicator.objects.exists()


def test_editors_see_the_library_and_may_add(client, editor, plan):
    client.force_login(editor)
    assert client.get(library_url(plan)).status_code == 200
    assert client.get(reverse("plans:add-definition", args=[plan.pk])).status_code == (
        200
    )
