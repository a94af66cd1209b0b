"""The benchmark behind ``make bench`` runs end to end (at its tiny size), so that its
figures can always be refreshed, and writes its table without touching the rest of
docs/performance.md."""

import io
import re

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from deliverables.models import ProgressUpdate
from scrutiny.models import PublishedReport
from tests.perf.management.commands.bench import write_section

pytestmark = pytest.mark.django_db

MEASURES = [
    "Dashboard of one plan, current period",
    "Dashboard of one plan, past period (reconstructed)",
    "Overview of every plan (national reader)",
    "Deliverables list, filtered, 50 a page",
    "Deliverable page with 16 updates",
    "API: deliverables list, 100 a page",
    "API: one progress update (POST)",
    "API: bulk POST of 1,000 updates",
    "Import the Jersey plan (90 deliverables)",
    "Publish a quarterly report",
    "Render a report's PDF",
]
WITH_FLOOR = MEASURES[:8]

DOC = """# Performance

How to rerun.

<!-- bench:tiny -->
Not measured yet.
<!-- /bench:tiny -->

<!-- bench:national -->
The national figures.
<!-- /bench:national -->

## Budgets and findings

The lead's notes.
"""


def test_the_benchmark_seeds_an_empty_database_and_writes_its_table(tmp_path):
    doc = tmp_path / "performance.md"
    doc.write_text(DOC)
    out = io.StringIO()

    call_command(
        "bench", size="tiny", repeat=2, output=str(doc), stdout=out, verbosity=0
    )

    text = doc.read_text()
    assert "Not measured yet." not in text
    assert "The national figures." in text
    assert text.endswith("## Budgets and findings\n\nThe lead's notes.\n")
    assert "seeded in" in text
    table = {}
    for line in text.splitlines():
        cells = [c.strip() for c in line.strip("|").split("|")]
        if cells[0] in MEASURES:
            table[cells[0]] = cells[1:]
    assert list(table) == MEASURES
    for name, (p50, p95, queries, floor, ratio) in table.items():
        assert float(p50.replace(",", "")) <= float(p95.replace(",", "")), name
        assert int(queries.replace(",", "")) > 0, name
        if name in WITH_FLOOR:
            assert float(floor.replace(",", "")) > 0, name
            assert re.fullmatch(r"[\d,.]+x", ratio), name
        else:
            assert floor == ratio == "", name
    assert "| measure | p50 (ms) |" in out.getvalue()
    # The writes happened: 1 + 10 + 1 single updates, 4 bulks of 1,000, 4 reports.
    assert ProgressUpdate.objects.filter(source="api").count() == 12 + 4 * 1000
    assert PublishedReport.objects.count() == 4


def test_a_section_is_added_to_a_file_without_its_markers(tmp_path):
    doc = tmp_path / "performance.md"
    doc.write_text("# Performance\n")

    write_section(doc, "stress", "<!-- bench:stress -->\nT\n<!-- /bench:stress -->\n")
    write_section(doc, "stress", "<!-- bench:stress -->\nU\n<!-- /bench:stress -->\n")

    assert doc.read_text() == (
        "# Performance\n\n<!-- bench:stress -->\nU\n<!-- /bench:stress -->\n"
    )


def test_refuses_to_label_data_of_one_size_as_another():
    call_command("seed_scale", size="tiny", verbosity=0)

    with pytest.raises(CommandError, match="seeded at another size"):
        call_command("bench", size="national", stdout=io.StringIO(), verbosity=0)
