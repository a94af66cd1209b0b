"""The API's contract: a valid OpenAPI 3 schema, self-hosted docs, and Schemathesis.

Schemathesis generates requests for every operation in /api/schema/ (valid ones and
deliberately invalid ones) and checks each answer against the schema: no 5xx, only
declared status codes and content types, bodies that match their schemas, invalid input
refused and valid input accepted.
"""

import json
import re

import hypothesis
import pytest
import schemathesis
from django.contrib.staticfiles import finders
from django.core.cache import cache
from django.core.management import call_command
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from drf_spectacular.validation import validate_schema

from config.wsgi import application
from core.api.throttling import PerClientThrottle
from tests.factories import (
    DecisionNoticeFactory,
    DeliverableFactory,
    IndicatorFactory,
    IndicatorValueFactory,
    MilestoneFactory,
)

pytestmark = pytest.mark.django_db


def updates_url(deliverable):
    return f"/api/v1/deliverables/{deliverable.pk}/updates/"


# Bounded for CI on two cores (about a minute for ~2,000 requests): generated cases
# per operation in the fuzzing phase, valid and invalid together; the coverage phase
# adds its own boundary cases (each limit, each required field left out...).
MAX_EXAMPLES = 25
SEED = 20170401


def test_schema_is_valid_openapi_3(tmp_path):
    target = tmp_path / "schema.json"
    call_command(
        "spectacular",
        "--validate",
        "--fail-on-warn",
        "--format",
        "openapi-json",
        "--file",
        str(target),
    )
    schema = json.loads(target.read_text())
    assert re.fullmatch(r"3\.\d+\.\d+", schema["openapi"])
    assert any(path.startswith("/api/v1/") for path in schema["paths"])


def test_schema_is_served_valid_and_as_schemathesis_tests_it(client):
    response = client.get(
        "/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json"
    )
    assert response.status_code == 200
    served = response.json()
    validate_schema(served)  # against the OpenAPI 3.0 JSON Schema
    assert served["openapi"].startswith("3.")
    assert served == generated_schema()


def test_docs_page_loads_swagger_ui_from_our_own_static_files(client):
    response = client.get("/api/docs/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "swagger-ui" in page
    # What the page loads, not where it links to. The script that starts Swagger UI
    # comes from the page's own address (tests/api/test_docs_page.py).
    assets = re.findall(r'<(?:script|link)\b[^>]*\b(?:src|href)="([^"]+)"', page)
    assets.remove("/api/docs/?script=")
    assert any(a.endswith("/swagger-ui-bundle.js") for a in assets), assets
    assert any(a.endswith("/swagger-ui.css") for a in assets), assets
    for asset in assets:
        # Each one is among our own static files (drf-spectacular-sidecar's).
        assert asset.startswith("/static/"), asset
        assert finders.find(asset.removeprefix("/static/")), asset
    # Nothing is fetched from another host: not the scripts, not the styles.
    assert not re.search(r"https?://", page), re.findall(r"https?://[^\s\"']+", page)


# What Schemathesis found, pinned down ----------------------------------------------


def test_an_unknown_api_url_is_a_problem_too(client):
    for url in ("/api/v1/plans/1.5/", "/api/v1/nothing/", "/api/v1/plans/1/x/"):
        response = client.get(url)
        assert response.status_code == 404, url
        assert response["Content-Type"] == "application/problem+json"
        assert response.json()["title"] == "Not found"


def test_a_missing_trailing_slash_is_still_added(client):
    response = client.get("/api/v1/plans")
    assert response.status_code == 301
    assert response["Location"] == "/api/v1/plans/"


@pytest.mark.parametrize("size", ["0", "1001", "ten", "-1", "2.5"])
def test_a_page_size_out_of_range_is_refused(force_api, size):
    response = force_api.get(f"/api/v1/deliverables/?page_size={size}")
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "page_size"


def test_an_empty_filter_or_page_size_means_not_given(force_api, led):
    response = force_api.get("/api/v1/deliverables/?plan=&updated_since=&page_size=")
    assert response.status_code == 200
    assert [d["id"] for d in response.json()["results"]] == [led.pk]


@pytest.mark.parametrize("value", ["1.5", "0", "-1", "9" * 30])
def test_an_id_filter_takes_ids_only(force_api, led, value):
    response = force_api.get(f"/api/v1/deliverables/?plan={value}")
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "plan"


def test_an_id_too_large_for_the_database_is_refused_not_a_crash(force_api, led):
    body = {"deliverable": 2**63, "narrative": "x"}
    response = force_api.post("/api/v1/progress-updates/", body)
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "deliverable"
    url = f"/api/v1/deliverables/{'9' * 24}/updates/"
    assert force_api.post(url, {"narrative": "x"}).status_code == 404
    response = force_api.post(updates_url(led), {"narrative": "x", "period": "9" * 50})
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "period"


# Schemathesis over the whole schema ------------------------------------------------


@pytest.fixture
def api_data(current_plan, led, owned, force, authority):
    """A current plan with a few deliverables the force leads, so reads return rows."""
    more = [
        DeliverableFactory(
            objective=led.objective,
            reference=f"3.1.1.1.{n}",
            lead_organisation=force,
            forecast_date="Q3",
            baseline_date="Q2",
        )
        for n in (2, 3)
    ]
    MilestoneFactory(deliverable=led, title="Patrol plan agreed", due_date="Q3")
    indicator = IndicatorFactory(plan=current_plan, priority=led.objective.priority)
    IndicatorValueFactory(
        indicator=indicator, period=current_plan.reporting_periods.first()
    )
    notice = DecisionNoticeFactory(plan=current_plan)
    notice.deliverables.add(led, *more)
    return [led, *more]


def generated_schema():
    """The document /api/schema/ serves, generated without a request.

    Schemathesis needs the schema when this module is collected, before any test
    database exists, so it cannot ask the view (every request opens a transaction);
    test_schema_is_served_valid_and_as_schemathesis_tests_it checks that the
    view serves this very document.
    """
    document = SchemaGenerator().get_schema(request=None, public=True)
    return json.loads(OpenApiJsonRenderer().render(document, renderer_context={}))


schema = schemathesis.openapi.from_dict(
    generated_schema(),
    config=schemathesis.Config.from_dict(
        {
            "seed": SEED,
            "generation": {
                "mode": "all",
                "max-examples": MAX_EXAMPLES,
                # Repeatable: the same cases on every run, none replayed from a
                # local example database.
                "deterministic": True,
                "database": "none",
            },
            # No stateful phase: the schema has no links, and the only resource one
            # creates (a progress update) is append-only, so there are no sequences
            # of calls to explore that the single calls do not already reach.
            "phases": {"stateful": {"enabled": False}},
            "operations": [
                {
                    # Whether a well-formed update is accepted depends on what it
                    # names (a deliverable the client may update, a reporting period
                    # of its plan, a merge target it can see) and on rules across
                    # fields (a reason whenever the status or forecast changes), which
                    # OpenAPI cannot express: the API refuses such an update with a
                    # 400 naming the field, as docs/api.md says. Every other check
                    # still runs on the writes, and this one on every read.
                    "include-method": "POST",
                    "checks": {"positive_data_acceptance": {"enabled": False}},
                }
            ],
        }
    ),
)
# Requests go straight to the WSGI application, in this process and this transaction.
schema.app = application


@pytest.fixture
def force_token(settings, monkeypatch, api_data, force, issue_client):
    """An access token of the force's client, with both scopes, and no throttling."""
    _, _, token = issue_client(force)
    # Far more requests than the production rate allows; the throttle reads its rates
    # once, at import, so patch the class as well as the setting.
    rates = {"client": "100000/minute"}
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": rates,
    }
    monkeypatch.setattr(PerClientThrottle, "THROTTLE_RATES", rates)
    cache.clear()
    # The WSGI handler closes "old" connections around each request, which on
    # PostgreSQL would end the test's transaction; Django's test client detaches the
    # same receivers for the same reason.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield token
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.mark.slow
@schema.parametrize()
# The data and the token are made once for the whole run on purpose: every generated
# request reads the same plan, as a client would, within one test transaction.
@hypothesis.settings(
    suppress_health_check=[hypothesis.HealthCheck.function_scoped_fixture]
)
def test_api_conforms_to_its_schema(case, force_token):
    before = _stored()
    response = case.call_and_validate(
        headers={"Authorization": f"Bearer {force_token}"}
    )
    if response.status_code >= 400:
        # A refusal writes nothing: no update, value, evidence or record half-made.
        assert _stored() == before, (response.status_code, response.text[:300])


def _stored() -> tuple[int, ...]:
    from core.models import IdempotencyRecord
    from deliverables.models import Attachment, ProgressUpdate
    from plans.models import IndicatorValue

    return tuple(
        model.objects.count()
        for model in (ProgressUpdate, Attachment, IndicatorValue, IdempotencyRecord)
    )
