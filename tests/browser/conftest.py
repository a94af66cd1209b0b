"""Browser tests: Debian's Chromium driven by Playwright against pytest-django's
live server, with every page checked by axe and for Content-Security-Policy
violations.

Chromium comes from Debian (``.ci/run`` installs it), never from Playwright's own
browser downloads.
"""

import datetime
import os
import re
import weakref

# Playwright's sync API runs an event loop in this thread; the ORM calls the tests make
# between browser steps are still synchronous and safe.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

import pytest  # noqa: E402
from axe_playwright_python.sync_playwright import Axe  # noqa: E402
from django.utils import timezone  # noqa: E402
from playwright.sync_api import Error as PlaywrightError  # noqa: E402
from playwright.sync_api import sync_playwright  # noqa: E402

from deliverables.models import Status  # noqa: E402
from tests.factories import (  # noqa: E402
    DeliverableFactory,
)

CHROMIUM = "/usr/bin/chromium"
PASSWORD = "correct-horse-battery"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
CSP_SIGNS = ("Content Security Policy", "Refused to", "securitypolicyviolation")

# Report CSP violations on the console too, where the page fixture collects them.
REPORT_CSP_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (event) => {
  console.error(
    "securitypolicyviolation: " + event.violatedDirective + " blocked "
    + (event.blockedURI || "inline") + " at " + event.sourceFile + ":"
    + event.lineNumber
  );
});
"""

_axe = Axe()
# Pages whose context runs no script: axe cannot run in them (no timers fire there).
_WITHOUT_JAVASCRIPT = weakref.WeakSet()


@pytest.fixture(scope="session")
def browser():
    if not os.access(CHROMIUM, os.X_OK):
        if os.environ.get("CI"):
            pytest.fail(f"{CHROMIUM} is missing: .ci/run installs Debian's chromium.")
        pytest.skip(f"{CHROMIUM} is missing: apt-get install chromium")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture
def new_page(browser, live_server):
    """Open a page in a fresh context (``java_script_enabled=False`` for the no-JS
    journeys); at teardown, fail on any CSP violation or script error it logged."""
    contexts = []
    console = []
    errors = []

    def open_page(**context_args):
        context = browser.new_context(base_url=live_server.url, **context_args)
        context.set_default_timeout(10_000)
        context.add_init_script(REPORT_CSP_VIOLATIONS)
        contexts.append(context)
        page = context.new_page()
        page.on("console", lambda msg: console.append(f"[{msg.type}] {msg.text}"))
        page.on("pageerror", lambda error: errors.append(str(error)))
        if context_args.get("java_script_enabled") is False:
            _WITHOUT_JAVASCRIPT.add(page)
        return page

    yield open_page
    for context in contexts:
        context.close()
    violations = [m for m in console if any(sign in m for sign in CSP_SIGNS)]
    if violations:
        pytest.fail("CSP violations:\n" + "\n".join(violations), pytrace=False)
    if errors:
        pytest.fail("Script errors:\n" + "\n".join(errors), pytrace=False)


@pytest.fixture
def page(new_page):
    return new_page()


def axe_check(page):
    """Fail on any WCAG 2.2 AA violation axe finds on the page as it is now."""
    if page in _WITHOUT_JAVASCRIPT:
        _axe_check_without_javascript(page)
        return
    results = _run_axe(page)
    violations = results.response["violations"]
    report = []
    for violation in violations:
        report.append(f"{violation['id']} ({violation['impact']}): {violation['help']}")
        for node in violation["nodes"]:
            report.append(f"    {', '.join(map(str, node['target']))}: {node['html']}")
    if violations:
        pytest.fail(f"axe on {page.url}:\n" + "\n".join(report), pytrace=False)


# What a page answers when axe starts while a click's navigation replaces the document.
_MID_NAVIGATION = ("Execution context was destroyed", "reading 'documentElement'")


def _run_axe(page, attempts=3):
    """Run axe on the page once it has loaded.

    A click on a link returns once the navigation starts, so the old document may still
    be "loaded" when this is called and be replaced while axe reads it; then wait for
    the new document to load and run axe again on it (the last attempt's error
    stands)."""
    options = {"runOnly": {"type": "tag", "values": AXE_TAGS}}
    for _ in range(attempts - 1):
        page.wait_for_load_state("load")
        try:
            return _axe.run(page, options=options)
        except PlaywrightError as error:
            if not any(sign in str(error) for sign in _MID_NAVIGATION):
                raise
    page.wait_for_load_state("load")
    return _axe.run(page, options=options)


def _axe_check_without_javascript(page):
    """Check what a page without JavaScript shows: its HTML, less its scripts, served
    again at its own address to a page that may run axe, with the same stylesheets.

    It waits for the page to finish loading first: a click on a link returns once the
    navigation starts, when the new document may still be empty."""
    page.wait_for_load_state("load")
    html = re.sub(r"<script\b.*?</script>", "", page.content(), flags=re.S | re.I)
    context = page.context.browser.new_context()
    try:
        inspector = context.new_page()

        def serve(route):
            if route.request.resource_type == "document":
                route.fulfill(content_type="text/html; charset=utf-8", body=html)
            else:
                route.continue_()

        inspector.route("**/*", serve)
        inspector.goto(page.url)
        assert inspector.evaluate("!document.body.classList.contains('js-enabled')")
        axe_check(inspector)
    finally:
        context.close()


def sign_in(page, username):
    """Sign in through the sign-in page, checking it on the way."""
    page.goto("/sign-in/")
    axe_check(page)
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/plans/")


@pytest.fixture
def workspace(transactional_db, editor, contributor, force, current_plan):
    """The world's plan for this calendar year (tests/conftest.py), so today falls in
    a reporting period, with three deliverables the force leads: one of them late."""
    today = timezone.localdate()
    year = today.year
    plan = current_plan
    # Due yesterday and still open: late as of today (even on 1 January).
    yesterday = (today - datetime.timedelta(days=1)).strftime("%d/%m/%Y")
    late = DeliverableFactory(
        objective__priority__plan=plan,
        lead_organisation=force,
        reference="1.1.1",
        title="Open the new custody suite",
        status=Status.IN_PROGRESS,
        baseline_date=yesterday,
        forecast_date=yesterday,
    )
    # Due by the end of the year: never before today.
    on_time = [
        DeliverableFactory(
            objective__priority__plan=plan,
            lead_organisation=force,
            reference=reference,
            title=title,
            status=Status.IN_PROGRESS,
            baseline_date=f"Q4 {year}",
            forecast_date=f"Q4 {year}",
        )
        for reference, title in [
            ("1.1.2", "Recruit twenty more officers"),
            ("1.1.3", "Roll out body-worn video"),
        ]
    ]
    return {
        "plan": plan,
        "editor": editor,
        "contributor": contributor,
        "late": late,
        "on_time": on_time,
    }
