"""The permission matrix as data: for every URL pattern, what each role gets for a
GET, a POST and any other method (a DELETE stands for PUT, PATCH and the rest).

The roles are towards organisation A's objects (see tests/permission_world.py):
signed out; A's reader, contributor, editor and admin; an admin of organisation B
(the "other organisation"); A's API client; and B's API client. API clients send a
bearer token, which the HTML pages do not take: to a page, a client is signed out.

Outcomes:

- ``ok``: let in; the page or answer (or a redirect after a successful POST);
- ``400``: let in, but the body sent is refused as invalid (the test sends an empty
  form to pages; the bulk API refuses an update one may not write with a 400 naming
  ``deliverable``, all or nothing);
- ``sign-in``: a redirect to the sign-in page;
- ``401``: the API's "sign in or send a token" (problem JSON);
- ``403``: refused, though the person can see what the address is about (they may
  not do this to it);
- ``404``: refused as if it did not exist: the person may not know it is there, or
  the page is for a role they hold nowhere (nothing leaks about others' objects);
- ``405``: the method is not one the URL takes.

The rule that decides between 403 and 404 is ``RULE``, which docs/permissions.md
states. tests/test_permission_matrix.py requests every pattern as every role and
checks these; it fails when a pattern has no entry here, or an entry names no
pattern. docs/permissions.md is generated from this file (see ``markdown``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from django.urls import URLPattern, URLResolver, get_resolver

from tests.permission_world import ROLE_LABELS, ROLES

OUTCOMES = ("ok", "400", "sign-in", "401", "403", "404", "405", "409")
METHODS = ("GET", "POST", "other")


def row(text: str) -> tuple[str, ...]:
    """Eight outcomes, one per role, in the order of ``ROLES``."""
    outcomes = tuple(text.split())
    assert len(outcomes) == len(ROLES), text
    assert set(outcomes) <= set(OUTCOMES), text
    return outcomes


# Rows that recur, each in the order of ``ROLES``: signed out, reader, contributor,
# editor, admin, other organisation, API client, other API client.
OPEN = row("ok ok ok ok ok ok ok ok")
NOT_ALLOWED = row("405 405 405 405 405 405 405 405")
#: A page of A's plan that every member of A sees.
MEMBERS = row("sign-in ok ok ok ok 404 sign-in sign-in")
#: Pages that show each person what they may see: the other organisation its own.
SIGNED_IN = row("sign-in ok ok ok ok ok sign-in sign-in")
#: Signed in, then the method is not one the page takes.
SIGNED_IN_405 = row("sign-in 405 405 405 405 405 sign-in sign-in")
#: The plan's editors only. The other members of its organisation see the plan, so
#: they are refused (403); anyone else is told it does not exist (404).
EDITORS = row("sign-in 403 403 ok ok 404 sign-in sign-in")
EDITORS_400 = row("sign-in 403 403 400 400 404 sign-in sign-in")
EDITORS_405 = row("sign-in 403 403 405 405 404 sign-in sign-in")
#: Editors of any policing body (the other organisation's admin edits its own). A
#: page about no one plan: someone who edits nowhere is told it does not exist.
BODY_EDITORS = row("sign-in 404 404 ok ok ok sign-in sign-in")
BODY_EDITORS_400 = row("sign-in 404 404 400 400 400 sign-in sign-in")
BODY_EDITORS_404 = row("sign-in 404 404 404 404 404 sign-in sign-in")
BODY_EDITORS_405 = row("sign-in 404 404 405 405 405 sign-in sign-in")
#: Whoever may write for A's work (or send its returns): contributors and up. A
#: reader sees the plan but writes nothing (403).
WRITERS = row("sign-in 403 ok ok ok 404 sign-in sign-in")
WRITERS_400 = row("sign-in 403 400 400 400 404 sign-in sign-in")
WRITERS_405 = row("sign-in 403 405 405 405 404 sign-in sign-in")
#: Published reports and dashboards, which a public plan shows to anyone.
REPORT = row("404 ok ok ok ok 404 404 404")
#: The API: 401 signed out; what is seen is cut by ``visible_to``.
API_LIST = row("401 ok ok ok ok ok ok ok")
API_DETAIL = row("401 ok ok ok ok 404 ok 404")
API_405 = row("401 405 405 405 405 405 405 405")
API_WRITE = row("401 404 ok ok ok 404 ok 404")
#: The bulk endpoint refuses an update one may not write in a 400 naming it.
API_BULK = row("401 400 ok ok ok 400 ok 400")
#: The editor API (the plan's structure): the plan's editors, and clients with the
#: plans:write scope (which neither world client has: 403 before anything is
#: read). A reader sees the plan, so is refused (403); another organisation's plan
#: named in a body is refused as a field (400), and in the URL is not found (404).
API_STRUCTURE_ADD = row("401 403 403 ok ok 400 403 403")
API_STRUCTURE_CHANGE = row("401 403 403 ok ok 404 403 403")
#: Removing a part something still hangs from (A's priority has an objective, its
#: objective a deliverable): let in, and refused (409) for what holds it.
API_STRUCTURE_HELD = row("401 403 403 409 409 404 403 403")


@dataclass(frozen=True)
class Entry:
    """What each role gets from one URL pattern, by method.

    ``args`` fills the pattern's arguments from organisation A's objects (by name in
    tests/permission_world.py), or takes a literal after ``=``; ``body`` names the
    POST body sent (see ``bodies`` in the test): an empty form when not given.
    """

    get: tuple[str, ...]
    post: tuple[str, ...]
    other: tuple[str, ...]
    args: dict[str, str] = field(default_factory=dict)
    body: str = ""

    def outcomes(self, method: str) -> tuple[str, ...]:
        return {"GET": self.get, "POST": self.post, "other": self.other}[method]


def page(get, post=None, other=None, **kwargs) -> Entry:
    """A page whose POST (when it takes none) answers as any other method does."""
    other = post if other is None else other
    return Entry(get, other if post is None else post, other, **kwargs)


P = {"plan": "plan"}
PP = {"plan": "plan", "period": "period"}

SITE: dict[str, Entry] = {
    "home": page(SIGNED_IN, NOT_ALLOWED),
    "sign-in": page(
        OPEN,
        OPEN,
        row("405 ok ok ok ok ok 405 405"),  # signed in: sent on
    ),
    # Signing out sends everyone to the sign-in page.
    "sign-out": page(NOT_ALLOWED, row("sign-in " * 8), NOT_ALLOWED),
    "brand-css": page(OPEN, NOT_ALLOWED),
    "accessibility": page(OPEN, NOT_ALLOWED),
    "cookies": page(OPEN, NOT_ALLOWED),
    # Plans
    "plans:list": page(SIGNED_IN, SIGNED_IN_405),
    "plans:detail": page(MEMBERS, SIGNED_IN_405, args={"pk": "plan"}),
    # A plan's variations: whoever sees the plan (the public, for a public plan);
    # varying it, its editors.
    "plans:variations": page(REPORT, NOT_ALLOWED, args=P),
    "plans:start-variation": page(EDITORS, EDITORS_400, SIGNED_IN_405, args=P),
    "plans:edit-variation": page(
        EDITORS, EDITORS_400, SIGNED_IN_405, args={"plan": "plan", "pk": "variation"}
    ),
    "plans:record-variation": page(
        SIGNED_IN_405, EDITORS, SIGNED_IN_405, args={"plan": "plan", "pk": "variation"}
    ),
    "plans:discard-variation": page(
        SIGNED_IN_405, EDITORS, SIGNED_IN_405, args={"plan": "plan", "pk": "variation"}
    ),
    "plans:add": page(BODY_EDITORS, BODY_EDITORS, BODY_EDITORS_405),
    "plans:edit": page(EDITORS, EDITORS, EDITORS_405, args={"pk": "plan"}),
    "plans:add-priority": page(EDITORS, EDITORS, EDITORS_405, args=P),
    "plans:edit-priority": page(EDITORS, EDITORS, EDITORS_405, args={"pk": "priority"}),
    "plans:add-objective": page(EDITORS, EDITORS, EDITORS_405, args=P),
    "plans:edit-objective": page(
        EDITORS, EDITORS, EDITORS_405, args={"pk": "objective"}
    ),
    "plans:add-deliverable": page(EDITORS, EDITORS, EDITORS_405, args=P),
    # Without deliverables chosen, both send the editor back to the list.
    "plans:change-deliverables": page(EDITORS, EDITORS, EDITORS_405, args=P),
    "plans:periods": page(MEMBERS, SIGNED_IN_405, args=P),
    "plans:period": page(MEMBERS, SIGNED_IN_405, args=PP),
    "plans:period-dates": page(EDITORS, EDITORS_400, SIGNED_IN_405, args=PP),
    "plans:indicators": page(MEMBERS, SIGNED_IN_405, args=P),
    "plans:add-indicator": page(EDITORS, EDITORS_400, SIGNED_IN_405, args=P),
    "plans:edit-indicator": page(
        EDITORS, EDITORS_400, SIGNED_IN_405, args={"plan": "plan", "pk": "indicator"}
    ),
    # Plan editors, and contributors of the organisations with work in the plan.
    "plans:indicator-values": page(
        WRITERS, WRITERS, SIGNED_IN_405, args={"pk": "indicator"}
    ),
    "plans:returns": page(WRITERS, WRITERS_400, WRITERS_405, args=PP),
    "plans:return-download": page(
        WRITERS, WRITERS_405, args={**PP, "organisation": "organisation"}
    ),
    "plans:indicator-library": page(EDITORS, SIGNED_IN_405, args=P),
    "plans:add-from-library": page(
        SIGNED_IN_405, EDITORS, SIGNED_IN_405, args={"plan": "plan", "pk": "definition"}
    ),
    "plans:add-definition": page(EDITORS, EDITORS_400, SIGNED_IN_405, args=P),
    "plans:edit-definition": page(
        EDITORS, EDITORS_400, SIGNED_IN_405, args={"plan": "plan", "pk": "definition"}
    ),
    # Editors see every organisation's; contributors their own; readers none (403).
    "plans:missing": page(WRITERS, SIGNED_IN_405, args=PP),
    "plans:history-import": page(EDITORS, EDITORS_400, SIGNED_IN_405, args=P),
    # Deliverables
    "deliverables:list": page(SIGNED_IN, SIGNED_IN_405),
    # An empty POST names no update waiting for this editor: 404.
    "deliverables:review-queue": page(BODY_EDITORS, BODY_EDITORS_404, SIGNED_IN_405),
    "deliverables:import": page(BODY_EDITORS, BODY_EDITORS_400, BODY_EDITORS_405),
    # Your tasks: each writer's own organisation's; a reader has no tasks (404).
    "deliverables:tasks": page(
        row("sign-in 404 ok ok ok ok sign-in sign-in"), SIGNED_IN_405
    ),
    # An upload's later steps: a token no longer held sends the editor back to the
    # upload, with a message.
    "deliverables:import-columns": page(
        BODY_EDITORS, BODY_EDITORS, BODY_EDITORS_405, args={"token": "=gone"}
    ),
    "deliverables:import-check": page(
        BODY_EDITORS, BODY_EDITORS, BODY_EDITORS_405, args={"token": "=gone"}
    ),
    "deliverables:detail": page(MEMBERS, SIGNED_IN_405, args={"pk": "deliverable"}),
    "deliverables:record": page(
        WRITERS, WRITERS, WRITERS_405, args={"pk": "deliverable"}
    ),
    "deliverables:add-evidence": page(
        WRITERS, WRITERS_400, WRITERS_405, args={"pk": "update"}
    ),
    # Not signed in, the file of a public plan's published evidence only.
    "deliverables:evidence": page(
        row("404 ok ok ok ok 404 ok 404"), NOT_ALLOWED, args={"pk": "evidence"}
    ),
    "deliverables:evidence-public": page(
        SIGNED_IN_405, EDITORS, SIGNED_IN_405, args={"pk": "evidence"}
    ),
    "deliverables:merge": page(
        EDITORS, EDITORS, EDITORS_405, args={"pk": "deliverable"}
    ),
    "deliverables:split": page(
        EDITORS, EDITORS, EDITORS_405, args={"pk": "deliverable"}
    ),
    "deliverables:edit": page(
        EDITORS, EDITORS, EDITORS_405, args={"pk": "deliverable"}
    ),
    "deliverables:add-milestone": page(
        EDITORS, EDITORS, EDITORS_405, args={"deliverable": "deliverable"}
    ),
    "deliverables:edit-milestone": page(
        EDITORS, EDITORS, EDITORS_405, args={"pk": "milestone"}
    ),
    # Scrutiny
    "scrutiny:decisions": page(MEMBERS, SIGNED_IN_405, args=P),
    "scrutiny:add-decision": page(EDITORS, EDITORS_400, SIGNED_IN_405, args=P),
    "scrutiny:edit-decision": page(
        EDITORS, EDITORS_400, SIGNED_IN_405, args={"plan": "plan", "pk": "decision"}
    ),
    "scrutiny:reopen-period": page(EDITORS, EDITORS_400, SIGNED_IN_405, args=PP),
    "scrutiny:overview": page(OPEN, NOT_ALLOWED),
    # The figures are in the signed token: it reads nothing from the database.
    "scrutiny:chart": page(OPEN, NOT_ALLOWED, args={"token": "chart"}),
    "scrutiny:dashboard": page(REPORT, NOT_ALLOWED, args=P),
    "scrutiny:dashboard-period": page(REPORT, NOT_ALLOWED, args=PP),
    "scrutiny:drill-down": page(MEMBERS, SIGNED_IN_405, args=PP),
    # An indicator's chart on the live dashboard (an SVG): whoever sees the plan's
    # dashboard; signed out, no live figures.
    "scrutiny:indicator-chart": page(
        MEMBERS,
        SIGNED_IN_405,
        args={"plan": "plan", "period": "second_period", "indicator": "indicator"},
    ),
    "scrutiny:timeline": page(MEMBERS, SIGNED_IN_405, args={**PP, "pk": "deliverable"}),
    "scrutiny:publish": page(EDITORS, EDITORS_400, SIGNED_IN_405, args=PP),
    "scrutiny:commentary": page(EDITORS, EDITORS_400, SIGNED_IN_405, args=PP),
    "scrutiny:reports": page(REPORT, NOT_ALLOWED, args=P),
    "scrutiny:report": page(REPORT, NOT_ALLOWED, args={"pk": "report"}),
    "scrutiny:report-drill-down": page(REPORT, NOT_ALLOWED, args={"pk": "report"}),
    "scrutiny:report-timeline": page(
        REPORT, NOT_ALLOWED, args={"pk": "report", "deliverable": "deliverable"}
    ),
    "scrutiny:report-pdf": page(REPORT, NOT_ALLOWED, args={"pk": "report"}),
    "scrutiny:report-xlsx": page(REPORT, NOT_ALLOWED, args={"pk": "report"}),
    "scrutiny:report-csv": page(
        REPORT, NOT_ALLOWED, args={"pk": "report", "table": "=status"}
    ),
    # Annual reports: the list and published versions as published reports; the
    # working pages the plan's editors'.
    "scrutiny:annual-reports": page(REPORT, NOT_ALLOWED, args=P),
    "scrutiny:annual-new": page(EDITORS, EDITORS_400, SIGNED_IN_405, args=P),
    "scrutiny:annual-year": page(
        EDITORS, EDITORS_400, SIGNED_IN_405, args={**P, "year": "annual_year"}
    ),
    "scrutiny:annual-report": page(REPORT, NOT_ALLOWED, args={"pk": "annual"}),
    "scrutiny:annual-report-pdf": page(REPORT, NOT_ALLOWED, args={"pk": "annual"}),
    "scrutiny:annual-report-xlsx": page(REPORT, NOT_ALLOWED, args={"pk": "annual"}),
    "scrutiny:actions": page(MEMBERS, SIGNED_IN_405, args=P),
    "scrutiny:add-action": page(EDITORS, EDITORS_400, SIGNED_IN_405, args=P),
    "scrutiny:edit-action": page(
        EDITORS, EDITORS_400, SIGNED_IN_405, args={"plan": "plan", "pk": "action"}
    ),
    # Plan editors, and the writers of the organisation the action is addressed to.
    "scrutiny:respond-action": page(
        WRITERS, WRITERS_400, SIGNED_IN_405, args={"pk": "action"}
    ),
    # The recommendations register: its plan's members read and download it; its
    # editors record, import, edit and close; the owner's writers respond.
    "scrutiny:recommendations": page(MEMBERS, SIGNED_IN_405, args=P),
    "scrutiny:recommendations-csv": page(MEMBERS, SIGNED_IN_405, args=P),
    "scrutiny:recommendations-xlsx": page(MEMBERS, SIGNED_IN_405, args=P),
    "scrutiny:add-recommendation": page(EDITORS, EDITORS_400, SIGNED_IN_405, args=P),
    "scrutiny:import-recommendations": page(
        EDITORS, EDITORS_400, SIGNED_IN_405, args=P
    ),
    "scrutiny:edit-recommendation": page(
        EDITORS,
        EDITORS_400,
        SIGNED_IN_405,
        args={"plan": "plan", "pk": "recommendation"},
    ),
    # Closing takes no field that must be given: the empty form closes it, today.
    "scrutiny:close-recommendation": page(
        EDITORS,
        EDITORS,
        SIGNED_IN_405,
        args={"plan": "plan", "pk": "responded_recommendation"},
    ),
    "scrutiny:respond-recommendation": page(
        WRITERS, WRITERS_400, SIGNED_IN_405, args={"pk": "recommendation"}
    ),
    # Accounts
    "accounts:account": page(SIGNED_IN, SIGNED_IN_405),
    # Saving one's e-mail choices: an empty form turns the optional ones off.
    "accounts:notifications": page(SIGNED_IN_405, SIGNED_IN, SIGNED_IN_405),
    "accounts:set-up": page(BODY_EDITORS, BODY_EDITORS_400, SIGNED_IN_405),
    "accounts:codes": page(SIGNED_IN, BODY_EDITORS_404, SIGNED_IN_405),
    "accounts:turn-off": page(SIGNED_IN, SIGNED_IN, SIGNED_IN_405),
    # Signs the person out (everywhere), then sends them to the sign-in page.
    "accounts:sign-out-everywhere": page(
        SIGNED_IN_405, row("sign-in " * 8), SIGNED_IN_405
    ),
    "accounts:verify": page(SIGNED_IN, SIGNED_IN, SIGNED_IN_405),
    # The audit log: each organisation's admin reads its own. The list is a page of a
    # role: someone who administers nowhere is told it does not exist; an
    # organisation is no secret, so its log refuses anyone else (403).
    "audit:index": page(
        row("sign-in 404 404 404 ok ok sign-in sign-in"), SIGNED_IN_405
    ),
    "audit:log": page(
        row("sign-in 403 403 403 ok 403 sign-in sign-in"),
        SIGNED_IN_405,
        args={"organisation": "organisation"},
    ),
    # Sign-in with the organisation's identity provider (issue 18): django-allauth's
    # start and return addresses answer 404 for a provider that does not exist (the
    # world has none; tests/plans/test_sign_in_oidc.py follows a real one). What a
    # provider's cancel or failure leads to is a refusal page for everyone; the page
    # for someone with no role yet is for anyone signed in.
    "openid_connect_login": page(
        row("404 " * 8), row("404 " * 8), args={"provider_id": "=idp-0"}
    ),
    "openid_connect_callback": page(
        row("404 " * 8), row("404 " * 8), args={"provider_id": "=idp-0"}
    ),
    "socialaccount_login_cancelled": page(row("403 " * 8), NOT_ALLOWED),
    "socialaccount_login_error": page(row("403 " * 8), NOT_ALLOWED),
    "sign-in-no-role": page(SIGNED_IN, SIGNED_IN_405),
}

API: dict[str, Entry] = {
    "api-root": Entry(API_LIST, API_405, API_405),
    # The schema and its interactive docs describe the API, not anyone's data.
    "schema": page(OPEN, NOT_ALLOWED),
    "api-docs": page(OPEN, NOT_ALLOWED),
    # Without client credentials, the token endpoints answer 400 (OAuth's own errors).
    "oauth-token": page(NOT_ALLOWED, row("400 " * 8), NOT_ALLOWED),
    "oauth-revoke": page(NOT_ALLOWED, row("400 " * 8), NOT_ALLOWED),
    # Who the caller is: anyone signed in or with a token; it only reads.
    "api-me": Entry(API_LIST, API_405, API_405),
    # Any other URL under /api/: 404 before anything else is asked.
    "api-not-found": page(row("404 " * 8), row("404 " * 8)),
}
RESOURCES = {
    "organisation": "organisation",
    "plan": "plan",
    "priority": "priority",
    "objective": "objective",
    "deliverable": "deliverable",
    "milestone": "milestone",
    "progressupdate": "update",
    "indicator": "indicator",
    "decisionnotice": "decision",
    "publishedreport": "report",
    "scrutinyaction": "action",
}
for _base, _source in RESOURCES.items():
    API[f"{_base}-list"] = Entry(API_LIST, API_405, API_405)
    # Organisations are a directory open to anyone signed in.
    _detail = API_LIST if _base == "organisation" else API_DETAIL
    API[f"{_base}-detail"] = Entry(_detail, API_405, API_405, args={"pk": _source})
API.update(
    {
        "progressupdate-list": Entry(
            API_LIST, API_WRITE, API_405, body="progress-with-id"
        ),
        "deliverable-updates": Entry(
            API_DETAIL, API_WRITE, API_405, args={"pk": "deliverable"}, body="progress"
        ),
        "progressupdate-bulk": Entry(
            API_405, API_BULK, API_405, body="progress-in-bulk"
        ),
        "progressupdate-attachments": Entry(
            API_DETAIL, API_WRITE, API_405, args={"pk": "update"}, body="evidence-link"
        ),
        "indicator-record-value": Entry(
            API_405,
            API_WRITE,
            API_405,
            args={"pk": "indicator"},
            body="indicator-value",
        ),
        # Draft commentary: the plan's editors, and A's own API client (the body
        # that owns the plan may send its words from its own system); anyone else
        # is told there is none. It takes GET and PUT (whose refusals
        # tests/api/test_commentary_api.py checks); the DELETE sent here is not a
        # method it takes.
        "plan-period-commentary": Entry(
            row("401 404 404 ok ok 404 ok 404"), API_405, API_405, args=PP
        ),
    }
)
# The editor API (issue 18): adding to the plan's structure, removing parts that
# nothing hangs from, archiving plans and deliverables, and adding deliverables in
# bulk. PATCH follows the same rows as DELETE (tests/api/test_editor_api.py).
for _base, _remove in (
    ("plan", API_405),
    ("priority", API_STRUCTURE_HELD),
    ("objective", API_STRUCTURE_HELD),
    ("strand", API_STRUCTURE_CHANGE),
    ("deliverable", API_405),
    ("milestone", API_STRUCTURE_CHANGE),
):
    API[f"{_base}-list"] = Entry(API_LIST, API_STRUCTURE_ADD, API_405, body=_base)
    API[f"{_base}-detail"] = Entry(API_DETAIL, API_405, _remove, args={"pk": _base})
API.update(
    {
        "plan-archive": Entry(
            API_405, API_STRUCTURE_CHANGE, API_405, args={"pk": "plan"}
        ),
        "deliverable-archive": Entry(
            API_405,
            API_STRUCTURE_CHANGE,
            API_405,
            args={"pk": "deliverable"},
            body="archive",
        ),
        "deliverable-bulk": Entry(
            API_405, API_STRUCTURE_ADD, API_405, body="deliverables-in-bulk"
        ),
    }
)
# The router answers every route with a format suffix too (``.json``), by the same
# rules.
for _key, _entry in list(API.items()):
    if "-" in _key and _key not in {
        "api-docs",
        "api-me",
        "api-not-found",
        "oauth-token",
        "oauth-revoke",
    }:
        API[f"{_key}.<format>"] = Entry(
            _entry.get,
            _entry.post,
            _entry.other,
            {**_entry.args, "format": "=json"},
            _entry.body,
        )

MATRIX: dict[str, Entry] = {**API, **SITE}

#: Entries that fail today, with why: the tests expect them to fail (strict), so
#: that fixing the fault shows here.
KNOWN_FAULTS: dict[str, str] = {}

# (route name, method) pairs that answer with a server error today.
KNOWN_METHOD_FAULTS: dict[tuple[str, str], str] = {}


# The URL patterns ---------------------------------------------------------------------

SKIPPED_PREFIXES = ("admin/", "static/", "media/")


@dataclass(frozen=True)
class Pattern:
    key: str  # the name with its namespace, and ".<format>" for a format twin
    route: str  # readable: /plans/<plan>/periods/<period>/


def readable(route: str) -> str:
    """``^api/v1/plans/(?P<pk>[0-9]{1,18})/$`` as ``/api/v1/plans/<pk>/``."""
    route = route.replace(r"(?:[\s\S]*/)?", "<anything else>/")
    route = re.sub(r"\(\?P<(\w+)>[^)]*\)", r"<\1>", route)
    route = re.sub(r"<\w+:(\w+)>", r"<\1>", route)
    route = route.replace("^", "").replace("$", "").replace("\\.", ".")
    return "/" + route.replace("/?", "/")


def _walk(resolver, prefix: str, namespace: str) -> Iterator[tuple[str, str]]:
    for entry in resolver.url_patterns:
        route = prefix + str(entry.pattern)
        if route.lstrip("^").startswith(SKIPPED_PREFIXES):
            continue  # the admin (Django's own staff checks), static and media files
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _walk(entry, route, inner)
        elif isinstance(entry, URLPattern):
            name = f"{namespace}{entry.name}" if entry.name else f"<{route}>"
            if "(?P<format>" in route or "<drf_format_suffix:format>" in route:
                name += ".<format>"
            yield name, route


def url_patterns() -> list[Pattern]:
    """Every pattern the site answers, in the resolver's order, keyed uniquely."""
    patterns = [Pattern(k, readable(r)) for k, r in _walk(get_resolver(), "", "")]
    keys = [p.key for p in patterns]
    duplicates = sorted({k for k in keys if keys.count(k) > 1})
    assert not duplicates, f"two URL patterns share a key: {duplicates}"
    return patterns


LEGEND = {
    "ok": "let in",
    "400": "let in; the empty form or the body sent is refused as invalid",
    "sign-in": "sent to the sign-in page",
    "401": "refused: sign in or send an access token",
    "403": "refused: the person can see what the address is about, but may not do"
    " this to it",
    "404": "refused as if it did not exist: the person may not know it is there",
    "405": "the address does not take this method",
    "409": "let in, but refused for the state of what it is about: something still"
    " hangs from the part to remove, or the plan is archived",
}
#: When a refusal is a 403 and when a 404: one rule for every page (core/views.py's
#: ``ScopedPage`` applies it), written out for docs/permissions.md.
RULE = (
    "## 403 or 404",
    "",
    "One rule decides which answer a refusal gets. The service first asks whether the",
    "person may see what the address is about, and only then whether they may do this",
    "to it.",
    "",
    "- **404** when they may not know that it exists: another organisation's plan or",
    "  work that they take no part in, a draft plan or draft commentary they cannot",
    "  see, something that is not in the plan the address names, or a page for a role",
    "  they hold nowhere (the review queue, the import or setting up a plan for",
    "  someone who edits no plan; the list of audit logs for someone who administers",
    "  no organisation). The answer is the same as for an address that never existed,",
    "  so it gives nothing away.",
    "- **403** when they can see it but may not do this to it: a reader or contributor",
    "  of the organisation that owns a plan opening one of its editing pages, a reader",
    "  asking for a period's returns or missing updates, or a member who is not an",
    "  administrator opening an organisation's audit log (anyone signed in can see",
    "  the list of organisations).",
    "",
    "Both show the service's own page, which says what happened in plain words and",
    "links back to the page before and to the start page; so does a demo copy that",
    "runs with `DEBUG` on. The API follows the rule with one exception, described in",
    "its guide (docs/api.md): a progress write that the caller may not make answers",
    "404, even when the caller may read the object. The editor API (the plan's",
    "structure) follows the rule: a reader of the plan is refused with 403.",
)
#: The one rule for what is internal (deliverables/visibility.py), written out for
#: docs/permissions.md; tests/test_internal_visibility.py checks it on a public plan.
INTERNAL = (
    "## What is internal to a plan's bodies",
    "",
    "Seeing a plan is not seeing everything about it. On any plan, public or not,",
    "these are internal to the plan's bodies:",
    "",
    "- progress updates waiting for review (their figures, narrative and who recorded",
    "  them), and updates returned to their authors;",
    "- the review comment on any update, accepted or returned;",
    "- evidence not marked public;",
    "- drafts of the commentary (until the quarter's report is published).",
    "",
    "They are seen only by the members of the organisation that owns the plan, by the",
    "organisation that recorded the update (its members and its API clients), and by",
    "superusers. Drafts of the commentary are narrower still: the plan's editors and",
    "its body's own API clients. Everyone else, signed in or not, whatever other part",
    "they take in the plan (another force sharing the deliverable, a partner, any",
    "organisation reading a public plan), sees only the updates that were accepted or",
    "needed no review, without their review comments, and the evidence marked public",
    "(on a public plan, once a report up to that quarter is published, to anyone). An",
    "update they may not read answers 404, in pages and in the API.",
    "",
    "Pages, exports (deliverable lists, quarterly returns, reports), dashboards, the",
    "API and webhooks all follow this rule: `update.recorded` for an update that waits",
    "for review, and `update.returned`, are sent only to the endpoints of the plan's",
    "owner and of the organisation that recorded it; `update.accepted`, and an update",
    "that needed no review, to every organisation that may see the plan.",
    "",
    "The tests check it on a public plan with three organisations: the owner, the",
    "force that records the updates, and one that is neither, signed in, with an API",
    "client, and signed out (tests/test_internal_visibility.py and",
    "tests/test_internal_visibility_webhooks.py; the generated cross-organisation",
    "attempts try the public plan's addresses too).",
)
SECTIONS = (
    ("Pages", lambda key: key in SITE),
    ("API", lambda key: key in API),
)


def markdown() -> str:
    """docs/permissions.md: the matrix as tables, one row per address and method."""
    routes = {p.key: p.route for p in url_patterns()}
    header = ["Address", "Method", *(ROLE_LABELS[r] for r in ROLES)]
    lines = [
        "# Who may do what",
        "",
        "<!-- Generated from tests/permission_matrix.py: do not edit by hand. Run",
        "     WRITE_PERMISSIONS_DOC=1 pytest tests/test_permission_matrix.py -k doc",
        "-->",
        "",
        "Every address of the service, and what each kind of person gets from it. The",
        "roles are towards one organisation's plan (organisation A):",
        "",
        "- **Signed out**: nobody signed in.",
        "- **Reader**, **Contributor**, **Editor**, **Admin**: members of"
        " organisation A with that role.",
        "- **Other organisation**: an admin of another organisation, B.",
        "- **API client**: A's API client, with a bearer token (read and write"
        " scopes).",
        "- **Other API client**: B's API client.",
        "",
        "A's plan is published but not public. The service's tests request every "
        "address as",
        "every role and check these answers (tests/test_permission_matrix.py).",
        "",
        "What the answers mean:",
        "",
        *(f"- **{name}**: {meaning}." for name, meaning in LEGEND.items()),
        "",
        '"Other" stands for every method the row does not name (PUT, PATCH, DELETE'
        " ...).",
        "API clients send a bearer token, which pages do not take: to a page, a client"
        " is",
        "signed out. Each API address also answers with a format suffix (`.json`) by "
        "the same",
        "rules; those rows are left out. The admin site is left out too: only staff "
        "reach it.",
        "",
        *RULE,
        "",
        *INTERNAL,
    ]
    for title, belongs in SECTIONS:
        lines += ["", f"## {title}", ""]
        lines.append("| " + " | ".join(header) + " |")
        lines.append("|" + "---|" * len(header))
        for key, entry in MATRIX.items():
            if not belongs(key) or key.endswith(".<format>"):
                continue
            route = routes.get(key, key)
            for method in METHODS:
                label = "Other" if method == "other" else method
                cells = [f"`{route}`" if method == "GET" else "", label]
                cells += list(entry.outcomes(method))
                lines.append("| " + " | ".join(cells) + " |")
    faults = [(routes.get(k, k), "once let in", why) for k, why in KNOWN_FAULTS.items()]
    faults += [
        (routes.get(k, k), m, why) for (k, m), why in KNOWN_METHOD_FAULTS.items()
    ]
    if faults:
        lines += [
            "",
            "## Known faults",
            "",
            "These answer with a server error today:",
            "",
        ]
        lines += [f"- `{route}` ({method}): {why}." for route, method, why in faults]
    return "\n".join(lines) + "\n"
