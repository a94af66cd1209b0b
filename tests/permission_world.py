"""A small world of two organisations for the permission matrix and the generated
cross-organisation attempts.

Organisation A ("Alpha Police Authority") owns a published plan that is not public,
leads its deliverable and has a member in every role. Organisation B ("Bravo Police
Authority") owns two plans nobody outside B may see: a published one that is not
public, and a draft. Every title, narrative and text of B's work carries a secret
marker (``SECRET-B-<hex>``), so a test can tell whether any of it reached A.

B also owns a PUBLIC plan (``public_plan``), whose deliverable a third organisation,
C ("Charlie Constabulary"), leads and reports on: C records the updates, B reviews
them. There A is neither owner nor recorder. What anyone may read there (titles, the
accepted update, evidence marked public with a published report) carries no marker;
what is internal to the plan's bodies (deliverables.visibility: an update waiting for
review, a returned one, every review comment, evidence not marked public, a draft of
the commentary) carries B's secret marker, so the generated attempts check that it
never reaches A, and tests/test_internal_visibility.py checks who reads it.

Both tests build the world once per module (see ``module_world`` in each), inside a
transaction that is rolled back afterwards.
"""

from __future__ import annotations

import datetime
import functools
import uuid
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import override_settings
from django.utils import timezone
from rest_framework.test import APIClient, ForceAuthClientHandler

from deliverables.evidence import attach_file, attach_link, set_attachment_public
from deliverables.services import accept_update, return_update
from plans.models import Membership, PlanVariation
from plans.services import issue_api_client, reopen_period
from scrutiny.annual import services as annual_services
from scrutiny.commentary.services import save_commentary
from scrutiny.dashboards.charts import charts_for
from scrutiny.models import Recommendation, ScrutinyAction
from scrutiny.reports.services import publish_report
from tests.factories import (
    DecisionNoticeFactory,
    DeliverableFactory,
    ForceFactory,
    IndicatorDefinitionFactory,
    IndicatorFactory,
    IndicatorValueFactory,
    MilestoneFactory,
    OrganisationFactory,
    StrandFactory,
    UserFactory,
    member,
    plan_for_year,
    record_update,
)

#: The roles the matrix asks about, in the order of its columns.
ROLES = (
    "anonymous",
    "reader",
    "contributor",
    "editor",
    "admin",
    "outsider",
    "api_own",
    "api_other",
)
ROLE_LABELS = {
    "anonymous": "Signed out",
    "reader": "Reader",
    "contributor": "Contributor",
    "editor": "Editor",
    "admin": "Admin",
    "outsider": "Other organisation",
    "api_own": "API client",
    "api_other": "Other API client",
}
MEMBER_ROLES = {
    "reader": Membership.Role.READER,
    "contributor": Membership.Role.CONTRIBUTOR,
    "editor": Membership.Role.EDITOR,
    "admin": Membership.Role.ADMIN,
}
SCOPES = ["read", "updates:write"]
PDF_BYTES = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


@dataclass
class Side:
    """One organisation's people and work."""

    organisation: Any
    users: dict[str, Any] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)
    objects: dict[str, Any] = field(default_factory=dict)

    def __getattr__(self, name: str) -> Any:
        try:
            return self.__dict__["objects"][name]
        except KeyError:
            raise AttributeError(name) from None


@dataclass
class World:
    a: Side
    b: Side
    secret: str  # the hex every one of B's markers carries
    c: Side | None = None  # the force that reports on B's public plan

    def marker(self, what: str) -> str:
        return f"SECRET-B-{self.secret}-{what}"


def _plan(owner, reference, title, **fields):
    """A plan for this calendar year, so "now" falls in one of its periods."""
    return plan_for_year(
        owner, timezone.localdate().year, reference=reference, title=title, **fields
    )


def _token(client) -> str:
    from oauth2_provider.models import AccessToken
    from oauthlib.common import generate_token

    return AccessToken.objects.create(
        application=client.application,
        token=generate_token(),
        expires=timezone.now() + datetime.timedelta(days=1),
        scope=" ".join(SCOPES),
    ).token


def _side(name, short_name, label, text) -> Side:
    """An organisation with one member per role, an API client, and a plan with one
    of everything, every text made by ``text(what)``."""
    organisation = OrganisationFactory(name=name, short_name=short_name)
    side = Side(organisation=organisation)
    for role, value in MEMBER_ROLES.items():
        side.users[role] = member(organisation, value, f"{label}-{role}")
    root = UserFactory(username=f"{label}-root", is_staff=True, is_superuser=True)
    client, _secret = issue_api_client(
        organisation=organisation, name="Performance system", scopes=SCOPES, by=root
    )
    side.tokens["api"] = _token(client)
    side.objects["api_client"] = client
    editor = side.users["editor"]

    plan = _plan(organisation, f"{short_name}/PLAN", text("plan"))
    periods = list(plan.reporting_periods.order_by("starts_on"))
    work = DeliverableFactory(
        objective__priority__plan=plan,
        objective__priority__title=text("priority"),
        objective__title=text("objective"),
        title=text("deliverable"),
        lead_organisation=organisation,
        expected_benefits=text("benefits"),
        forecast_date="Q4",
        baseline_date="Q4",
    )
    update = record_update(
        deliverable=work, by=side.users["contributor"], narrative=text("narrative")
    )
    evidence = attach_file(
        update=update,
        by=side.users["contributor"],
        file=SimpleUploadedFile(
            "minutes.pdf", PDF_BYTES + text("file").encode(), "application/pdf"
        ),
        title=text("evidence"),
    )
    link = attach_link(
        update=update,
        by=side.users["contributor"],
        url="https://example.org/minutes",
        title=text("link"),
    )
    indicator = IndicatorFactory(plan=plan, title=text("indicator"))
    IndicatorValueFactory(indicator=indicator, period=periods[0], recorded_by=editor)
    report = publish_report(plan=plan, period=periods[0], by=editor)
    # A second figure, so that the indicator has a chart on the Q2 dashboard.
    IndicatorValueFactory(indicator=indicator, period=periods[1], recorded_by=editor)
    side.objects.update(
        plan=plan,
        period=periods[0],
        second_period=periods[1],
        priority=work.objective.priority,
        objective=work.objective,
        deliverable=work,
        milestone=MilestoneFactory(deliverable=work, title=text("milestone")),
        update=update,
        evidence=evidence,
        link=link,
        indicator=indicator,
        definition=IndicatorDefinitionFactory(
            owner=organisation, title=text("definition")
        ),
        decision=DecisionNoticeFactory(plan=plan, title=text("decision")),
        report=report,
        action=ScrutinyAction.objects.create(
            plan=plan, text=text("action"), raised_by="Panel", owner=organisation
        ),
        strand=StrandFactory(plan=plan, name=text("strand")),
        recommendation=Recommendation.objects.create(
            plan=plan,
            text=text("recommendation"),
            source="hmicfrs",
            source_title=text("inspection"),
            published_on=periods[0].starts_on,
            owner=organisation,
        ),
        responded_recommendation=Recommendation.objects.create(
            plan=plan,
            text=text("responded-recommendation"),
            source="other",
            source_title=text("letter"),
            published_on=periods[0].starts_on,
            owner=organisation,
            state="responded",
            response=text("response"),
            responded_on=periods[0].starts_on,
        ),
        variation=PlanVariation.objects.create(
            plan=plan,
            takes_effect_on=periods[1].starts_on,
            reason=text("variation"),
            started_by=editor,
        ),
    )
    # A published annual report of the plan's year: only its first quarter has a
    # published report, and the reason for the others is recorded.
    annual = annual_services.create_annual_report(
        plan=plan, year=str(plan.starts_on.year), by=editor
    )
    today = timezone.localdate()
    annual_services.save_sections(
        report=annual,
        by=editor,
        foreword=text("annual-foreword"),
        missing_quarters_reason=text("annual-missing"),
    )
    annual_services.send_to_panel(report=annual, by=editor, sent_on=today)
    annual_services.record_panel_recommendations(
        report=annual, by=editor, reviewed_on=today, texts=[]
    )
    annual_services.record_response(
        report=annual, by=editor, responded_on=today, overall=text("annual-response")
    )
    side.objects.update(
        # The address takes the year's label, not an id.
        annual_year=SimpleNamespace(pk=annual.year),
        annual=annual_services.publish_annual_report(report=annual, by=editor),
    )
    return side


def _public_plan(b: Side, secret: str) -> Side:
    """B's public plan, its deliverable led by a third organisation C whose
    contributor records every update and B's editor reviews: one accepted (with a
    comment, and evidence one public, one not), one returned and one waiting, each
    with evidence; a draft of the commentary for a quarter not yet reported. Internal
    texts carry B's marker; the rest is "Bravo public ...". Returns C's side."""

    def internal(what: str) -> str:
        return f"SECRET-B-{secret}-public-{what}"

    c = Side(organisation=ForceFactory(name="Charlie Constabulary", short_name="CC"))
    for role in ("contributor", "reader"):
        c.users[role] = member(c.organisation, MEMBER_ROLES[role], f"charlie-{role}")
    root = UserFactory(username="charlie-root", is_staff=True, is_superuser=True)
    client, _secret = issue_api_client(
        organisation=c.organisation, name="Force system", scopes=SCOPES, by=root
    )
    c.tokens["api"] = _token(client)
    c.objects["api_client"] = client
    editor, writer = b.users["editor"], c.users["contributor"]

    plan = _plan(
        b.organisation,
        "BPA/PUBLIC",
        "Bravo public plan",
        is_public=True,
        review_contributor_updates=True,
    )
    work = DeliverableFactory(
        objective__priority__plan=plan,
        objective__priority__title="Bravo public priority",
        objective__title="Bravo public objective",
        title="Bravo public deliverable",
        lead_organisation=c.organisation,
        forecast_date="Q4",
        baseline_date="Q4",
    )

    def update(narrative: str):
        return record_update(deliverable=work, by=writer, narrative=narrative)

    def evidence(on, title: str):
        return attach_link(
            update=on, by=writer, url="https://example.org/evidence", title=title
        )

    accepted = update("Bravo public accepted narrative")
    shown = evidence(accepted, "Bravo public evidence")
    set_attachment_public(attachment=shown, by=editor, is_public=True)
    hidden = attach_file(
        update=accepted,
        by=writer,
        file=SimpleUploadedFile(
            "notes.pdf", PDF_BYTES + internal("file").encode(), "application/pdf"
        ),
        title=internal("evidence"),
    )
    accept_update(update=accepted, by=editor, comment=internal("accept-comment"))
    waiting = update(internal("waiting-narrative"))
    evidence(waiting, internal("waiting-evidence"))
    # Recorded last, so that it is still a task of C's (nothing recorded since).
    returned = update(internal("returned-narrative"))
    evidence(returned, internal("returned-evidence"))
    return_update(update=returned, by=editor, comment=internal("return-comment"))
    report = publish_report(plan=plan, period=accepted.period, by=editor)
    # Reopened, so that the returned update is still a task of C's.
    reopen_period(period=accepted.period, by=editor, reason="A late return.")
    draft_period = plan.reporting_periods.exclude(pk=accepted.period_id).first()
    save_commentary(
        plan=plan,
        period=draft_period,
        by=editor,
        texts={("summary", None): internal("commentary")},
    )
    b.objects.update(
        public_plan=plan,
        public_deliverable=work,
        public_period=accepted.period,
        public_draft_period=draft_period,
        public_report=report,
        accepted_update=accepted,
        returned_update=returned,
        waiting_update=waiting,
        public_evidence=shown,
        internal_evidence=hidden,
    )
    return c


def build_world() -> World:
    """Both organisations: A's plan published (not public), B's plans unseen by A."""
    secret = uuid.uuid4().hex
    a = _side("Alpha Police Authority", "APA", "alpha", lambda what: f"Alpha {what}")
    b = _side(
        "Bravo Police Authority",
        "BPA",
        "bravo",
        lambda what: f"SECRET-B-{secret}-{what}",
    )
    # B's draft: its owners' alone, whatever else holds.
    draft = _plan(b.organisation, "BPA/DRAFT", f"SECRET-B-{secret}-draft")
    draft.state = draft.State.DRAFT
    draft.save()
    b.objects["draft_deliverable"] = DeliverableFactory(
        objective__priority__plan=draft,
        objective__priority__title=f"SECRET-B-{secret}-draft-priority",
        objective__title=f"SECRET-B-{secret}-draft-objective",
        title=f"SECRET-B-{secret}-draft-deliverable",
        lead_organisation=b.organisation,
    )
    b.objects["draft"] = draft
    c = _public_plan(b, secret)
    for side in (a, b):
        assert not side.plan.is_public
        chart = charts_for(side.report.data, inline=False)["status"]["src"]
        side.objects["chart"] = chart.rstrip("/").split("/")[-1].removesuffix(".svg")
    return World(a=a, b=b, secret=secret, c=c)


def module_world(django_db_blocker, tmp_path_factory):
    """Yield the world for a module-scoped fixture: built once, rolled back after.

    Evidence files go to a temporary folder; passwords are hashed fast.
    """
    media = tmp_path_factory.mktemp("media")
    with (
        override_settings(
            MEDIA_ROOT=media,
            PASSWORD_HASHERS=[
                "django.contrib.auth.hashers.MD5PasswordHasher",
                "plans.oauth.ClientSecretHasher",  # API client secrets
            ],
        ),
        django_db_blocker.unblock(),
        transaction.atomic(),
    ):
        yield build_world()
        transaction.set_rollback(True)


@functools.cache
def _shared_handler():
    """One request handler for every client: each new one would load the middleware
    again, and WhiteNoise's reads every static file to do so (a tenth of a second)."""
    return ForceAuthClientHandler(enforce_csrf_checks=False)


def client_as(world: World, role: str, client=None):
    """A test client acting as ``role`` towards organisation A's objects.

    ``outsider`` is B's admin; ``api_own`` is A's API client and ``api_other`` B's,
    each with a bearer token (which the HTML pages do not take: to them, a bearer is
    signed out).
    """
    client = client or APIClient()
    client.handler = _shared_handler()
    if role in MEMBER_ROLES:
        client.force_login(world.a.users[role])
    elif role == "outsider":
        client.force_login(world.b.users["admin"])
    elif role == "api_own":
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {world.a.tokens['api']}")
    elif role == "api_other":
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {world.b.tokens['api']}")
    return client
