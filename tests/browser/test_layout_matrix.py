"""Every page fits the screen: each page of the permission matrix
(tests/permission_matrix.py), as each of the demo's people and signed out, at 320 and
1280 pixels wide, over the demo's plan (``manage.py load_demo``).

At each width, no page scrolls sideways (WCAG 2.2's reflow, 1.4.10) and no words are
cut off: a word past the right edge of the screen, or of a box that hides what
overflows it, counts, unless it sits in a frame of its own that scrolls sideways (a
wide table or chart on a phone). Such a frame can be reached with the keyboard and is
named for screen readers; at 1280 pixels nothing needs one. And axe finds nothing.

Only pages are looked at: the API, files, images and addresses that take only a POST
are left out. A page a person may not see (sent to sign in, 403 or 404) is skipped for
them. Every problem is collected before the test fails, so one run names them all.
"""

from urllib.parse import urlsplit

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from deliverables.evidence import attach_link
from plans.models import Indicator, Plan
from plans.services import create_indicator_definition
from scrutiny.models import PublishedReport
from tests.browser.conftest import axe_check
from tests.perf.management.commands.screenshots import (
    demo_annual_report,
    demo_recommendations,
    demo_variation,
)
from tests.permission_matrix import SITE

# The rows the migrations add (organisation kinds, the national measures) are put back
# after each test: the demo needs them, and a live server's test empties every table.
pytestmark = [
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture(scope="module", autouse=True)
def empty_database(django_db_setup, django_db_blocker):
    """Start from an empty database, as Django's serialized rollback expects.

    It puts back every row the migrations left, content types included, and fails on
    any already there. A live-server test that ran before this module on the same
    worker empties the tables but then lets Django recreate the content types and
    permissions; this removes them. A module-scoped fixture runs before the
    per-test database set-up, whenever this module's tests start (again) on a
    worker; between its own tests, each one's teardown leaves the tables empty."""
    with django_db_blocker.unblock():
        # Sequences carry on, as after Django's own flush between tests: the rows put
        # back keep their ids, and new rows must not be given those again.
        call_command(
            "flush",
            interactive=False,
            inhibit_post_migrate=True,
            reset_sequences=False,
            verbosity=0,
        )


WIDTHS = (320, 1280)
#: The demo's people (deliverables/management/commands/load_demo.py), or nobody.
PEOPLE = ("signed out", "reader", "force", "honorary", "editor", "admin")
#: Addresses that answer with something other than a page: files, images, styles.
NOT_PAGES = {
    "brand-css",
    "scrutiny:chart",
    "scrutiny:indicator-chart",
    "scrutiny:report-pdf",
    "scrutiny:report-xlsx",
    "scrutiny:report-csv",
    "scrutiny:recommendations-csv",
    "scrutiny:recommendations-xlsx",
    "scrutiny:annual-report-pdf",
    "scrutiny:annual-report-xlsx",
    "plans:return-download",
    "deliverables:evidence",
    "accounts:sign-out-everywhere",  # takes only a POST
    # Sign-in with an identity provider: addresses that send the browser on (issue 18).
    "openid_connect_login",
    "openid_connect_callback",
}
#: How many of a page's words cut off are named (the first show where it is).
CUT_OFF_SHOWN = 5
#: A link whose address is one long word, as people paste them.
LONG_URL = (
    "https://www.gov.je/Government/Departments/JusticeHomeAffairs/Pages/"
    "PolicingPlanQuarterlyPerformanceReportForTheStatesOfJerseyPolice2017.aspx"
)

# What a person sees of the page, measured in the page: how wide it is; each piece of
# text past the right edge of the screen, or of the box that clips it, outside any
# frame that scrolls; and each frame that scrolls sideways, with how it is named.
MEASURE = """
() => {
  const view = document.documentElement.clientWidth;
  const describe = (el) => el.tagName.toLowerCase() + (el.id ? "#" + el.id : "")
    + [...el.classList].map((c) => "." + c).join("");
  // The nearest box that does not let its content show past its edges.
  const frame = (el) => {
    for (let box = el; box && box !== document.body; box = box.parentElement) {
      const overflow = getComputedStyle(box).overflowX;
      if (overflow !== "visible") return [box, overflow];
    }
    return [null, "visible"];
  };
  const cutOff = [];
  const reported = new Set();
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let text = walker.nextNode(); text; text = walker.nextNode()) {
    const el = text.parentElement;
    if (!text.data.trim() || reported.has(el)) continue;
    if (!el.checkVisibility({ visibilityProperty: true })) continue;
    const range = document.createRange();
    range.selectNodeContents(text);
    const box = range.getBoundingClientRect();
    if (box.width < 2 || box.height < 2) continue;
    const [outer, overflow] = frame(el);
    let right = view;
    if (outer) {
      const edges = outer.getBoundingClientRect();
      // Words kept for screen readers only (govuk-visually-hidden): a 1px box.
      if (edges.width <= 1 || edges.height <= 1) continue;
      if (overflow === "auto" || overflow === "scroll") continue;
      right = Math.min(edges.right, view);
    }
    if (box.right > right + 1 || box.left < -1) {
      reported.add(el);
      cutOff.push(`${describe(el)} "${text.data.trim().slice(0, 40)}" runs to `
        + `${Math.round(box.right)} of ${Math.round(right)} px`);
    }
  }
  const frames = [];
  for (const el of document.body.querySelectorAll("*")) {
    const overflow = getComputedStyle(el).overflowX;
    if ((overflow === "auto" || overflow === "scroll")
        && el.scrollWidth > el.clientWidth + 1 && el.checkVisibility()) {
      frames.push({
        what: describe(el),
        named: ["region", "group"].includes(el.getAttribute("role"))
          && Boolean(el.ariaLabel || el.getAttribute("aria-labelledby")),
        focusable: el.tabIndex === 0,
        width: el.clientWidth,
        content: el.scrollWidth,
      });
    }
  }
  return { width: document.documentElement.scrollWidth, view, cutOff, frames };
}
"""


@pytest.fixture
def demo(settings):
    """The demo's plan, people, updates and published reports; and a link whose
    address is one long word on the deliverable whose title is longest."""
    settings.TASKS = {
        "default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}
    }  # the reports' PDFs are files, not pages: not drawn
    call_command("load_demo", force=True, verbosity=0)
    plan = Plan.objects.get(reference="R.4/2017")
    report = PublishedReport.objects.filter(plan=plan).latest("period__starts_on")
    deliverable = max(
        plan.deliverables.exclude(updates=None).select_related("objective__priority"),
        key=lambda d: len(d.title),
    )
    update = deliverable.updates.latest("pk")
    editor = get_user_model().objects.get(username="editor")
    attach_link(update=update, by=editor, url=LONG_URL, title=LONG_URL)
    return {
        "plan": plan,
        "period": report.period,
        "second_period": report.period,
        "report": report,
        "priority": deliverable.objective.priority,
        "objective": deliverable.objective,
        "deliverable": deliverable,
        "milestone": deliverable.milestones.first(),
        "update": update,
        "indicator": plan.indicators.first(),
        "definition": create_indicator_definition(
            owner=plan.owner,
            by=editor,
            title="Repeat victims of domestic abuse",
            unit="%",
            direction=Indicator.Direction.LOWER_IS_BETTER,
        ),
        "decision": plan.decision_notices.first(),
        "action": plan.scrutiny_actions.first(),
        **demo_recommendations(plan),
        **demo_annual_report(plan),
        **demo_variation(plan),
        "organisation": plan.owner,
    }


def pages(objects) -> list[tuple[str, str]]:
    """(name, address) of each page of the matrix, its arguments the demo's."""
    found = []
    for name, entry in SITE.items():
        if name in NOT_PAGES or all(o in {"405", "sign-in"} for o in entry.get):
            continue  # a file, or an address that takes only a POST
        kwargs = {
            arg: source[1:] if source.startswith("=") else objects[source].pk
            for arg, source in entry.args.items()
        }
        found.append((name, reverse(name, kwargs=kwargs)))
    return found


def signed_in(new_page, live_server, username, width):
    """A page at ``width`` pixels, signed in as ``username`` (or nobody) with a
    session made on the server's side: the sign-in form has its own tests."""
    page = new_page(viewport={"width": width, "height": 800})
    if username != "signed out":
        client = Client()
        client.force_login(get_user_model().objects.get(username=username))
        page.context.add_cookies(
            [
                {"name": c.key, "value": c.value, "url": live_server.url}
                for c in client.cookies.values()  # the session's
            ]
        )
    return page


def problems_of(page, width) -> list[str]:
    found = []
    measured = page.evaluate(MEASURE)
    if measured["width"] > measured["view"]:
        found.append(f"scrolls sideways: {measured['width']} px wide")
    cut_off = measured["cutOff"]
    found += [f"cut off: {what}" for what in cut_off[:CUT_OFF_SHOWN]]
    if len(cut_off) > CUT_OFF_SHOWN:
        found.append(f"and {len(cut_off) - CUT_OFF_SHOWN} more words cut off")
    for frame in measured["frames"]:
        what = f"{frame['what']} ({frame['content']} px in {frame['width']})"
        if width >= 1280:
            found.append(f"scrolls in its frame on a desktop: {what}")
        if not frame["focusable"]:
            found.append(f"a frame the keyboard cannot scroll: {what}")
        if not frame["named"]:
            found.append(f"a frame with no role and name: {what}")
    try:
        axe_check(page)
    except pytest.fail.Exception as failure:
        found.append(str(failure))
    return found


@pytest.mark.parametrize("username", PEOPLE)
def test_every_page_fits_a_phone_and_a_desktop(new_page, live_server, demo, username):
    report = []
    seen = 0
    for width in WIDTHS:
        page = signed_in(new_page, live_server, username, width)
        for name, address in pages(demo):
            response = page.goto(address)
            if response.status != 200 or (
                urlsplit(page.url).path == reverse("sign-in") and name != "sign-in"
            ):
                assert response.status < 500, f"{name} ({address}) failed"
                continue  # not a page this person may see
            seen += 1
            report += [
                f"{width} px, {name} ({address}): {problem}"
                for problem in problems_of(page, width)
            ]
    assert seen, f"no page was looked at as {username}"
    assert not report, f"As {username}:\n" + "\n".join(report)
