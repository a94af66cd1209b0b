"""``manage.py screenshots``: a picture of every page, behind ``make screenshots``.

It migrates the database, loads the demo (``load_demo``) into it, serves the app from a
thread on a free port of 127.0.0.1 and drives Debian's Chromium through every page of
the service that answers a GET with a page, each as the person who uses it (``SHOTS``),
writing ``<output>/<width>/<person>-<page>.png`` of the whole page at 1280 and 375
pixels wide. With ``--docs-images`` it also writes the README's three pictures (the
first screen of each at 1280 pixels, reduced to 256 colours) into that folder.

Each person is signed in by a session made on the server's side, as Django's test
client's ``force_login`` does: the sign-in form and two-factor sign-in have their own
tests. To show the two-factor pages, ``admin`` is given an authenticator app first.

A page that answers with an error, sends the person elsewhere (to sign in, say) or
cannot be drawn is reported, and the command then fails. Pages that are not pictures
(files, charts, the API's JSON) or that need a POST are left out, with why, in
``SKIPPED``; tests/perf/test_screenshots.py keeps both in step with
tests/permission_matrix.py.

It loads the demo, whose passwords are public, and writes to the database as the pages
do: run it on a new, throwaway database (``make screenshots`` makes one in ``var/``).
"""

from __future__ import annotations

import datetime
import io
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth import (
    BACKEND_SESSION_KEY,
    HASH_SESSION_KEY,
    SESSION_KEY,
    get_user_model,
)
from django.contrib.sessions.backends.db import SessionStore
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.core.servers.basehttp import ThreadedWSGIServer, WSGIRequestHandler
from django.core.wsgi import get_wsgi_application
from django.urls import reverse
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import TOTP
from PIL import Image
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import sync_playwright

from core.accounts import services as two_factor
from core.accounts.signals import TWO_FACTOR_STATE, VERIFY
from core.accounts.views import NEW_BACKUP_CODES
from deliverables.models import ProgressUpdate
from plans.models import Indicator, Plan, PlanVariation
from plans.services import create_indicator_definition
from scrutiny.models import PublishedReport

WIDTHS = (1280, 375)
#: How tall the window is at each width: the first screen of a page.
HEIGHTS = {1280: 900, 375: 812}
SIGNED_OUT = "signed-out"
#: The demo's people (deliverables/management/commands/load_demo.py), or nobody.
PEOPLE = (SIGNED_OUT, "reader", "force", "honorary", "editor", "admin")
CHROMIUM = "/usr/bin/chromium"  # Debian's; Playwright's own downloads are not used
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@dataclass(frozen=True)
class Shot:
    """One page as one person. ``args`` fill the URL pattern's arguments from the
    demo's objects by name (see ``Command.objects``); ``session`` names a state of
    two-factor sign-in that the page needs (see ``Command.session``); ``ready`` is
    what to wait for on a page that draws itself with a script; ``sends_on`` lets
    the address send the browser on, and the page it lands on is pictured."""

    person: str
    args: dict[str, str] = field(default_factory=dict)
    query: str = ""
    session: str = ""
    ready: str = ""
    sends_on: bool = False


P = {"plan": "plan"}
#: Q3 2017, the last quarter published; and Q4 2017, reopened for updates.
PUBLISHED = {"plan": "plan", "period": "published period"}
OPEN = {"plan": "plan", "period": "open period"}

#: Every page, by URL name, as the people who use it.
SHOTS: dict[str, tuple[Shot, ...]] = {
    "sign-in": (Shot(SIGNED_OUT),),
    "accessibility": (Shot(SIGNED_OUT),),
    "cookies": (Shot(SIGNED_OUT),),
    # Plans
    "plans:list": (Shot("editor"),),
    "plans:detail": (Shot("editor", {"pk": "plan"}),),
    "plans:variations": (Shot("editor", P),),
    "plans:start-variation": (Shot("editor", P),),
    "plans:edit-variation": (Shot("editor", {"plan": "plan", "pk": "variation"}),),
    "plans:add": (Shot("editor"),),
    "plans:edit": (Shot("editor", {"pk": "plan"}),),
    "plans:add-priority": (Shot("editor", P),),
    "plans:edit-priority": (Shot("editor", {"pk": "priority"}),),
    "plans:add-objective": (Shot("editor", P),),
    "plans:edit-objective": (Shot("editor", {"pk": "objective"}),),
    "plans:add-deliverable": (Shot("editor", P),),
    "plans:periods": (Shot("editor", P),),
    "plans:period": (Shot("editor", OPEN),),
    "plans:period-dates": (Shot("editor", OPEN),),
    "plans:indicators": (Shot("reader", P),),
    "plans:add-indicator": (Shot("editor", P),),
    "plans:edit-indicator": (Shot("editor", {"plan": "plan", "pk": "indicator"}),),
    "plans:indicator-values": (Shot("editor", {"pk": "indicator"}),),
    "plans:returns": (Shot("force", OPEN),),
    "plans:indicator-library": (Shot("editor", P),),
    "plans:add-definition": (Shot("editor", P),),
    "plans:edit-definition": (Shot("editor", {"plan": "plan", "pk": "definition"}),),
    "plans:missing": (Shot("editor", OPEN),),
    "plans:history-import": (Shot("editor", P),),
    # Deliverables
    "deliverables:list": (Shot("reader"),),
    "deliverables:review-queue": (Shot("editor"),),
    "deliverables:tasks": (Shot("force"),),
    "deliverables:import": (Shot("editor"),),
    "deliverables:detail": (Shot("reader", {"pk": "deliverable"}),),
    "deliverables:record": (Shot("force", {"pk": "deliverable"}),),
    "deliverables:add-evidence": (Shot("force", {"pk": "update"}),),
    "deliverables:merge": (Shot("editor", {"pk": "deliverable"}),),
    "deliverables:split": (Shot("editor", {"pk": "deliverable"}),),
    "deliverables:edit": (Shot("editor", {"pk": "deliverable"}),),
    "deliverables:add-milestone": (Shot("editor", {"deliverable": "deliverable"}),),
    "deliverables:edit-milestone": (Shot("editor", {"pk": "milestone"}),),
    # Scrutiny
    "scrutiny:decisions": (Shot("reader", P),),
    "scrutiny:add-decision": (Shot("editor", P),),
    "scrutiny:edit-decision": (Shot("editor", {"plan": "plan", "pk": "decision"}),),
    "scrutiny:reopen-period": (Shot("editor", PUBLISHED),),
    "scrutiny:overview": (Shot("reader"),),
    # The current period's (Q4 2017's), where the menu's Dashboards lead.
    "scrutiny:dashboard": (Shot("reader", P, sends_on=True),),
    "scrutiny:dashboard-period": (Shot("reader", PUBLISHED),),
    "scrutiny:drill-down": (Shot("reader", PUBLISHED, query="late=true"),),
    "scrutiny:timeline": (Shot("reader", {**PUBLISHED, "pk": "deliverable"}),),
    "scrutiny:publish": (Shot("editor", OPEN),),
    "scrutiny:commentary": (Shot("editor", OPEN),),
    # A public plan's published reports, as anyone reads them without signing in.
    "scrutiny:reports": (Shot(SIGNED_OUT, P), Shot("reader", P)),
    "scrutiny:report": (Shot("reader", {"pk": "report"}),),
    "scrutiny:report-drill-down": (
        Shot("reader", {"pk": "report"}, query="late=true"),
    ),
    "scrutiny:report-timeline": (
        Shot("reader", {"pk": "report", "deliverable": "deliverable"}),
    ),
    "scrutiny:actions": (Shot("reader", P),),
    "scrutiny:add-action": (Shot("editor", P),),
    "scrutiny:edit-action": (Shot("editor", {"plan": "plan", "pk": "action"}),),
    "scrutiny:respond-action": (Shot("force", {"pk": "action"}),),
    "scrutiny:recommendations": (Shot("reader", P),),
    "scrutiny:add-recommendation": (Shot("editor", P),),
    "scrutiny:import-recommendations": (Shot("editor", P),),
    "scrutiny:edit-recommendation": (
        Shot("editor", {"plan": "plan", "pk": "recommendation"}),
    ),
    "scrutiny:close-recommendation": (
        Shot("editor", {"plan": "plan", "pk": "responded_recommendation"}),
    ),
    "scrutiny:respond-recommendation": (Shot("force", {"pk": "recommendation"}),),
    "scrutiny:annual-reports": (Shot("reader", P), Shot("editor", P)),
    "scrutiny:annual-new": (Shot("editor", P),),
    "scrutiny:annual-year": (Shot("editor", {"plan": "plan", "year": "annual_year"}),),
    "scrutiny:annual-report": (Shot("reader", {"pk": "annual"}),),
    # Accounts: admin has two-factor sign-in on, editor has not.
    "accounts:account": (Shot("editor"), Shot("admin")),
    "accounts:set-up": (Shot("editor"),),
    "accounts:codes": (Shot("admin", session="new backup codes"),),
    "accounts:turn-off": (Shot("admin"),),
    "accounts:verify": (Shot("admin", session="owes a code"),),
    "audit:index": (Shot("admin"),),
    "audit:log": (Shot("admin", {"organisation": "organisation"}),),
    # Sign-in with the organisation's identity provider (issue 18).
    "socialaccount_login_cancelled": (Shot(SIGNED_OUT),),
    "socialaccount_login_error": (Shot(SIGNED_OUT),),
    "sign-in-no-role": (Shot("reader"),),
    # The API's interactive docs; the rest of the API answers JSON.
    "api-docs": (Shot("reader", ready=".opblock"),),
}

#: The site's addresses that are not pictured, with why.
SKIPPED: dict[str, str] = {
    "home": "sends each person on to the plans list (plans:list)",
    "sign-out": "takes only a POST",
    "brand-css": "a stylesheet",
    "plans:return-download": "a spreadsheet download",
    "plans:add-from-library": "takes only a POST",
    "plans:record-variation": "takes only a POST",
    "plans:discard-variation": "takes only a POST",
    "deliverables:evidence": "an evidence file download",
    "deliverables:evidence-public": "takes only a POST",
    "scrutiny:chart": "an SVG chart, pictured inside the dashboards",
    "scrutiny:indicator-chart": "an SVG chart, pictured inside the dashboards",
    "scrutiny:report-pdf": "a PDF download",
    "scrutiny:report-xlsx": "a spreadsheet download",
    "scrutiny:report-csv": "a CSV download",
    "scrutiny:recommendations-csv": "a CSV download",
    "scrutiny:recommendations-xlsx": "a spreadsheet download",
    "scrutiny:annual-report-pdf": "a PDF download",
    "scrutiny:annual-report-xlsx": "a spreadsheet download",
    "accounts:notifications": "takes only a POST (the form is on accounts:account)",
    "accounts:sign-out-everywhere": (
        "takes only a POST (the button is on accounts:account)"
    ),
    "deliverables:import-columns": "a step of an upload held in the session; "
    "tests/browser/test_import_journey.py walks and checks it",
    "deliverables:import-check": "a step of an upload held in the session; "
    "tests/browser/test_import_journey.py walks and checks it",
    "plans:change-deliverables": "reached by a POST of the deliverables chosen on "
    "the list; tests/browser/test_grouped_changes.py walks and checks it",
    # Sign-in with the organisation's identity provider (issue 18).
    "openid_connect_login": "sends the browser on to the organisation's identity "
    "provider; tests/browser/test_sign_in_oidc.py walks it",
    "openid_connect_callback": "where the identity provider sends the browser back; "
    "tests/browser/test_sign_in_oidc.py walks it",
}

#: The README's pictures (docs/images/<name>.png): a page's first screen at 1280 px.
README_IMAGES = {
    "dashboard": ("reader", "scrutiny:dashboard-period"),
    "deliverables": ("reader", "deliverables:list"),
    "record-progress": ("force", "deliverables:record"),
}


def demo_variation(plan: Plan) -> dict[str, Any]:
    """A variation of the plan being made, for its pages. The demo's year is over and
    locked, so none can start through the service: one is written as it would be."""
    return {
        "variation": PlanVariation.objects.filter(plan=plan, state="open").first()
        or PlanVariation.objects.create(
            plan=plan,
            takes_effect_on=plan.ends_on,
            reason="The panel asked for the cyber crime work to be a priority.",
            started_by=get_user_model().objects.get(username="editor"),
        )
    }


def demo_recommendations(plan: Plan) -> dict[str, Any]:
    """A recommendation of the plan awaiting the force's response and one responded
    to, for their pages: the demo's own when it has them."""
    from scrutiny.recommendations.models import Recommendation

    force = plan.deliverables.exclude(lead_organisation=plan.owner).first()
    owner = force.lead_organisation if force else plan.owner
    found = {}
    for name, state in (
        ("recommendation", "open"),
        ("responded_recommendation", "responded"),
    ):
        found[name] = Recommendation.objects.filter(
            plan=plan, state=state, owner=owner
        ).first() or Recommendation.objects.create(
            plan=plan,
            owner=owner,
            text="Improve the quality of crime recording, so that victims get the "
            "service they should.",
            source="hmicfrs",
            source_title="PEEL 2017: States of Jersey Police (invented for the demo)",
            published_on=plan.starts_on,
            due_on=plan.starts_on + datetime.timedelta(days=56),
            state=state,
            response="A crime data lead was appointed." if state != "open" else "",
            responded_on=plan.starts_on if state != "open" else None,
        )
    return found


@dataclass(frozen=True)
class UrlWord:
    """An address's argument that is a word, not a row's id (an annual report's
    year), given as ``pk`` as the objects' ids are."""

    pk: str


def demo_annual_report(plan: Plan) -> dict[str, Any]:
    """The demo year's annual report, published, for its pages: the demo's own when
    it has one, else made through the services (its panel's recommendation invented,
    and said to be)."""
    from scrutiny.annual import services as annual
    from scrutiny.annual.models import AnnualReport, PublishedAnnualReport

    found = (
        PublishedAnnualReport.objects.filter(plan=plan)
        .select_related("annual_report")
        .order_by("-pk")
        .first()
    )
    editor = get_user_model().objects.get(username="editor")
    waiting = AnnualReport.objects.filter(
        plan=plan, year="2017", state=AnnualReport.State.RESPONSE_RECORDED
    ).first()
    if found is None and waiting is not None:
        # The demo's own, answered and waiting for the Q4 report: published with
        # the reason recorded, for the published version's pages.
        annual.save_sections(
            report=waiting,
            by=editor,
            foreword=waiting.foreword,
            looking_ahead=waiting.looking_ahead,
            narratives=waiting.narratives,
            missing_quarters_reason="Illustrative (demonstration data): the Q4 2017 "
            "report is published with the next year's first.",
        )
        found = annual.publish_annual_report(report=waiting, by=editor)
    if found is None:
        report = annual.create_annual_report(plan=plan, year="2017", by=editor)
        annual.save_sections(
            report=report,
            by=editor,
            foreword="Illustrative (demonstration data): the year the force moved "
            "into its new headquarters.",
            missing_quarters_reason="Illustrative (demonstration data): the Q4 2017 "
            "report is published with the next year's first.",
        )
        annual.send_to_panel(
            report=report, by=editor, sent_on=datetime.date(2018, 2, 1)
        )
        annual.record_panel_recommendations(
            report=report,
            by=editor,
            reviewed_on=datetime.date(2018, 3, 1),
            texts=[
                "Illustrative (invented for the demo): report the new headquarters' "
                "running costs each quarter."
            ],
        )
        annual.record_response(
            report=report,
            by=editor,
            responded_on=datetime.date(2018, 3, 20),
            overall="Illustrative (invented for the demo): accepted.",
        )
        found = annual.publish_annual_report(report=report, by=editor)
    return {"annual_year": UrlWord(found.annual_report.year), "annual": found}


@dataclass(frozen=True)
class Visit:
    """A shot made ready to take: its address, and a session for each width (a page
    may use its session up, as the backup codes' page does)."""

    name: str
    shot: Shot
    address: str
    sessions: dict[int, str]

    @property
    def file_name(self) -> str:
        return f"{self.shot.person}-{self.name.replace(':', '-')}.png"


class QuietHandler(WSGIRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 (the signature is the base's)
        pass  # the command reports each page itself


@contextmanager
def serving() -> Iterator[str]:
    """The app on a free port of 127.0.0.1, served from a thread; its address."""
    server = ThreadedWSGIServer(("127.0.0.1", 0), QuietHandler)
    server.set_app(get_wsgi_application())
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        host, port = server.server_address[:2]
        yield f"http://{host}:{port}"
    finally:
        server.shutdown()
        server.server_close()


class Command(BaseCommand):
    help = "Write a PNG of every page of the demo at 1280 and 375 px wide."

    def add_arguments(self, parser):
        parser.add_argument(
            "--output",
            default=str(Path(settings.BASE_DIR) / "var" / "screenshots"),
            help="Folder for the pictures, one folder per width (var/screenshots).",
        )
        parser.add_argument(
            "--docs-images",
            help="Also write the README's pictures into this folder (docs/images).",
        )
        parser.add_argument(
            "--chromium", default=CHROMIUM, help=f"The browser ({CHROMIUM})."
        )

    def handle(self, *args, **options):
        started = time.perf_counter()
        if not settings.DEBUG:
            raise CommandError("The demo is loaded only with DEBUG=true.")
        call_command("migrate", interactive=False, verbosity=0)
        if Plan.objects.exists():
            raise CommandError(
                "This database already holds plans. screenshots loads the demo and "
                "writes to it: give it a new one (make screenshots does, in var/)."
            )
        call_command("load_demo", verbosity=0)
        # Everything the pages need from the database is made now: Playwright's sync
        # API runs an event loop in this thread, where Django refuses the ORM.
        visits = self.visits()
        self.stdout.write(f"Demo loaded in {time.perf_counter() - started:.0f} s.")

        output = Path(options["output"])
        docs = Path(options["docs_images"]) if options["docs_images"] else None
        written, failures = 0, []
        with serving() as base_url, sync_playwright() as playwright:
            self.stdout.write(f"Serving the demo on {base_url}")
            browser = playwright.chromium.launch(
                executable_path=options["chromium"], headless=True, args=CHROMIUM_ARGS
            )
            for visit in visits:
                for width in WIDTHS:
                    path = output / str(width) / visit.file_name
                    problem = self.picture(browser, base_url, visit, width, path)
                    if problem:
                        failures.append(
                            f"{visit.name} as {visit.shot.person}: {problem}"
                        )
                        self.stderr.write(f"FAILED {path}: {problem}")
                        continue
                    written += 1
                    self.stdout.write(str(path))
                    if docs and width == 1280:
                        self.readme_image(docs, visit, path)
            browser.close()
        self.stdout.write(
            f"{written} pictures of {len(visits)} pages at {len(WIDTHS)} widths in "
            f"{output}, in {time.perf_counter() - started:.0f} s; "
            f"{len(SKIPPED)} addresses are not pages and were left out."
        )
        if failures:
            raise CommandError(
                f"{len(failures)} pictures failed:\n" + "\n".join(failures)
            )

    def visits(self) -> list[Visit]:
        objects = self.objects()
        self.devices: dict[str, Any] = {}
        backup_codes = self.turn_on_two_factor("admin")
        visits = []
        for name, shots in SHOTS.items():
            for shot in shots:
                kwargs = {key: objects[value].pk for key, value in shot.args.items()}
                address = reverse(name, kwargs=kwargs)
                if shot.query:
                    address += "?" + shot.query
                sessions = {
                    width: self.session(shot.person, shot.session, backup_codes)
                    for width in WIDTHS
                }
                visits.append(Visit(name, shot, address, sessions))
        return visits

    def objects(self) -> dict[str, Any]:
        """The demo's objects each page is about, by the names ``SHOTS`` use."""
        plan = Plan.objects.get(reference="R.4/2017")
        report = PublishedReport.objects.filter(plan=plan).latest("period__starts_on")
        # The latest of the force's updates: its deliverable has a story to show.
        update = (
            ProgressUpdate.objects.filter(
                deliverable__plan=plan, recorded_by__username="force"
            )
            .select_related("deliverable__objective__priority")
            .latest("pk")
        )
        deliverable = update.deliverable
        editor = get_user_model().objects.get(username="editor")
        return {
            "plan": plan,
            "published period": report.period,
            "open period": plan.reporting_periods.order_by("starts_on").last(),
            "report": report,
            "priority": deliverable.objective.priority,
            "objective": deliverable.objective,
            "deliverable": deliverable,
            "milestone": plan.deliverables.exclude(milestones=None)
            .first()
            .milestones.first(),
            "update": update,
            "indicator": plan.indicators.first(),
            # The demo's library holds only the national measures, which are not
            # the organisation's to edit: one of its own.
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
            "organisation": plan.owner,
            **demo_variation(plan),
        }

    def turn_on_two_factor(self, username: str) -> list[str]:
        """Set ``username`` up with an authenticator app, as the set-up page does;
        return their backup codes."""
        user = get_user_model().objects.get(username=username)
        device = two_factor.start_two_factor(user=user)
        code = f"{TOTP(device.bin_key).token():06d}"
        device, backup_codes = two_factor.confirm_two_factor(user=user, code=code)
        self.devices[username] = device
        return backup_codes

    def session(self, person: str, state: str, backup_codes: list[str]) -> str:
        """A new session signed in as ``person`` (with their code given, when they
        use two-factor sign-in), or none for nobody; ``state`` is what else the
        page needs of it."""
        if person == SIGNED_OUT:
            return ""
        user = get_user_model().objects.get(username=person)
        session = SessionStore()
        session[SESSION_KEY] = user._meta.pk.value_to_string(user)
        # The backend that signs people in with a password (the first, django-axes,
        # only counts failures).
        session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        device = self.devices.get(person)
        if state == "owes a code":
            session[TWO_FACTOR_STATE] = VERIFY
        elif device is not None:
            session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        if state == "new backup codes":
            session[NEW_BACKUP_CODES] = backup_codes
        session.create()
        return session.session_key

    def picture(self, browser, base_url: str, visit: Visit, width: int, path) -> str:
        """Draw the whole page into ``path``; say what went wrong, if anything."""
        context = browser.new_context(
            base_url=base_url,
            viewport={"width": width, "height": HEIGHTS[width]},
            reduced_motion="reduce",
        )
        context.set_default_timeout(20_000)
        try:
            if visit.sessions[width]:
                cookie = {
                    "name": settings.SESSION_COOKIE_NAME,
                    "value": visit.sessions[width],
                    "url": base_url,
                }
                context.add_cookies([cookie])
            page = context.new_page()
            response = page.goto(visit.address)
            if response is None or response.status >= 400:
                status = response.status if response else "nothing"
                return f"{visit.address} answered {status}"
            landed = urlsplit(page.url)
            asked = urlsplit(base_url + visit.address)
            sent_on = (landed.path, landed.query) != (asked.path, asked.query)
            signed_out = landed.path == reverse("sign-in") != asked.path
            if sent_on and not visit.shot.sends_on or signed_out:
                return f"{visit.address} sent the browser to {landed.path}"
            if visit.shot.sends_on and not sent_on:
                return f"{visit.address} was to send the browser on, and did not"
            if visit.shot.ready:
                page.locator(visit.shot.ready).first.wait_for(state="visible")
            path.parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=path, full_page=True, animations="disabled")
            return ""
        except PlaywrightError as error:  # reported with the rest
            return f"{visit.address}: {error.message}"
        finally:
            context.close()

    def readme_image(self, folder: Path, visit: Visit, path: Path) -> None:
        """The first screen of ``path``, in 256 colours: small enough to commit."""
        for image_name, shot in README_IMAGES.items():
            if shot != (visit.shot.person, visit.name):
                continue
            with Image.open(path) as full:
                first = full.crop((0, 0, full.width, min(full.height, HEIGHTS[1280])))
                small = first.convert("RGB").quantize(colors=256, dither=0)
                buffer = io.BytesIO()
                small.save(buffer, format="PNG", optimize=True)
            folder.mkdir(parents=True, exist_ok=True)
            target = folder / f"{image_name}.png"
            target.write_bytes(buffer.getvalue())
            self.stdout.write(f"{target} ({len(buffer.getvalue()) // 1024} KB)")
