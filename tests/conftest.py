"""The one world every test shares: its organisations, its people and their plans.

Organisations
    ``authority``  Jersey Police Authority (JPA), which owns the plans.
    ``force``      States of Jersey Police (SOJP), which leads most of the work.
    ``partner``    Honorary Police (HP), a partner that co-owns some of it.

People (one per role, with fixed names so pages and audit trails can be read)
    ``reader``               Rory Reader reads the authority's plans.
    ``editor``               Erin Editor edits the authority's plans.
    ``admin``                Alex Admin administers the authority.
    ``contributor``          Farah Force reports progress for the force.
    ``partner_contributor``  Hugh Honorary reports progress for the partner.
    ``outsider``             Olly Outsider administers another force altogether.

Plans and work
    ``plan``          R.4/2017, the Jersey plan of 2017 (its periods are in the past),
                      with ``q2``, its second quarter, and ``safe``, its priority 1.
    ``deliverable``   a deliverable of ``plan`` the force leads, due in Q2.
    ``current_plan``  a published plan for this calendar year, so "now" falls in it.
    ``led``           "Daytime patrol strategy", in progress, which the force leads.
    ``owned``         a deliverable the authority leads and the partner co-owns.

A module that needs another kind of person or work makes it beside its tests, under
a name of its own. The permission matrix builds a second world of two organisations
(tests/permission_world.py) with the same builders (tests/factories.py).
"""

import os

import pytest
from django.core.servers.basehttp import WSGIServer
from django.test import override_settings
from django.utils import timezone
from pytest_django.live_server_helper import LiveServer

from deliverables.choices import Status
from plans.models import Membership, OrganisationKind
from tests.factories import (
    DeliverableFactory,
    DeliverableOwnerFactory,
    ForceFactory,
    OrganisationFactory,
    PriorityFactory,
    member,
    plan_for_year,
)


@pytest.fixture(scope="session", autouse=True)
def media_root(tmp_path_factory):
    """Uploaded and generated files (evidence, report PDFs) go to a folder of the
    test run's own, never the developer's var/media. Session-wide, so a world built
    once for a module (tests/permission_world.py) may set its own folder inside it."""
    with override_settings(MEDIA_ROOT=tmp_path_factory.mktemp("media")):
        yield


@pytest.fixture(autouse=True)
def test_settings(settings):
    """Fast password hashing (tests need speed, not secrecy), and static files served
    without the manifest so tests do not depend on collectstatic having run."""
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.MD5PasswordHasher",
        "plans.oauth.ClientSecretHasher",  # API client secrets (issue 18)
    ]
    settings.STORAGES = settings.STORAGES | {
        "staticfiles": {
            "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        }
    }


class _OneRequestAtATime(WSGIServer):
    """The live server, serving one request at a time (and closing each connection).

    With SQLite the test database is in memory and the server thread shares the
    test's one connection; Django's threaded server would let a page's parallel
    requests (its charts, say) use that connection at once, which SQLite refuses
    ("bad parameter or other API misuse"), so a session read fails at random."""

    def __init__(self, *args, connections_override=None, **kwargs):
        super().__init__(*args, **kwargs)


@pytest.fixture(scope="session")
def live_server(request):
    """pytest-django's live server; single-threaded when it shares an in-memory
    SQLite connection (PostgreSQL keeps the threaded server)."""
    address = (
        request.config.getvalue("liveserver")
        or os.getenv("DJANGO_LIVE_TEST_SERVER_ADDRESS")
        or "localhost"
    )
    server = LiveServer(address, start=False)
    if server.thread.connections_override:
        server.thread.server_class = _OneRequestAtATime
    server.start()
    yield server
    server.stop()


@pytest.fixture
def authority(db):
    return OrganisationFactory(name="Jersey Police Authority", short_name="JPA")


@pytest.fixture
def force(db):
    return ForceFactory(name="States of Jersey Police", short_name="SOJP")


@pytest.fixture
def partner(db):
    return OrganisationFactory(
        name="Honorary Police",
        short_name="HP",
        kind=OrganisationKind.objects.get_or_create(
            slug=OrganisationKind.PARTNER, defaults={"name": "Partner"}
        )[0],
    )


@pytest.fixture(autouse=True)
def authority_works_with(request):
    """Where a test has the authority and the force or the partner, the authority
    lists them as its partners, as the JPA works with SOJP and the Honorary Police:
    so its editors may name them as owners and leads (``plans.selectors.works_with``)
    although the test's plan has no deliverable of theirs yet."""
    names = request.fixturenames
    if "authority" not in names:
        return
    others = [n for n in ("force", "partner") if n in names]
    if others:
        authority = request.getfixturevalue("authority")
        authority.partners.add(*(request.getfixturevalue(n) for n in others))


@pytest.fixture
def reader(authority):
    """Rory reads the authority's plans but edits nothing."""
    return member(authority, Membership.Role.READER, "rory", "Rory Reader")


@pytest.fixture
def editor(authority):
    """Erin edits the authority's plans."""
    return member(authority, Membership.Role.EDITOR, "erin", "Erin Editor")


@pytest.fixture
def admin(authority):
    """Alex administers the authority: its members, clients and plans."""
    return member(authority, Membership.Role.ADMIN, "alex", "Alex Admin")


@pytest.fixture
def contributor(force):
    """Farah reports progress for the force."""
    return member(force, Membership.Role.CONTRIBUTOR, "farah", "Farah Force")


@pytest.fixture
def partner_contributor(partner):
    """Hugh reports progress for the partner."""
    return member(partner, Membership.Role.CONTRIBUTOR, "hugh", "Hugh Honorary")


@pytest.fixture
def outsider(db):
    """Olly belongs to another force altogether."""
    return member(ForceFactory(), Membership.Role.ADMIN, "olly", "Olly Outsider")


@pytest.fixture
def personas(reader, editor, admin, contributor, partner_contributor):
    """One person per column of the API permission matrix, by role."""
    return {
        "anonymous": None,
        "reader": reader,
        "contributor_other": partner_contributor,
        "contributor_lead": contributor,
        "editor": editor,
        "admin": admin,
    }


@pytest.fixture
def plan(authority):
    return plan_for_year(
        authority, 2017, reference="R.4/2017", title="2017 Policing Plan"
    )


@pytest.fixture
def q2(plan):
    """The 2017 plan's second quarter."""
    return plan.reporting_periods.order_by("starts_on")[1]


@pytest.fixture
def safe(plan):
    """The 2017 plan's first top-level priority, with its success statement."""
    return PriorityFactory(
        plan=plan,
        reference="1",
        title="Keep people safe",
        success_statement="Fewer people are hurt on the roads.",
        position=1,
    )


@pytest.fixture
def deliverable(plan, force):
    return DeliverableFactory(
        objective__priority__plan=plan,
        lead_organisation=force,
        baseline_date="Q2",
        forecast_date="Q2",
    )


@pytest.fixture
def current_plan(authority):
    """A published plan for this calendar year, so "now" falls in one of its periods."""
    year = timezone.localdate().year
    return plan_for_year(
        authority, year, reference=f"PP/{year}", title=f"{year} Policing Plan"
    )


@pytest.fixture
def led(current_plan, force):
    """A deliverable the force leads, in progress and due at the year's end."""
    return DeliverableFactory(
        objective__priority__plan=current_plan,
        reference="3.1.1.1.1",
        title="Daytime patrol strategy",
        status=Status.IN_PROGRESS,
        lead_organisation=force,
        forecast_date="Q4",
        baseline_date="Q4",
    )


@pytest.fixture
def owned(current_plan, authority, partner):
    """A deliverable the authority leads and the partner co-owns."""
    deliverable = DeliverableFactory(
        objective__priority__plan=current_plan,
        reference="3.2.1.1.1",
        lead_organisation=authority,
    )
    DeliverableOwnerFactory(
        deliverable=deliverable, role="Parish liaison", organisation=partner
    )
    return deliverable
