"""Fuzz of the plan import with malformed files (hypothesis).

Generated files are uploaded to the import page as an editor would: the Jersey plan's
own table cut short, with bytes flipped, columns dropped or renamed, rows repeated or
shuffled, cells made huge or turned into formulas, re-encoded, or replaced by random
bytes; and workbooks that are not what they say (random bytes, a broken zip, a CSV
named .xlsx). Whatever arrives, the page answers 200 (a preview to check) or 400 with
an error summary, never a 5xx, and nothing is written before the editor confirms. A
preview that is confirmed writes the whole plan or, refused, nothing.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from deliverables.models import Deliverable, Milestone, ProgressUpdate
from plans.models import Objective, Plan, Priority
from tests.factories import DATES_2017

JERSEY = Path(settings.BASE_DIR) / "plans" / "demo" / "jersey-policing-plan-2017.csv"
ROWS = JERSEY.read_text(encoding="utf-8").splitlines()
HEADER, BODY = ROWS[0], ROWS[1:12]  # eleven rows keep each example quick
EXAMPLES = 80

pytestmark = pytest.mark.django_db


def _csv(lines: list[str]) -> bytes:
    return ("\n".join(lines) + "\n").encode()


def _mutations() -> st.SearchStrategy[tuple[str, bytes]]:
    """(file name, contents) of a malformed or odd upload."""
    columns = HEADER.split(",")
    whole = _csv([HEADER, *BODY])

    truncated = st.integers(0, len(whole)).map(lambda n: ("plan.csv", whole[:n]))
    flipped = st.lists(
        st.tuples(st.integers(0, len(whole) - 1), st.integers(0, 255)),
        min_size=1,
        max_size=20,
    ).map(
        lambda flips: (
            "plan.csv",
            bytes(
                b if i not in dict(flips) else dict(flips)[i]
                for i, b in enumerate(whole)
            ),
        )
    )
    dropped = st.sets(st.sampled_from(columns), min_size=1, max_size=5).map(
        lambda gone: (
            "plan.csv",
            _csv(
                [
                    ",".join(c for c in columns if c not in gone),
                    *[
                        ",".join(
                            f"v{i}" for i, c in enumerate(columns) if c not in gone
                        )
                        for _ in BODY
                    ],
                ]
            ),
        )
    )
    renamed = st.tuples(st.sampled_from(columns), st.text(max_size=30)).map(
        lambda pair: (
            "plan.csv",
            _csv([HEADER.replace(pair[0], pair[1].replace("\n", " "), 1), *BODY]),
        )
    )
    shuffled = st.permutations(BODY).map(
        lambda rows: ("plan.csv", _csv([HEADER, *rows, *rows[:3]]))
    )
    cell = st.one_of(
        st.text(max_size=50),
        st.sampled_from(
            [
                '=HYPERLINK("http://example.com","x")',
                "+SUM(A1:A9)",
                "-1",
                "@cmd",
                "x" * 20_000,
                '"unterminated',
                "\x00",
                "Q5 2017",
                "31/02/2017",
                "999",
            ]
        ),
    )
    odd_cells = st.lists(
        st.tuples(st.integers(0, len(BODY) - 1), st.integers(0, 19), cell),
        min_size=1,
        max_size=8,
    ).map(lambda edits: ("plan.csv", _edit_cells(edits)))
    encoded = st.sampled_from(["utf-16", "latin-1", "utf-8-sig", "cp1252"]).map(
        lambda codec: (
            "plan.csv",
            "\n".join([HEADER, *BODY, "3.9,Caf\u00e9 \u2013 \u00a3"]).encode(
                codec, errors="replace"
            ),
        )
    )
    garbage = st.tuples(
        st.sampled_from(["plan.csv", "plan.xlsx"]), st.binary(max_size=2_000)
    )
    workbooks = st.sampled_from(
        [
            ("plan.xlsx", whole),  # a CSV named .xlsx
            ("plan.xlsx", _zip({"hello.txt": b"not a workbook"})),
            ("plan.xlsx", _zip({"[Content_Types].xml": b"<Types"})),
            ("plan.xlsx", _zip({"xl/workbook.xml": b"\x00" * 100})[:-10]),
            ("plan.csv", b""),
            ("plan.csv", HEADER.encode()),
        ]
    )
    return st.one_of(
        truncated,
        flipped,
        dropped,
        renamed,
        shuffled,
        odd_cells,
        encoded,
        garbage,
        workbooks,
    )


def _edit_cells(edits: list[tuple[int, int, str]]) -> bytes:
    import csv

    rows = list(csv.reader(io.StringIO("\n".join(BODY))))
    for row, column, value in edits:
        if column < len(rows[row]):
            rows[row][column] = value
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADER.split(","))
    writer.writerows(rows)
    return out.getvalue().encode()


def _zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def _stored() -> tuple[int, ...]:
    return tuple(
        model.objects.count()
        for model in (Plan, Priority, Objective, Deliverable, Milestone, ProgressUpdate)
    )


def test_malformed_imports_are_refused_clearly_and_write_nothing(
    client, editor, authority, force
):
    client.force_login(editor)
    seen = {"previews": 0, "refusals": 0, "confirmed": 0}

    @hypothesis_settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(upload=_mutations(), confirm=st.booleans())
    def attempt(upload, confirm):
        name, content = upload
        before = _stored()
        response = client.post(
            reverse("deliverables:import"),
            {
                "file": SimpleUploadedFile(name, content),
                "organisation": authority.pk,
                "reference": f"FUZZ-{seen['previews'] + seen['refusals']}",
                "title": "Fuzzed plan",
                **DATES_2017,
            },
            follow=True,
        )
        assert response.status_code in (200, 400), response.status_code
        assert _stored() == before  # a preview or a refusal writes nothing
        page = response.content.decode()
        if "Say what each column holds" in page:
            # Columns renamed or dropped: take what is proposed, as an editor might.
            form = response.context["form"]
            response = client.post(
                reverse(
                    "deliverables:import-columns", args=[response.context["token"]]
                ),
                {name: form.initial.get(name, "") for name in form.fields},
                follow=True,
            )
            assert response.status_code in (200, 400), response.status_code
            assert _stored() == before
            page = response.content.decode()
        if response.status_code == 400:
            seen["refusals"] += 1
            assert "govuk-error-summary" in page
            return
        seen["previews"] += 1
        assert "Check the import" in page
        if not confirm:
            return
        token = response.context["token"]
        done = client.post(
            reverse("deliverables:import-check", args=[token]), {"confirm": "1"}
        )
        assert done.status_code in (302, 400), done.status_code
        if done.status_code == 302:
            seen["confirmed"] += 1
            assert _stored() != before  # the whole plan went in
        else:
            assert _stored() == before

    attempt()
    # The fuzz reached both sides: files refused and files that previewed.
    assert seen["refusals"] > EXAMPLES // 4, seen
    assert seen["previews"] > 0, seen
